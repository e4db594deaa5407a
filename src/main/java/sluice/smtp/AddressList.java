package sluice.smtp;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the address lists of header fields and of the JSON API (RFC 5322 3.4): {@code addr}, {@code Name <addr>},
 * {@code "Quoted, Name" <addr>}, comments, and groups ({@code team: a@x, b@y;}). The addresses themselves are
 * checked with the RFC 5321 parser MAIL and RCPT use ({@link Mailbox#parse}), since they become envelope addresses.
 * The one reader of addresses in header fields: the send API, the may-send-as check, the DKIM signer and DMARC all
 * take what it finds, so a quoted {@code "<ceo@b.example>"} group name can never mean one thing to one of them and
 * another to the next.
 */
public final class AddressList {
    private AddressList() {}

    /** The addresses in {@code value}, in order; an empty list for an empty value or an empty group. */
    public static List<NamedMailbox> parse(String value) {
        List<NamedMailbox> out = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        int comment = 0;
        boolean angle = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // A line break or other control character is never part of an address list once fields are unfolded;
            // read as text it could end a group name and silently change the address (a JSON "to" with CR LF ":").
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw new IllegalArgumentException("a control character (0x" + Integer.toHexString(c) + ") in an address");
            }
            if (quoted) {
                item.append(c);
                if (c == '\\' && i + 1 < value.length()) item.append(value.charAt(++i));
                else if (c == '"') quoted = false;
            } else if (comment > 0) {
                if (c == '\\') i++;
                else if (c == '(') comment++;
                else if (c == ')') comment--;
            } else if (c == '(') {
                comment++;
            } else if (c == '"') {
                quoted = true;
                item.append(c);
            } else if (c == '<') {
                angle = true;
                item.append(c);
            } else if (c == '>') {
                angle = false;
                item.append(c);
            } else if (c == ':' && !angle) {
                item.setLength(0); // a group's name
            } else if ((c == ',' || c == ';') && !angle) {
                add(item, out);
            } else {
                item.append(c);
            }
        }
        if (quoted || comment > 0 || angle) throw new IllegalArgumentException("unbalanced quotes, parentheses or angle brackets");
        add(item, out);
        return out;
    }

    /** Exactly one address. */
    public static NamedMailbox single(String value) {
        List<NamedMailbox> all = parse(value);
        if (all.size() != 1) throw new IllegalArgumentException(all.isEmpty() ? "no address" : "more than one address");
        return all.get(0);
    }

    private static void add(StringBuilder item, List<NamedMailbox> out) {
        String text = item.toString().strip();
        item.setLength(0);
        if (text.isEmpty()) return;
        int open = text.lastIndexOf('<');
        if (open < 0) {
            out.add(new NamedMailbox(null, mailbox(text)));
            return;
        }
        int close = text.indexOf('>', open);
        if (close < 0 || !text.substring(close + 1).isBlank()) throw new IllegalArgumentException("text after '>' in \"" + text + "\"");
        String name = unquote(text.substring(0, open).strip());
        String addr = text.substring(open + 1, close).strip();
        int colon = addr.startsWith("@") ? addr.indexOf(':') : -1; // an obsolete source route, ignored
        out.add(new NamedMailbox(name.isEmpty() ? null : name, mailbox(colon >= 0 ? addr.substring(colon + 1) : addr)));
    }

    private static Mailbox mailbox(String text) {
        try {
            return Mailbox.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad address \"" + text + "\": " + e.getMessage());
        }
    }

    private static String unquote(String s) {
        if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') return s;
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() - 1) c = s.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }
}
