package sluice.send;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code list_unsubscribe} member: a URL or {@code mailto:} URI, or an array of them, written as
 * {@code List-Unsubscribe: <mailto:...>, <https://...>} (RFC 2369); with an https URL also
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click} (RFC 8058), which mailbox providers require of bulk
 * senders for their one-click button. Both fields are in the DKIM signer's list (mailauth/DkimSigner), as RFC 8058
 * requires. In a batch the URIs may hold {{placeholders}} (a per-recipient token), so they are checked as rendered.
 */
final class ListUnsubscribe {
    static final int MAX_URIS = 4;
    static final int MAX_LENGTH = 900;

    /** The header fields to add: {@code post} is null without an https URL. */
    record Fields(String listUnsubscribe, String post) {}

    private ListUnsubscribe() {}

    /** The URIs as given (placeholders not yet filled), empty when the member is absent. */
    static List<String> read(JsonNode n) throws Invalid {
        if (n.isMissingNode() || n.isNull()) return List.of();
        if (n.isTextual()) return List.of(n.asText());
        if (!n.isArray() || n.isEmpty() || n.size() > MAX_URIS) {
            throw Invalid.field("list_unsubscribe", "must be a URL, a mailto: URI or an array of 1 to " + MAX_URIS + " of them");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) throw Invalid.field("list_unsubscribe[" + i + "]", "must be a string");
            out.add(n.get(i).asText());
        }
        return out;
    }

    /** The fields for {@code uris} (as rendered); {@code field} names the member in an error. */
    static Fields header(List<String> uris, String field) throws Invalid {
        List<String> written = new ArrayList<>();
        boolean https = false;
        for (String u : uris) {
            String scheme = check(u, field);
            https |= scheme.equals("https");
            written.add("<" + u + ">");
        }
        return new Fields(String.join(", ", written), https ? "List-Unsubscribe=One-Click" : null);
    }

    /** The URI's scheme when it is one a List-Unsubscribe field can carry as it is. */
    private static String check(String u, String field) throws Invalid {
        if (u.isEmpty() || u.length() > MAX_LENGTH) throw Invalid.field(field, "a URI of 1 to " + MAX_LENGTH + " characters is required");
        for (int i = 0; i < u.length(); i++) {
            char c = u.charAt(i);
            // a space or control character would end the field or the URI; <, > and , would end the <...> list item
            if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',' || c == '"') {
                throw Invalid.field(field, "\"" + shorten(u) + "\" has a character a header field cannot carry ("
                        + (c <= 0x20 || c >= 0x7f ? String.format("U+%04X", (int) c) : "'" + c + "'")
                        + " at position " + i + "); percent-encode it");
            }
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw Invalid.field(field, "\"" + shorten(u) + "\" is not a URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "https", "http" -> {
                if (uri.getHost() == null) throw Invalid.field(field, "\"" + shorten(u) + "\" has no host");
            }
            case "mailto" -> {
                String to = uri.getSchemeSpecificPart();
                if (to == null || !to.contains("@")) throw Invalid.field(field, "\"" + shorten(u) + "\" has no address");
            }
            default -> throw Invalid.field(field, "\"" + shorten(u) + "\" must be an https:, http: or mailto: URI");
        }
        return scheme;
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
