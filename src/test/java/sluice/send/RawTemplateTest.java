package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import sluice.testkit.Peer;

/** The bulk CLI's .eml template, its rendered messages read back by Python's email package. */
class RawTemplateTest {
    private static final String PARSE = """
            import sys, json, email
            from email import policy
            m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
            parts = [{"type": p.get_content_type(), "text": p.get_content()} for p in m.walk() if not p.is_multipart()]
            print(json.dumps({"subject": str(m["subject"]), "to": str(m["to"]), "from": str(m["from"]),
                              "to_addresses": [a.addr_spec for a in m["to"].addresses], "message_id": m["message-id"],
                              "parts": parts, "defects": [str(d) for d in m.defects]}))
            """;

    private static JsonNode python(byte[] message) throws Exception {
        Peer.Result r = Peer.run(List.of("python3", "-c", PARSE), new String(message, StandardCharsets.ISO_8859_1), 30);
        assertThat(r.exit()).as(r.output()).isZero();
        return new ObjectMapper().readTree(r.output());
    }

    private static byte[] render(RawTemplate t, Map<String, String> values, String email) {
        return switch (t.render(values, email)) {
            case RawTemplate.Rendered.Message m -> m.bytes();
            case RawTemplate.Rendered.Refused r -> throw new AssertionError("refused: " + r.reason());
        };
    }

    @Test
    void nonAsciiValuesInTheSubjectAndDisplayNamesBecomeEncodedWordsThatParseBack() throws Exception {
        RawTemplate t = RawTemplate.parse("""
                From: "{{sender}}" <alice@example.test>
                Subject: Grüße, {{name}}! Your order {{order}}
                Message-ID: <same@example.test>

                Hallo {{name}},
                your order {{order}} ships today.
                """.getBytes(StandardCharsets.UTF_8));
        assertThat(t.variables()).containsExactly("sender", "name", "order");
        assertThat(t.dropped()).containsExactly("Message-ID");
        byte[] out = render(t, Map.of("sender", "Jörg Ärger", "name", "Zoë Ñúñez 山田", "order", "#42",
                "email", "zoe@example.test"), "zoe@example.test");
        String header = new String(out, StandardCharsets.ISO_8859_1).split("\r\n\r\n", 2)[0];
        assertThat(header).doesNotContain("Message-ID").contains("=?").matches("(?s)[\\x00-\\x7f]*"); // 7-bit header
        JsonNode m = python(out);
        assertThat(m.path("subject").asText()).isEqualTo("Grüße, Zoë Ñúñez 山田! Your order #42");
        assertThat(m.path("from").asText()).isEqualTo("Jörg Ärger <alice@example.test>");
        assertThat(m.path("to_addresses").get(0).asText()).isEqualTo("zoe@example.test");
        assertThat(m.path("parts").get(0).path("text").asText())
                .isEqualTo("Hallo Zoë Ñúñez 山田,\nyour order #42 ships today.\n");
        assertThat(m.path("defects")).isEmpty();
    }

    @Test
    void valuesAreHtmlEscapedInTheHtmlPartOnly() throws Exception {
        RawTemplate t = RawTemplate.parse("""
                From: alice@example.test
                To: "{{name}}" <{{email}}>
                Subject: For {{name}}
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary="b1"

                --b1
                Content-Type: text/plain; charset=us-ascii

                Hi {{name}}
                --b1
                Content-Type: text/html; charset=us-ascii

                <p>Hi <b>{{name}}</b></p>
                --b1--
                """.getBytes(StandardCharsets.UTF_8));
        String name = "Tom & <Jerry> \"T\"";
        JsonNode m = python(render(t, Map.of("name", name, "email", "tom@example.test"), "tom@example.test"));
        assertThat(m.path("parts").get(0).path("type").asText()).isEqualTo("text/plain");
        assertThat(m.path("parts").get(0).path("text").asText()).isEqualTo("Hi " + name); // the line break before a boundary is the boundary's
        assertThat(m.path("parts").get(1).path("type").asText()).isEqualTo("text/html");
        assertThat(m.path("parts").get(1).path("text").asText())
                .isEqualTo("<p>Hi <b>Tom &amp; &lt;Jerry&gt; &quot;T&quot;</b></p>");
        assertThat(m.path("subject").asText()).isEqualTo("For " + name);
        assertThat(m.path("to_addresses").get(0).asText()).isEqualTo("tom@example.test");
    }

    @Test
    void aSinglePartMessageIsPlainAndTheToIsTheRowsAddress() throws Exception {
        RawTemplate t = RawTemplate.parse("From: alice@example.test\nTo: someone@example.test\nSubject: hi\n\n<b>{{name}}</b>\n"
                .getBytes(StandardCharsets.UTF_8));
        JsonNode m = python(render(t, Map.of("name", "<x>"), "row7@example.test"));
        assertThat(m.path("parts").get(0).path("text").asText()).isEqualTo("<b><x></b>\n");
        assertThat(m.path("to").asText()).isEqualTo("row7@example.test");
    }

    @Test
    void aLineBreakInAValueForAHeaderRefusesTheRow() {
        RawTemplate t = RawTemplate.parse("From: alice@example.test\nSubject: {{s}}\n\nbody {{s}}\n".getBytes(StandardCharsets.UTF_8));
        assertThat(t.render(Map.of("s", "x\r\nBcc: victim@example.test"), "a@example.test"))
                .isInstanceOf(RawTemplate.Rendered.Refused.class);
        assertThat(t.render(Map.of("s", "ok"), "a@example.test")).isInstanceOf(RawTemplate.Rendered.Message.class);
    }

    @Test
    void notAMessageIsRefusedWithAReason() {
        assertThatThrownBy(() -> RawTemplate.parse("\nno header at all\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no header fields");
    }
}
