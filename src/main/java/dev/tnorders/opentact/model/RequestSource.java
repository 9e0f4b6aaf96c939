package dev.tnorders.opentact.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a request came from: a CSV file and line, or a Kafka topic, partition and offset.
 * Carried through to every outcome so that a person can trace a result back to its input.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RequestSource(String file, Long line, String topic, Integer partition, Long offset) {

    public static RequestSource ofFile(String file, long line) {
        return new RequestSource(file, line, null, null, null);
    }

    public static RequestSource ofTopic(String topic, int partition, long offset) {
        return new RequestSource(null, null, topic, partition, offset);
    }

    @JsonIgnore
    public boolean fromFile() {
        return file != null;
    }

    @Override
    public String toString() {
        return fromFile() ? file + ":" + line : topic + "-" + partition + "@" + offset;
    }
}
