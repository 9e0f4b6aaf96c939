package dev.tnorders.opentact.intake;

/** An input that cannot become an order request. The message names the field and the problem. */
public class InvalidRequestException extends RuntimeException {

    private final String field;

    public InvalidRequestException(String field, String problem) {
        super(field == null ? problem : "field '" + field + "': " + problem);
        this.field = field;
    }

    /** The offending field (a CSV column or JSON path), or null when the whole input is bad. */
    public String field() {
        return field;
    }
}
