package sluice.send;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.field.DefaultFieldParser;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyPartBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.message.MultipartBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.util.MimeUtil;
import sluice.smtp.Mailbox;
import sluice.smtp.Originators;

/**
 * A checked JSON request ({@link JsonRequest}) made into an RFC 5322 / MIME message with Apache mime4j: text or html
 * alone, both as multipart/alternative, inline content (a content_id) with them in multipart/related, and
 * attachments around them in multipart/mixed. mime4j writes the encoded
 * words, the folding, quoted-printable and base64; this class chooses the structure and the transfer encodings.
 * Bcc recipients go only into the envelope.
 */
final class JsonMessage {
    private static final int MAX_LINE = 998;

    private JsonMessage() {}

    /** One message, not a batch, with the default limits of a 25 MiB message (tests, tools). */
    static Outgoing parse(byte[] body, Stamp stamp) throws Invalid {
        return parse(new StrictJson(50L << 20).read(body), stamp);
    }

    /** One message, not a batch. */
    static Outgoing parse(JsonNode root, Stamp stamp) throws Invalid {
        JsonRequest r = JsonRequest.read(root);
        if (r.batch() != null) throw Invalid.field("recipients", "a batch makes several messages");
        return compose(r, r.content(), r.to(), r.cc(), r.bcc(), stamp);
    }

    /** The message of {@code r} with {@code content} (personalised for a batch) to the recipients given. */
    static Outgoing compose(JsonRequest r, JsonRequest.Content content, List<NamedAddress> to, List<NamedAddress> cc,
                            List<NamedAddress> bcc, Stamp stamp) throws Invalid {
        String messageId = r.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("message-id"))
                .map(Map.Entry::getValue).findFirst().orElse(stamp.messageId());
        Message.Builder m = Message.Builder.of();
        m.removeFields("MIME-Version"); // written after the fields a reader looks for first
        m.addField(field("From", r.from().header()));
        if (!to.isEmpty()) m.addField(field("To", joined(to)));
        if (!cc.isEmpty()) m.addField(field("Cc", joined(cc)));
        if (!r.replyTo().isEmpty()) m.addField(field("Reply-To", joined(r.replyTo())));
        if (content.subject() != null) m.addField(field("Subject", unstructured(content.subject(), "Subject")));
        m.addField(Fields.date("Date", Date.from(stamp.date().toInstant()), TimeZone.getTimeZone(stamp.date().getZone())));
        if (r.headers().keySet().stream().noneMatch(k -> k.equalsIgnoreCase("message-id"))) m.addField(field("Message-ID", messageId));
        for (var h : r.headers().entrySet()) {
            String k = h.getKey();
            m.addField(field(k, JsonRequest.structured(k.toLowerCase(Locale.ROOT)) ? h.getValue() : unstructured(h.getValue(), k)));
        }
        if (!content.listUnsubscribe().isEmpty()) {
            ListUnsubscribe.Fields u = ListUnsubscribe.header(content.listUnsubscribe(), "list_unsubscribe");
            m.addField(field("List-Unsubscribe", u.listUnsubscribe()));
            if (u.post() != null) m.addField(field("List-Unsubscribe-Post", u.post()));
        }
        m.addField(Fields.version("1.0"));
        try {
            body(m, content, r.attachments(), stamp.boundary());
        } catch (IOException e) {
            throw new IllegalStateException("mime4j: building in memory failed", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try {
            new DefaultMessageWriter().writeMessage(m.build(), out);
        } catch (IOException e) {
            throw new IllegalStateException("mime4j: writing to memory failed", e);
        }
        List<Mailbox> recipients = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (List<NamedAddress> l : List.of(to, cc, bcc)) {
            for (NamedAddress a : l) {
                if (seen.putIfAbsent(a.mailbox().address().toLowerCase(Locale.ROOT), true) == null) recipients.add(a.mailbox());
            }
        }
        byte[] data = out.toByteArray();
        // The originators are read from the message as composed, by the parser every door uses: what is checked and
        // signed is what recipients get, including a Resent-From given in "headers".
        return new Outgoing(r.from().mailbox(), recipients, Originators.parse(data), data, messageId, r.pool(), r.requireTls());
    }

    /** text, html or both (multipart/alternative); inside multipart/mixed when there are attachments. */
    private static void body(Message.Builder m, JsonRequest.Content c, List<Attachment> attachments, String boundary)
            throws IOException, Invalid {
        boolean both = c.text() != null && c.html() != null;
        if (attachments.isEmpty()) {
            if (both) {
                m.setBody(alternative(c)).setField(multipart("alternative", boundary));
            } else {
                String text = crlf(c.text() != null ? c.text() : c.html());
                m.setBody(text, c.text() != null ? "plain" : "html", StandardCharsets.UTF_8);
                m.setContentTransferEncoding(transferEncoding(text));
            }
            return;
        }
        BodyPartBuilder main = both
                ? BodyPartBuilder.create().setBody(alternative(c)).setField(multipart("alternative", "=_alt" + boundary.substring(2)))
                : textPart(c.text() != null ? c.text() : c.html(), c.text() != null ? "plain" : "html");
        List<Attachment> inline = attachments.stream().filter(Attachment::inline).toList();
        List<Attachment> files = attachments.stream().filter(a -> !a.inline()).toList();
        if (!inline.isEmpty()) {
            // RFC 2387: the html and the images it shows by cid: are one multipart/related, inside the mixed if any
            MultipartBuilder related = MultipartBuilder.create("related").addBodyPart(main);
            for (Attachment a : inline) related.addBodyPart(attachment(a));
            String root = both ? "multipart/alternative" : c.text() != null ? "text/plain" : "text/html";
            if (files.isEmpty()) {
                m.setBody(related.build()).setField(multipart("related", boundary, root));
                return;
            }
            main = BodyPartBuilder.create().setBody(related.build()).setField(multipart("related", "=_rel" + boundary.substring(2), root));
        }
        MultipartBuilder mixed = MultipartBuilder.create("mixed").addBodyPart(main);
        for (Attachment a : files) mixed.addBodyPart(attachment(a));
        m.setBody(mixed.build()).setField(multipart("mixed", boundary));
    }

    /**
     * The Content-Type of a multipart with the stamp's boundary (mime4j would make one up): "=_" cannot occur in
     * quoted-printable or base64, so no part can contain it; the nested one is not a prefix of the outer one nor
     * the outer of it (RFC 2046 5.1.2: a parser may stop at a prefix).
     */
    private static Field multipart(String subtype, String boundary) {
        return Fields.contentType("multipart/" + subtype, new NameValuePair("boundary", boundary));
    }

    /** multipart/related with its root part's type (RFC 2387 3.1). */
    private static Field multipart(String subtype, String boundary, String type) {
        return Fields.contentType("multipart/" + subtype, new NameValuePair("boundary", boundary), new NameValuePair("type", type));
    }

    private static Multipart alternative(JsonRequest.Content c) throws IOException {
        return MultipartBuilder.create("alternative")
                .addBodyPart(textPart(c.text(), "plain")).addBodyPart(textPart(c.html(), "html")).build();
    }

    private static BodyPartBuilder textPart(String text, String subtype) throws IOException {
        String body = crlf(text);
        return BodyPartBuilder.create().setBody(body, subtype, StandardCharsets.UTF_8)
                .setContentTransferEncoding(transferEncoding(body));
    }

    /** Always base64: an attachment's bytes are whatever the client sent (NULs, bare CRs, no line structure). */
    private static BodyPartBuilder attachment(Attachment a) throws Invalid {
        boolean ascii = a.filename().chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f);
        String param = ascii ? "=\"" + a.filename().replace("\\", "\\\\").replace("\"", "\\\"") + "\""
                : "*=UTF-8''" + rfc2231(a.filename());
        BodyPartBuilder part = BodyPartBuilder.create().setBody(BasicBodyFactory.INSTANCE.binaryBody(a.content()))
                .setField(parsed("Content-Type: " + a.contentType() + ";\r\n name" + param))
                .setContentTransferEncoding("base64")
                .setField(parsed("Content-Disposition: " + (a.inline() ? "inline" : "attachment") + ";\r\n filename" + param));
        if (a.inline()) part.setField(parsed("Content-ID: <" + a.contentId() + ">"));
        return part;
    }

    /**
     * RFC 2231 section 4's percent-encoding of a UTF-8 parameter value (mime4j reads it, but has no writer for it):
     * attribute characters as they are, every other octet as %XX.
     */
    private static String rfc2231(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * 7bit for ASCII text with lines of at most 998 octets, quoted-printable for mostly-ASCII text (still readable
     * in the source), base64 when a third or more of the octets are not ASCII (it is then the shorter).
     */
    static String transferEncoding(String crlfText) {
        byte[] utf8 = crlfText.getBytes(StandardCharsets.UTF_8);
        long eightBit = 0;
        int line = 0;
        boolean longLine = false;
        for (byte b : utf8) {
            if (b < 0 || (b < 0x20 && b != '\t' && b != '\r' && b != '\n')) eightBit++;
            line = b == '\n' ? 0 : line + 1;
            longLine |= line > MAX_LINE;
        }
        if (eightBit == 0 && !longLine) return "7bit";
        return eightBit * 3 >= utf8.length ? "base64" : "quoted-printable";
    }

    /** Line breaks as CRLF, ending with one (a text part is lines; quoted-printable keeps CRLF as hard breaks). */
    private static String crlf(String text) {
        String s = text.replace("\r\n", "\n").replace('\r', '\n').replace("\n", "\r\n");
        return s.endsWith("\r\n") ? s : s + "\r\n";
    }

    /** Unstructured text: encoded-words (UTF-8, B or Q whichever is shorter) where needed, else as it is. */
    static String unstructured(String text, String fieldName) {
        int used = fieldName.length() + 2;
        return EncoderUtil.hasToBeEncoded(text, used)
                ? EncoderUtil.encodeEncodedWord(text, EncoderUtil.Usage.TEXT_TOKEN, used, StandardCharsets.UTF_8, null) : text;
    }

    private static String joined(List<NamedAddress> list) {
        return String.join(", ", list.stream().map(NamedAddress::header).toList());
    }

    /** {@code Name: value}, folded by mime4j at spaces to lines of 76 where a space allows it. */
    private static Field field(String name, String value) throws Invalid {
        return parsed(MimeUtil.fold(name + ": " + value, 0));
    }

    private static Field parsed(String raw) throws Invalid {
        try {
            return DefaultFieldParser.parse(raw);
        } catch (MimeException e) {
            throw new Invalid(400, "message: cannot write the header field " + raw.split(":", 2)[0] + ": " + e.getMessage());
        }
    }
}
