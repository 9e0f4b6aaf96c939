package dev.tnorders.opentact.intake;

import java.util.List;

import dev.tnorders.opentact.model.OrderRequest;

/** What one CSV row (or group of rows sharing a request_id) became: a request, or a rejected row. */
public sealed interface CsvItem {

    /** A request ready to be ordered. */
    record Accepted(OrderRequest request) implements CsvItem {
    }

    /**
     * A row that cannot be ordered, kept as it was written so that it can be fixed and dropped again.
     *
     * @param header the file's header as written
     * @param values the row's cells as written
     */
    record Rejected(String file, long line, List<String> header, List<String> values, String reason)
            implements CsvItem {
    }
}
