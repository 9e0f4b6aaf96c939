package dev.tnorders.opentact;

import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import dev.tnorders.opentact.config.HostSetup;

import static org.assertj.core.api.Assertions.assertThat;

class HostSetupTest {

    @Test
    void itOffersTheKafkaVariablesOnceAndCountsEachBuildOfTheBeansPerContext() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext(); DefaultCamelContext other = new DefaultCamelContext()) {
            HostSetup first = new HostSetup();
            first.setCamelContext(context);
            first.setCamelContext(context); // Camel hands it over more than once: one build
            assertThat(first.beansBuilt()).isEqualTo(1);
            assertThat(context.getPropertiesComponent().getPropertiesSource(HostSetup.SOURCE)).isNotNull();

            HostSetup again = new HostSetup();
            again.setCamelContext(context);
            assertThat(again.beansBuilt()).isEqualTo(2);
            assertThat(first.beansBuilt()).isEqualTo(2);
            assertThat(context.getPropertiesComponent().getPropertiesSource(HostSetup.SOURCE)).isNotNull();

            HostSetup elsewhere = new HostSetup();
            elsewhere.setCamelContext(other);
            assertThat(elsewhere.beansBuilt()).isEqualTo(1);
        }
    }
}
