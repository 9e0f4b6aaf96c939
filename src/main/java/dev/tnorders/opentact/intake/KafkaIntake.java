package dev.tnorders.opentact.intake;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.component.kafka.KafkaConstants;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

/** Turns a record of {@code opentact.order.requests} into a request, keeping where it came from. */
public class KafkaIntake {

    private final JsonRequestReader reader;

    public KafkaIntake(RequestValidator validator) {
        this.reader = new JsonRequestReader(validator);
    }

    public OrderRequest read(@Body String payload, @Header(KafkaConstants.KEY) String key,
                             @Header(KafkaConstants.TOPIC) String topic, @Header(KafkaConstants.PARTITION) Integer partition,
                             @Header(KafkaConstants.OFFSET) Long offset, @ExchangeProperty("receivedAt") String receivedAt) {
        return reader.read(payload, key, topic + "-" + partition + "-" + offset,
                RequestSource.ofTopic(topic, partition, offset), receivedAt);
    }
}
