package sluice.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The list as CSV (RFC 4180: a header row, fields quoted where they hold a comma, a quote or a line break), read
 * and written with Jackson's CSV dataformat: columns {@code address, domain, reason, added}. On import only
 * {@code address} is required (domain defaults to "*", reason to "imported", added to now); columns may come in
 * any order. A bad row is reported with its line and column and skipped; a file that is not CSV at all stops.
 */
public final class SuppressionCsv {
    public static final List<String> COLUMNS = List.of("address", "domain", "reason", "added");
    private static final CsvFactory FACTORY = new CsvMapper().getFactory();

    private SuppressionCsv() {}

    /** One data row: an entry, or why not (a one-line message that names line and column). */
    public sealed interface Row permits Good, Bad {}

    public record Good(long line, SuppressionList.Entry entry) implements Row {}

    public record Bad(long line, String message) implements Row {}

    /** Reads rows one at a time (a file of millions is never held in memory). */
    public static final class Reader implements AutoCloseable {
        private final CsvParser parser;
        private final Instant now;
        private final int[] position = new int[COLUMNS.size()]; // index of each known column in a row, -1: absent

        /** Reads and checks the header row. @throws IOException naming line 1 for a bad header */
        public Reader(java.io.Reader in, Instant now) throws IOException {
            this.parser = FACTORY.createParser(in);
            this.now = now;
            List<String> header = nextRow();
            if (header == null) throw new IOException("line 1: empty file (expected the header row "
                    + String.join(",", COLUMNS) + ")");
            java.util.Arrays.fill(position, -1);
            for (int i = 0; i < header.size(); i++) {
                String name = header.get(i).strip().toLowerCase(Locale.ROOT);
                int k = COLUMNS.indexOf(name);
                if (k < 0) throw new IOException("line 1, column " + (i + 1) + ": unknown column \""
                        + sluice.smtp.ReplyText.forLog(header.get(i), 40) + "\" (expected " + String.join(", ", COLUMNS) + ")");
                if (position[k] >= 0) throw new IOException("line 1, column " + (i + 1) + ": column " + name + " twice");
                position[k] = i;
            }
            if (position[0] < 0) throw new IOException("line 1: no address column (the header row names the columns: "
                    + String.join(",", COLUMNS) + ")");
        }

        /** The next row, or null at the end. @throws IOException for text that is not CSV (line and column) */
        public Row next() throws IOException {
            long line = parser.currentLocation().getLineNr();
            List<String> row = nextRow();
            while (row != null && row.size() == 1 && row.get(0).isBlank()) { // an empty line
                line = parser.currentLocation().getLineNr();
                row = nextRow();
            }
            if (row == null) return null;
            int column = position[0];
            try {
                String address = field(row, 0);
                String domain = field(row, 1);
                String reason = field(row, 2);
                String added = field(row, 3);
                column = position[1];
                SuppressionKey.of(domain == null || domain.isBlank() ? SuppressionList.ALL_SENDERS : domain, "x@y");
                column = position[2];
                String why = reason == null ? "imported" : reason;
                SuppressionList.entry(SuppressionList.ALL_SENDERS, "x@y", why, now);
                column = position[3];
                Instant when = added == null || added.isBlank() ? now : Instant.parse(added.strip());
                column = position[0];
                return new Good(line, SuppressionList.entry(domain, address, why, when));
            } catch (IllegalArgumentException | DateTimeParseException e) {
                return new Bad(line, "line " + line + ", column " + (column + 1) + " (" + COLUMNS.get(indexOf(column))
                        + "): " + e.getMessage());
            }
        }

        /** Characters read so far (for progress against the file's size). */
        public long charsRead() {
            return parser.currentLocation().getCharOffset();
        }

        private int indexOf(int column) {
            for (int k = 0; k < position.length; k++) if (position[k] == column) return k;
            return 0;
        }

        private String field(List<String> row, int k) {
            int i = position[k];
            return i < 0 || i >= row.size() ? null : row.get(i);
        }

        private List<String> nextRow() throws IOException {
            try {
                JsonToken t = parser.nextToken();
                if (t == null) return null;
                if (t != JsonToken.START_ARRAY) throw new IOException("line " + parser.currentLocation().getLineNr()
                        + ": unexpected " + t);
                List<String> out = new ArrayList<>();
                while ((t = parser.nextToken()) == JsonToken.VALUE_STRING) out.add(parser.getText());
                return out;
            } catch (JsonProcessingException e) {
                var at = e.getLocation();
                throw new IOException("line " + (at == null ? "?" : at.getLineNr()) + ", column "
                        + (at == null ? "?" : at.getColumnNr()) + ": not CSV: " + e.getOriginalMessage());
            }
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }

    /** Writes the header row, then one row per entry. */
    public static final class Writer implements AutoCloseable {
        private final CsvGenerator out;

        public Writer(java.io.Writer to) throws IOException {
            CsvSchema schema = CsvSchema.builder().addColumns(COLUMNS, CsvSchema.ColumnType.STRING).build()
                    .withHeader().withLineSeparator("\r\n");
            this.out = FACTORY.createGenerator(to);
            out.enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING); // quote where RFC 4180 needs it, only there
            out.setSchema(schema);
        }

        public void write(SuppressionList.Entry e) throws IOException {
            out.writeStartArray();
            out.writeString(e.address());
            out.writeString(e.domain());
            out.writeString(e.reason());
            out.writeString(e.added().toString());
            out.writeEndArray();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
