package sluice.send;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A campaign's recipient list: a CSV file whose header row names the variables, with an {@code email} column for the
 * recipient (read with Jackson's CSV module, RFC 4180 quoting). Rows are numbered from 1 after the header row; a row
 * with the wrong number of columns or a bad address is a {@link Row.Bad} that the campaign counts, not a failure.
 */
public final class CampaignList implements AutoCloseable {
    public static final String EMAIL = "email";
    private static final CsvMapper CSV = new CsvMapper();

    /** One data row. */
    public sealed interface Row {
        int number();

        record Good(int number, String email, Map<String, String> values) implements Row {}

        record Bad(int number, String reason) implements Row {}
    }

    /** A list that cannot be read at all (its header, its encoding, broken quoting): the campaign stops. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message, null, false, false);
        }
    }

    private final Path file;
    private final List<String> columns;
    private final int emailColumn;
    private final MappingIterator<List<String>> rows;
    private final BufferedReader reader;
    private int number;

    private CampaignList(Path file, List<String> columns, int emailColumn, MappingIterator<List<String>> rows,
                         BufferedReader reader) {
        this.file = file;
        this.columns = columns;
        this.emailColumn = emailColumn;
        this.rows = rows;
        this.reader = reader;
    }

    /** What a first pass over the file found: its SHA-256 and how many data rows it has. */
    public record Survey(String sha256, int rows) {}

    /** Reads the whole file once: the hash that ties a progress journal to it, and the total for the progress bar. */
    public static Survey survey(Path file) throws IOException, Unreadable {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int count = 0;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha);
             CampaignList list = open(file, in)) {
            while (list.next() != null) count++;
        }
        return new Survey(HexFormat.of().formatHex(sha.digest()), count);
    }

    public static CampaignList open(Path file) throws IOException, Unreadable {
        return open(file, Files.newInputStream(file));
    }

    private static CampaignList open(Path file, InputStream in) throws IOException, Unreadable {
        BufferedReader reader = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        try {
            reader.mark(1);
            if (reader.read() != '\uFEFF') reader.reset(); // a byte order mark, as spreadsheets write
            MappingIterator<List<String>> it = CSV.readerForListOf(String.class)
                    .with(CsvParser.Feature.WRAP_AS_ARRAY)
                    .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                    .readValues(reader);
            if (!it.hasNextValue()) throw new Unreadable(file + ": empty (the first row must name the columns)");
            List<String> header = it.nextValue().stream().map(String::strip).toList();
            int email = -1;
            for (int i = 0; i < header.size(); i++) {
                String name = header.get(i);
                if (name.isEmpty()) throw new Unreadable(file + " line 1: column " + (i + 1) + " has no name");
                if (header.indexOf(name) != i) throw new Unreadable(file + " line 1: two columns are named \"" + name + "\"");
                if (name.toLowerCase(Locale.ROOT).equals(EMAIL)) email = i;
            }
            if (email < 0) {
                throw new Unreadable(file + " line 1: no \"email\" column (the header row names the columns; found: "
                        + String.join(", ", header) + ")");
            }
            return new CampaignList(file, header, email, it, reader);
        } catch (IOException | RuntimeJsonMappingException e) {
            reader.close();
            throw unreadable(file, e);
        } catch (Unreadable e) {
            reader.close();
            throw e;
        }
    }

    /** The column names, as the header row gives them: the template's variables. */
    public List<String> columns() {
        return columns;
    }

    /** The next row, or null at the end. */
    public Row next() throws Unreadable {
        List<String> cells;
        try {
            if (!rows.hasNextValue()) return null;
            cells = rows.nextValue();
        } catch (IOException | RuntimeJsonMappingException e) {
            throw unreadable(file, e);
        }
        int n = ++number;
        if (cells.size() != columns.size()) {
            return new Row.Bad(n, cells.size() + " columns where the header row has " + columns.size());
        }
        String email = cells.get(emailColumn).strip();
        try {
            sluice.smtp.Mailbox.parse(email);
        } catch (IllegalArgumentException e) {
            return new Row.Bad(n, "bad address \"" + email + "\": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) values.put(columns.get(i), i == emailColumn ? email : cells.get(i));
        values.putIfAbsent(EMAIL, email);
        return new Row.Good(n, email, values);
    }

    private static Unreadable unreadable(Path file, Exception e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause != cause.getCause()) cause = cause.getCause();
        if (cause instanceof CharacterCodingException) return new Unreadable(file + ": not UTF-8 text");
        if (cause instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            // Jackson's own text ends in a location in its terms; the file and line are what a person looks for
            String where = j.getLocation() == null || j.getLocation().getLineNr() < 1 ? ""
                    : " line " + j.getLocation().getLineNr();
            return new Unreadable(file + where + ": " + j.getOriginalMessage());
        }
        String text = e.getMessage() == null ? e.toString() : e.getMessage();
        int cut = text.indexOf('\n');
        return new Unreadable(file + ": " + (cut > 0 ? text.substring(0, cut) : text));
    }

    @Override
    public void close() throws IOException {
        rows.close();
        reader.close();
    }
}
