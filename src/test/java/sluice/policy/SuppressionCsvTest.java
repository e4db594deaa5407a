package sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuppressionCsvTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static List<SuppressionCsv.Row> read(String csv) throws IOException {
        List<SuppressionCsv.Row> out = new ArrayList<>();
        try (SuppressionCsv.Reader r = new SuppressionCsv.Reader(new StringReader(csv), NOW)) {
            for (SuppressionCsv.Row row; (row = r.next()) != null; ) out.add(row);
        }
        return out;
    }

    @Test
    void roundTripKeepsQuotedCommasQuotesAndDates() throws Exception {
        List<SuppressionList.Entry> entries = List.of(
                SuppressionList.entry("*", "\"a,b\"@example.org", "said \"stop\", twice", Instant.parse("2026-01-02T03:04:05.678Z")),
                SuppressionList.entry("shop.example", "bob@example.org", "", NOW),
                SuppressionList.entry("shop.example", "x@example.org", "complaint; via FBL", NOW));
        StringWriter text = new StringWriter();
        try (SuppressionCsv.Writer w = new SuppressionCsv.Writer(text)) {
            for (SuppressionList.Entry e : entries) w.write(e);
        }
        assertThat(text.toString()).startsWith("address,domain,reason,added\r\n")
                .contains("\"\"\"a,b\"\"@example.org\",*,\"said \"\"stop\"\", twice\",2026-01-02T03:04:05.678Z\r\n");

        assertThat(read(text.toString())).extracting(r -> ((SuppressionCsv.Good) r).entry()).containsExactlyElementsOf(entries);
    }

    @Test
    void columnsInAnyOrderAndDefaults() throws Exception {
        List<SuppressionCsv.Row> rows = read("Domain,Address\nshop.example,Bob@Example.org\n\n,gone@example.org\n");
        assertThat(rows).containsExactly(
                new SuppressionCsv.Good(2, new SuppressionList.Entry("shop.example", "bob@example.org", "imported", NOW)),
                new SuppressionCsv.Good(4, new SuppressionList.Entry("*", "gone@example.org", "imported", NOW)));
    }

    @Test
    void badRowsNameLineAndColumnAndTheRestIsRead() throws Exception {
        List<SuppressionCsv.Row> rows = read("""
                address,domain,reason,added
                ok@example.org,*,x,2026-01-01T00:00:00Z
                nobody,*,x,
                "multi
                line@example.org",*,x,
                a@example.org,bad domain,x,
                b@example.org,*,x,yesterday
                c@example.org,*,"two
                lines",
                d@example.org
                """);
        assertThat(rows).hasSize(7);
        assertThat(rows.get(0)).isInstanceOf(SuppressionCsv.Good.class);
        assertThat(((SuppressionCsv.Bad) rows.get(1)).message()).startsWith("line 3, column 1 (address): not an address: \"nobody\"");
        assertThat(((SuppressionCsv.Bad) rows.get(2)).message()).startsWith("line 4, column 1 (address): not an address");
        assertThat(((SuppressionCsv.Bad) rows.get(3)).message()).startsWith("line 6, column 2 (domain): not a domain");
        assertThat(((SuppressionCsv.Bad) rows.get(4)).message()).startsWith("line 7, column 4 (added): ");
        assertThat(((SuppressionCsv.Bad) rows.get(5)).message()).startsWith("line 8, column 3 (reason): reason: must be one line");
        assertThat(rows.get(6)).isEqualTo(new SuppressionCsv.Good(10,
                new SuppressionList.Entry("*", "d@example.org", "imported", NOW)));
    }

    @Test
    void aBadHeaderOrBrokenQuotingStops() {
        assertThatThrownBy(() -> read("")).hasMessageStartingWith("line 1: empty file");
        assertThatThrownBy(() -> read("adress,domain\n")).hasMessage(
                "line 1, column 1: unknown column \"adress\" (expected address, domain, reason, added)");
        assertThatThrownBy(() -> read("domain,reason\n*,x\n")).hasMessageStartingWith("line 1: no address column");
        assertThatThrownBy(() -> read("address\na@example.org\n\"b@example.org\"x\n"))
                .hasMessageStartingWith("line 3, column ").hasMessageContaining("not CSV");
    }
}
