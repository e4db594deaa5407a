package sluice.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.testkit.Peer;

/**
 * What mime4j writes for the send API, read back by two parsers that share nothing with it: Python's {@code email}
 * package (a subprocess) and Angus Mail. Both must see the same tree, file names, content types and bytes.
 */
class MimeInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Stamp STAMP = new Stamp("<q1.1@mx.test>", ZonedDateTime.parse("2030-01-02T03:04:05Z"), "=_sluice_0123");
    /** Prints the tree as JSON: [{"type", "filename", "disposition", "sha256", "text"}] in walk order, and the subject. */
    private static final String SCRIPT = """
            import email, email.policy, hashlib, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            parts = []
            for p in m.walk():
                d = {'type': p.get_content_type()}
                if not p.is_multipart():
                    data = p.get_payload(decode=True)
                    d['sha256'] = hashlib.sha256(data).hexdigest()
                    d['filename'] = p.get_filename()
                    d['disposition'] = p.get_content_disposition()
                    d['cid'] = p.get('content-id')
                    if p.get_content_maintype() == 'text' and d['disposition'] is None:
                        d['text'] = p.get_content()
                parts.append(d)
            print(json.dumps({'subject': str(m['subject']), 'from': str(m['from']), 'defects': len(m.defects), 'parts': parts}))
            """;

    @TempDir
    static Path dir;

    @BeforeAll
    static void python() throws Exception {
        assumeTrue(Peer.available("python3"), "python3 is installed by .ci/run");
        Files.writeString(dir.resolve("walk.py"), SCRIPT);
    }

    /** Binary with NUL, CR, LF, 0x80 and 0xFF: every byte value, twice, then a lone CR and a trailing NUL. */
    private static byte[] binary() {
        byte[] b = new byte[514];
        for (int i = 0; i < 512; i++) b[i] = (byte) i;
        b[512] = '\r';
        b[513] = 0;
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** A text part's text, line breaks as LF and the last one dropped (parsers differ in whether it is content). */
    private static String text(String s) {
        String t = s.replace("\r\n", "\n");
        return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
    }

    private record Leaf(String type, String filename, String disposition, String sha256, String text) {}

    private static byte[] compose() throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("from", "Jörg Ärger <a@x.test>");
        req.put("to", "b@x.test");
        req.put("subject", "Rechnung für Köln — März");
        req.put("text", "Hallo,\nanbei die Rechnung.\n");
        req.put("html", "<p>Hallo, <b>anbei</b> die Rechnung.</p>");
        req.put("attachments", List.of(
                Map.of("filename", "Rechnung März 2030 (Köln).pdf", "content_type", "application/pdf",
                        "content", Base64.getEncoder().encodeToString(binary())),
                Map.of("filename", "C:\\Users\\x\\..\\notes \"draft\".txt", "content_type", "text/plain; charset=utf-8",
                        "content", Base64.getMimeEncoder().encodeToString("zweite Zeile ü\r\n".repeat(40).getBytes(StandardCharsets.UTF_8))),
                Map.of("filename", "日本語のファイル名.bin", "content", Base64.getEncoder().encodeToString(new byte[] {0, (byte) 0xff, 0x0a}))));
        return JsonMessage.parse(JSON.writeValueAsBytes(req), STAMP).data();
    }

    private static final List<Leaf> EXPECTED = expected();

    private static List<Leaf> expected() {
        try {
            return List.of(
                    new Leaf("text/plain", null, null, null, "Hallo,\nanbei die Rechnung."),
                    new Leaf("text/html", null, null, null, "<p>Hallo, <b>anbei</b> die Rechnung.</p>"),
                    new Leaf("application/pdf", "Rechnung März 2030 (Köln).pdf", "attachment", sha256(binary()), null),
                    new Leaf("text/plain", "notes \"draft\".txt", "attachment",
                            sha256("zweite Zeile ü\r\n".repeat(40).getBytes(StandardCharsets.UTF_8)), null),
                    new Leaf("application/octet-stream", "日本語のファイル名.bin", "attachment", sha256(new byte[] {0, (byte) 0xff, 0x0a}), null));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void pythonsEmailPackageReadsTheTreeNamesTypesAndBytes() throws Exception {
        Path file = dir.resolve("m.eml");
        Files.write(file, compose());
        Peer.Result r = Peer.run(List.of("python3", dir.resolve("walk.py").toString(), file.toString()), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode out = JSON.readTree(r.output());
        assertThat(out.path("subject").asText()).isEqualTo("Rechnung für Köln — März");
        assertThat(out.path("from").asText()).isEqualTo("Jörg Ärger <a@x.test>");
        assertThat(out.path("defects").asInt()).isZero();
        List<String> types = new ArrayList<>();
        List<Leaf> leaves = new ArrayList<>();
        for (JsonNode p : out.path("parts")) {
            types.add(p.path("type").asText());
            if (p.has("sha256")) {
                leaves.add(new Leaf(p.path("type").asText(), p.path("filename").isNull() ? null : p.path("filename").asText(),
                        p.path("disposition").isNull() ? null : p.path("disposition").asText(),
                        p.has("text") ? null : p.path("sha256").asText(),
                        p.has("text") ? text(p.path("text").asText()) : null));
            }
        }
        // the alternative nested inside the mixed, then the attachments in order
        assertThat(types).containsExactly("multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                "application/pdf", "text/plain", "application/octet-stream");
        assertThat(leaves).containsExactlyElementsOf(EXPECTED);
    }

    private static byte[] withInlineImage() throws Exception {
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("from", "a@x.test");
        req.put("to", "b@x.test");
        req.put("text", "see the logo");
        req.put("html", "<p><img src=\"cid:logo@x.test\"></p>");
        req.put("attachments", List.of(
                Map.of("filename", "logo.png", "content_type", "image/png", "content_id", "<logo@x.test>",
                        "content", Base64.getEncoder().encodeToString(binary())),
                Map.of("filename", "terms.pdf", "content_type", "application/pdf", "content", "JVBERg==")));
        return JsonMessage.parse(JSON.writeValueAsBytes(req), STAMP).data();
    }

    @Test
    void inlineContentIsRelatedToTheHtmlAndBothParsersFindItByItsContentId() throws Exception {
        Path file = dir.resolve("inline.eml");
        Files.write(file, withInlineImage());
        Peer.Result r = Peer.run(List.of("python3", dir.resolve("walk.py").toString(), file.toString()), null, 30);
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode out = JSON.readTree(r.output());
        List<String> tree = new ArrayList<>();
        out.path("parts").forEach(p -> tree.add(p.path("type").asText() + (p.path("cid").isTextual() ? " " + p.path("cid").asText()
                + " " + p.path("disposition").asText() : "")));
        assertThat(tree).containsExactly("multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html",
                "image/png <logo@x.test> inline", "application/pdf");
        assertThat(out.path("parts").get(5).path("sha256").asText()).isEqualTo(sha256(binary()));

        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(withInlineImage()));
        Multipart mixed = (Multipart) m.getContent();
        Multipart related = (Multipart) mixed.getBodyPart(0).getContent();
        assertThat(new ContentType(related.getContentType()).getParameter("type")).isEqualTo("multipart/alternative");
        jakarta.mail.internet.MimeBodyPart image = (jakarta.mail.internet.MimeBodyPart) related.getBodyPart(1);
        assertThat(image.getContentID()).isEqualTo("<logo@x.test>");
        assertThat(image.getDisposition()).isEqualTo("inline");
        assertThat(image.getInputStream().readAllBytes()).isEqualTo(binary());
        assertThat(mixed.getBodyPart(1).getFileName()).isEqualTo("terms.pdf");
    }

    @Test
    void angusMailReadsTheTreeNamesTypesAndBytes() throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(compose()));
        assertThat(m.getSubject()).isEqualTo("Rechnung für Köln — März");
        assertThat(new ContentType(m.getContentType()).getBaseType()).isEqualTo("multipart/mixed");
        List<Leaf> leaves = new ArrayList<>();
        walk(m, leaves);
        assertThat(leaves).containsExactlyElementsOf(EXPECTED);
    }

    private static void walk(Part p, List<Leaf> out) throws Exception {
        String type = new ContentType(p.getContentType()).getBaseType().toLowerCase(java.util.Locale.ROOT);
        if (p.getContent() instanceof Multipart mp) {
            if (out.isEmpty() && !type.equals("multipart/mixed")) assertThat(type).isEqualTo("multipart/alternative");
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart b = mp.getBodyPart(i);
                walk(b, out);
            }
            return;
        }
        byte[] data = p.getInputStream().readAllBytes();
        boolean inline = type.startsWith("text/") && p.getDisposition() == null;
        out.add(new Leaf(type, p.getFileName(), p.getDisposition(), inline ? null : sha256(data),
                inline ? text(new String(data, StandardCharsets.UTF_8)) : null));
    }
}
