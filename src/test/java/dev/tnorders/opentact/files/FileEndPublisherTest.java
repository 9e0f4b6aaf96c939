package dev.tnorders.opentact.files;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FileEndPublisherTest {

    @Test
    void namesTheSummaryAsTheOutboxNamesAFilesResults() {
        assertThat(FileEndPublisher.safeName("/in/orders 12.csv")).isEqualTo("orders_12.csv");
        assertThat(FileEndPublisher.safeName("orders-1_a.csv")).isEqualTo("orders-1_a.csv");
        assertThat(FileEndPublisher.safeName("d/ä&b.csv")).isEqualTo("__b.csv");
    }
}
