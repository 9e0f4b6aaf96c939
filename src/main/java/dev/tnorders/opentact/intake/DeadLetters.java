package dev.tnorders.opentact.intake;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.component.kafka.KafkaConstants;

import dev.tnorders.opentact.model.RequestSource;

/** Builds the records of {@code opentact.order.dlq}: the original payload, the error, the source. */
public class DeadLetters {

    /** Payloads larger than this are cut, so that one huge bad record cannot exceed Kafka's record limit. */
    static final int MAX_PAYLOAD_CHARS = 256 * 1024;

    public Map<String, Object> record(String payload, String error, RequestSource source, String at) {
        Map<String, Object> r = new LinkedHashMap<>();
        String p = payload == null ? "" : payload;
        r.put("payload", p.length() > MAX_PAYLOAD_CHARS ? p.substring(0, MAX_PAYLOAD_CHARS) : p);
        if (p.length() > MAX_PAYLOAD_CHARS) {
            r.put("payload_truncated_from", p.length());
        }
        r.put("error", error);
        r.put("source", source);
        r.put("failed_at", at);
        return r;
    }

    public Map<String, Object> fromTopic(@Body String payload, @ExchangeProperty("error") String error,
                                         @Header(KafkaConstants.TOPIC) String topic,
                                         @Header(KafkaConstants.PARTITION) Integer partition,
                                         @Header(KafkaConstants.OFFSET) Long offset, @ExchangeProperty("receivedAt") String at) {
        return record(payload, error, RequestSource.ofTopic(topic, partition, offset), at);
    }

    public Map<String, Object> fromRow(@Body CsvItem.Rejected row, @ExchangeProperty("receivedAt") String at) {
        return record(CsvOutbox.line(row.values()), row.reason(), RequestSource.ofFile(row.file(), row.line()), at);
    }
}
