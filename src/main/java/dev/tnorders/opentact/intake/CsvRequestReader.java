package dev.tnorders.opentact.intake;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.commons.csv.DuplicateHeaderMode;

import dev.tnorders.opentact.model.OrderRequest;
import dev.tnorders.opentact.model.RequestSource;

/**
 * Streams a CSV order file into {@link CsvItem}s, one row at a time, with Commons CSV.
 * Accepts what operations teams actually write: a BOM, CRLF, RFC 4180 quotes, {@code ,} or
 * {@code ;}, header names in any case and with any separators or none, a few aliases (see
 * {@link CsvColumns}), Excel's {@code ="..."} cells.
 * Rows that share a request_id are held until the end of the file and become one request.
 */
public class CsvRequestReader {

    private static final Pattern LIST_SEPARATORS = Pattern.compile("[;| ]+");
    /** Longest line we look at to choose the separator. */
    private static final int SNIFF_LIMIT = 64 * 1024;

    private final RequestValidator validator;

    public CsvRequestReader(RequestValidator validator) {
        this.validator = validator;
    }

    /**
     * @param contentId a digest of the file's content: request ids of rows without request_id
     *                  derive from it, so the same content dropped twice yields the same ids
     * @throws InvalidRequestException when the file as a whole cannot be read (no header, ...)
     */
    public Items read(InputStream in, String fileName, String contentId, String receivedAt) {
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
            reader.mark(SNIFF_LIMIT);
            char[] buf = new char[SNIFF_LIMIT];
            int n = reader.read(buf);
            reader.reset();
            if (n <= 0) {
                throw new InvalidRequestException(null, "the file is empty; the first row must be a header such as tn,features");
            }
            int start = buf[0] == '\uFEFF' ? 1 : 0;
            if (start == 1) {
                reader.skip(1);
            }
            char delimiter = sniffDelimiter(buf, start, n);
            CSVParser parser = CSVFormat.RFC4180.builder()
                    .setDelimiter(delimiter)
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    // Duplicates are CsvColumns' to judge: two columns for one field fail the file,
                    // two unrecognised columns of the same name are only named in the warning.
                    .setDuplicateHeaderMode(DuplicateHeaderMode.ALLOW_ALL)
                    .setIgnoreEmptyLines(true)
                    .setAllowMissingColumnNames(true)
                    .get()
                    .parse(reader);
            List<String> header = parser.getHeaderNames();
            CsvColumns columns = CsvColumns.of(header);
            return new Rows(parser, header, columns, fileName, contentId, receivedAt);
        } catch (CharacterCodingException e) {
            throw new InvalidRequestException(null, "the file is not UTF-8 text");
        } catch (IOException | IllegalArgumentException | UncheckedIOException e) {
            if (e instanceof InvalidRequestException ire) {
                throw ire;
            }
            throw new InvalidRequestException(null, "the header cannot be read: " + e.getMessage());
        }
    }

    /** The separator is whichever of , and ; occurs more often outside quotes in the first line. */
    static char sniffDelimiter(char[] buf, int from, int to) {
        int commas = 0;
        int semicolons = 0;
        boolean quoted = false;
        for (int i = from; i < to && buf[i] != '\n' && buf[i] != '\r'; i++) {
            char c = buf[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == ',') {
                commas++;
            } else if (!quoted && c == ';') {
                semicolons++;
            }
        }
        return semicolons > commas ? ';' : ',';
    }

    /** The items of one file, with how many rows were read so far; closing it closes the file. */
    public interface Items extends Iterator<CsvItem>, Closeable {
        /** CSV rows (not counting the header) read so far. */
        long rowsRead();

        /** The file's header: which column holds which field, and which columns mean none. */
        CsvColumns columns();

        @Override
        void close();
    }

    /**
     * Iterates rows, then the request_id groups held back until the end. A row without request_id
     * is handed out as soon as it is read and not kept: memory does not grow with the file.
     */
    private final class Rows implements Items {
        private final CSVParser parser;
        private final Iterator<CSVRecord> records;
        private final List<String> header;
        private final CsvColumns columns;
        private final String fileName;
        private final String contentId;
        private final String receivedAt;
        private final Map<String, Group> groups = new LinkedHashMap<>();
        private final Deque<CsvItem> ready = new ArrayDeque<>();
        private boolean rowsDone;
        private long rowsRead;

        Rows(CSVParser parser, List<String> header, CsvColumns columns, String fileName, String contentId,
             String receivedAt) {
            this.parser = parser;
            this.records = parser.iterator();
            this.header = header;
            this.columns = columns;
            this.fileName = fileName;
            this.contentId = contentId;
            this.receivedAt = receivedAt;
        }

        @Override
        public long rowsRead() {
            return rowsRead;
        }

        @Override
        public CsvColumns columns() {
            return columns;
        }

        @Override
        public void close() {
            rowsDone = true;
            groups.clear();
            ready.clear();
            try {
                parser.close();
            } catch (IOException ignored) {
                // nothing left to read
            }
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && !rowsDone) {
                advance();
            }
            return !ready.isEmpty();
        }

        @Override
        public CsvItem next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void advance() {
            CSVRecord record;
            try {
                if (!records.hasNext()) {
                    finish();
                    return;
                }
                record = records.next();
                rowsRead++;
            } catch (UncheckedIOException | IllegalStateException e) {
                // The rest of the file cannot be parsed (e.g. an unterminated quote); say so for the
                // line we stopped at and end the file here.
                long line = parser.getCurrentLineNumber();
                rowsRead++;
                ready.add(new CsvItem.Rejected(fileName, line, header, List.of(),
                        "the file cannot be parsed from line " + line + " on: " + rootMessage(e)));
                finish();
                return;
            }
            long line = record.getRecordNumber() + 1; // the header is line 1
            List<String> values = Arrays.asList(record.values());
            try {
                if (values.size() != header.size()) {
                    throw new InvalidRequestException(null, "the row has " + values.size() + " cells but the header has "
                            + header.size());
                }
                RawRequest raw = raw(values);
                String defaultId = "csv-" + contentId + "-" + line;
                OrderRequest request = validator.validate(raw, defaultId, RequestSource.ofFile(fileName, line), receivedAt);
                String groupId = cell(values, "request_id");
                if (groupId == null) {
                    ready.add(new CsvItem.Accepted(request));
                } else {
                    groups.computeIfAbsent(request.requestId(), k -> new Group()).add(request, line, values);
                }
            } catch (InvalidRequestException e) {
                ready.add(new CsvItem.Rejected(fileName, line, header, values, e.getMessage()));
            }
        }

        private void finish() {
            rowsDone = true;
            for (Group group : groups.values()) {
                try {
                    ready.add(new CsvItem.Accepted(group.merge()));
                } catch (InvalidRequestException e) {
                    for (int i = 0; i < group.lines.size(); i++) {
                        ready.add(new CsvItem.Rejected(fileName, group.lines.get(i), header, group.values.get(i),
                                "request_id '" + group.requests.get(0).requestId() + "': " + e.getMessage()));
                    }
                }
            }
            groups.clear();
            try {
                parser.close();
            } catch (IOException ignored) {
                // nothing left to read
            }
        }

        private RawRequest raw(List<String> values) {
            String tn = cell(values, "tn");
            String features = cell(values, "features");
            return new RawRequest(cell(values, "request_id"), tn == null ? null : List.of(tn),
                    cell(values, "area_code"), cell(values, "exchange"), cell(values, "quantity"), cell(values, "fill"),
                    features == null ? null : Arrays.asList(LIST_SEPARATORS.split(features.strip())),
                    cell(values, "autorenew"), cell(values, "profile"), cell(values, "sip_connection"),
                    cell(values, "sip_control_app"), cell(values, "max_nrc"), cell(values, "max_mrc"));
        }

        private String cell(List<String> values, String column) {
            Integer i = columns.indexOf(column);
            if (i == null || i >= values.size()) {
                return null;
            }
            String v = unExcel(values.get(i));
            return v == null || v.isBlank() ? null : v.strip();
        }
    }

    /** Excel writes {@code ="0123"} to keep leading zeros; the value is what is inside the quotes. */
    static String unExcel(String v) {
        if (v != null && v.length() >= 3 && v.startsWith("=\"") && v.endsWith("\"")) {
            return v.substring(2, v.length() - 1);
        }
        return v;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** Rows sharing one request_id: one multi-number order. */
    private final class Group {
        final List<OrderRequest> requests = new ArrayList<>();
        final List<Long> lines = new ArrayList<>();
        final List<List<String>> values = new ArrayList<>();

        void add(OrderRequest request, long line, List<String> rowValues) {
            requests.add(request);
            lines.add(line);
            values.add(rowValues);
        }

        /** One request with every row's numbers; settings must agree across rows. */
        OrderRequest merge() {
            OrderRequest first = requests.get(0);
            if (first.isCriteria() || requests.stream().anyMatch(OrderRequest::isCriteria)) {
                if (requests.size() > 1) {
                    throw new InvalidRequestException("request_id", "criteria rows cannot share a request_id");
                }
                return first;
            }
            List<String> tns = new ArrayList<>();
            for (OrderRequest r : requests) {
                if (!sameSettings(first, r)) {
                    throw new InvalidRequestException("request_id", "rows of one request must have the same features, "
                            + "autorenew, profile, sip_connection, sip_control_app, max_nrc and max_mrc");
                }
                tns.addAll(r.tns());
            }
            List<String> raw = new ArrayList<>(tns);
            // Re-run the request-level number rules (duplicates, count) on the whole group.
            validator.validate(new RawRequest(first.requestId(), raw, null, null, null, null, null, null, null, null,
                    null, null, null), first.requestId(), first.source(), first.receivedAt());
            return first.withTns(tns);
        }
    }

    private static boolean sameSettings(OrderRequest a, OrderRequest b) {
        return a.features().equals(b.features()) && a.autorenew() == b.autorenew()
                && Objects.equals(a.profile(), b.profile())
                && Objects.equals(a.sipConnection(), b.sipConnection())
                && Objects.equals(a.sipControlApp(), b.sipControlApp())
                && Objects.equals(a.maxNrc(), b.maxNrc())
                && Objects.equals(a.maxMrc(), b.maxMrc());
    }
}
