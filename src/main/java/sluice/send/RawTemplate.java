package sluice.send;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.EncoderUtil;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.TextBody;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.field.DefaultFieldParser;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.field.address.AddressFormatter;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.message.HeaderImpl;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.ContentUtil;
import org.apache.james.mime4j.util.MimeUtil;

/**
 * A campaign's message template: an RFC 5322 message ({@code .eml}) with {@code {{name}}} placeholders in header
 * values and in text parts, rendered once per recipient for the bulk CLI. The structure is mime4j's: a value goes into
 * a text/html part HTML-escaped, into any other text part as it is; a text part that changes is written out again as
 * UTF-8 (quoted-printable where it is not plain ASCII); a header value with non-ASCII text becomes RFC 2047 encoded
 * words (in address fields only the display names). The To field is the row's address unless the template's own To
 * has a placeholder; the template's Message-ID and Date are dropped so that each message gets its own.
 */
public final class RawTemplate {
    private static final Set<String> ADDRESS_FIELDS = Set.of("from", "to", "cc", "bcc", "reply-to", "sender");
    /** Identical in every message of a campaign they would be wrong: the server adds fresh ones. */
    private static final Set<String> DROPPED = Set.of("message-id", "date");

    /** What rendering one row gave. */
    public sealed interface Rendered {
        record Message(byte[] bytes) implements Rendered {}

        /** The row cannot make a message (a value with a line break for a header, an address that will not parse). */
        record Refused(String reason) implements Rendered {}
    }

    private final byte[] source;
    /** The text parts' templates in the order {@link #walk} meets the parts; null for a non-text part. */
    private final List<Template> bodies;
    /** Header fields with placeholders, by the position of the entity in the walk and the field's index. */
    private final Map<String, Template> fields;
    private final Set<String> variables;
    private final boolean toHasPlaceholder;
    private final List<String> dropped;

    private RawTemplate(byte[] source, List<Template> bodies, Map<String, Template> fields, Set<String> variables,
                        boolean toHasPlaceholder, List<String> dropped) {
        this.source = source;
        this.bodies = bodies;
        this.fields = fields;
        this.variables = variables;
        this.toHasPlaceholder = toHasPlaceholder;
        this.dropped = dropped;
    }

    /**
     * @throws IllegalArgumentException saying why the bytes are no message template
     */
    public static RawTemplate parse(byte[] eml) {
        Message proto = read(eml);
        List<Template> bodies = new ArrayList<>();
        Map<String, Template> fields = new LinkedHashMap<>();
        Set<String> variables = new LinkedHashSet<>();
        List<Entity> entities = walk(proto);
        boolean toPlaceholder = false;
        for (int e = 0; e < entities.size(); e++) {
            Entity entity = entities.get(e);
            List<Field> list = entity.getHeader().getFields();
            for (int f = 0; f < list.size(); f++) {
                Template t = Template.parse(value(list.get(f)));
                if (t.constant()) continue;
                fields.put(e + ":" + f, t);
                variables.addAll(t.variables());
                if (e == 0 && list.get(f).getName().equalsIgnoreCase("to")) toPlaceholder = true;
            }
            if (entity.getBody() instanceof TextBody text) {
                Template t = Template.parse(decoded(text));
                bodies.add(t);
                variables.addAll(t.variables());
            } else {
                bodies.add(null);
            }
        }
        List<String> dropped = proto.getHeader().getFields().stream().map(Field::getName)
                .filter(n -> DROPPED.contains(n.toLowerCase(Locale.ROOT))).toList();
        return new RawTemplate(eml.clone(), bodies, fields, variables, toPlaceholder, dropped);
    }

    /** The variables the template uses, in order of first use. */
    public Set<String> variables() {
        return variables;
    }

    /** The header fields the template has that every message gets afresh instead (Message-ID, Date). */
    public List<String> dropped() {
        return dropped;
    }

    /**
     * The message for one recipient.
     *
     * @param values every variable of {@link #variables()} (check first: a missing one is an IllegalArgumentException)
     * @param email  the row's address: the To field unless the template's To has a placeholder
     */
    public Rendered render(Map<String, String> values, String email) {
        try {
            return build(values, email);
        } catch (MimeException e) {
            return new Rendered.Refused("a header field does not parse: " + e.getMessage());
        }
    }

    private Rendered build(Map<String, String> values, String email) throws MimeException {
        Message m = read(source);
        List<Entity> entities = walk(m);
        for (int e = 0; e < entities.size(); e++) {
            Entity entity = entities.get(e);
            Header header = new HeaderImpl();
            List<Field> list = entity.getHeader().getFields();
            boolean toDone = false;
            for (int f = 0; f < list.size(); f++) {
                Field field = list.get(f);
                String name = field.getName();
                String lower = name.toLowerCase(Locale.ROOT);
                if (e == 0 && DROPPED.contains(lower)) continue;
                if (e == 0 && lower.equals("to") && !toHasPlaceholder) {
                    if (!toDone) header.addField(DefaultFieldParser.parse("To: " + email));
                    toDone = true;
                    continue;
                }
                Template t = fields.get(e + ":" + f);
                if (t == null) {
                    header.addField(field);
                    continue;
                }
                for (String v : t.variables()) {
                    String value = values.get(v);
                    if (value != null && (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0)) {
                        return new Rendered.Refused("the value of " + v + " has a line break and goes into the " + name + " field");
                    }
                }
                String text = t.render(values, Template.Escaping.NONE);
                String encoded;
                if (ADDRESS_FIELDS.contains(lower)) {
                    encoded = addresses(text);
                    if (encoded == null) return new Rendered.Refused("the " + name + " field \"" + text + "\" is no address list");
                } else {
                    encoded = EncoderUtil.encodeIfNecessary(text, EncoderUtil.Usage.TEXT_TOKEN, name.length() + 2);
                }
                header.addField(DefaultFieldParser.parse(MimeUtil.fold(name + ": " + encoded, 0)));
            }
            if (e == 0 && !toDone && !toHasPlaceholder) header.addField(DefaultFieldParser.parse("To: " + email));
            entity.setHeader(header);
            Template body = bodies.get(e);
            if (body != null && !body.constant()) {
                boolean html = "text/html".equalsIgnoreCase(entity.getMimeType());
                String text = body.render(values, html ? Template.Escaping.HTML : Template.Escaping.NONE);
                replaceText(entity, text);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(source.length + 512);
        try {
            new DefaultMessageWriter().writeMessage(m, out);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return new Rendered.Message(out.toByteArray());
    }

    /** The address list with non-ASCII display names encoded; null when it is no address list. */
    private static String addresses(String text) {
        if (StandardCharsets.US_ASCII.newEncoder().canEncode(text)) return text; // as written
        // parseAddressList(CharSequence) bounds its cursor by chars, not by the UTF-8 bytes it parses: give it the bytes
        ByteSequence raw = ContentUtil.encode(text);
        AddressList list = LenientAddressParser.DEFAULT.parseAddressList(raw, new ParserCursor(0, raw.length()));
        if (list == null || list.isEmpty()) return null;
        StringBuilder out = new StringBuilder();
        for (Address a : list) {
            if (!out.isEmpty()) out.append(", ");
            if (a instanceof Mailbox mb && mb.getName() != null) {
                // the display name only: a UTF-8 address (RFC 6531) stays as it is, not made an encoded word
                out.append(EncoderUtil.encodeAddressDisplayName(mb.getName())).append(" <").append(mb.getAddress()).append('>');
            } else {
                AddressFormatter.DEFAULT.encode(out, a);
            }
        }
        return out.toString();
    }

    private static void replaceText(Entity entity, String text) {
        entity.removeBody();
        entity.setBody(BasicBodyFactory.INSTANCE.textBody(text, StandardCharsets.UTF_8));
        Map<String, String> params = new LinkedHashMap<>();
        String mime = "text/plain";
        if (entity.getHeader().getField("Content-Type") instanceof ContentTypeField ct) {
            mime = ct.getMimeType();
            params.putAll(ct.getParameters());
        }
        params.remove("charset");
        boolean ascii = StandardCharsets.US_ASCII.newEncoder().canEncode(text) && !hasLongLine(text);
        params.put("charset", ascii ? "us-ascii" : "utf-8");
        entity.getHeader().setField(Fields.contentType(mime, params));
        entity.getHeader().setField(Fields.contentTransferEncoding(ascii ? "7bit" : "quoted-printable"));
    }

    private static boolean hasLongLine(String text) {
        int len = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            len = c == '\n' ? 0 : len + 1;
            if (len > 900) return true;
        }
        return false;
    }

    /** The entities depth first, the message itself first. */
    private static List<Entity> walk(Message m) {
        List<Entity> out = new ArrayList<>();
        walk(m, out);
        return out;
    }

    private static void walk(Entity e, List<Entity> out) {
        out.add(e);
        if (e.getBody() instanceof Multipart mp) {
            for (Entity part : mp.getBodyParts()) walk(part, out);
        }
        // a message/rfc822 part is an attachment: kept as it is
    }

    /** A field's value as written (unfolded), read as UTF-8 so that a template may write non-ASCII text. */
    private static String value(Field f) {
        String raw = f.getRaw() == null ? f.getName() + ": " + f.getBody()
                : new String(f.getRaw().toByteArray(), StandardCharsets.UTF_8);
        int colon = raw.indexOf(':');
        return MimeUtil.unfold(raw.substring(colon + 1)).strip();
    }

    private static String decoded(TextBody body) {
        try (Reader r = body.getReader()) {
            StringBuilder out = new StringBuilder();
            char[] buf = new char[8192];
            for (int n; (n = r.read(buf)) > 0; ) out.append(buf, 0, n);
            return out.toString();
        } catch (IOException e) {
            throw new IllegalArgumentException("a text part cannot be decoded: " + e.getMessage());
        }
    }

    private static Message read(byte[] eml) {
        DefaultMessageBuilder builder = new DefaultMessageBuilder();
        builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
        try {
            Message m = builder.parseMessage(new ByteArrayInputStream(eml));
            if (m.getHeader() == null || m.getHeader().getFields().isEmpty()) {
                throw new IllegalArgumentException("it has no header fields (a message is header fields, an empty line, then the body)");
            }
            return m;
        } catch (IOException e) {
            throw new IllegalArgumentException("it is no RFC 5322 message: " + e.getMessage());
        }
    }
}
