package sluice.transit;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A domain's {@code _smtp._tls} TXT record (RFC 8460 3): where its reports go. */
public final class TlsRptRecord {
    private TlsRptRecord() {}

    /** Where to send: mailto addresses and https URLs, in the record's order. */
    public sealed interface Destination {
        record Mail(String address) implements Destination {}

        record Https(URI url) implements Destination {}
    }

    /** What the record says. */
    public sealed interface Lookup {
        /** One valid record with at least one destination Sluice can use. */
        record Found(List<Destination> destinations, List<String> ignored) implements Lookup {
            public Found {
                destinations = List.copyOf(destinations);
                ignored = List.copyOf(ignored);
            }
        }

        /** The domain asks for no reports (no record, several, or none usable): why, in words. */
        record None(String why) implements Lookup {}

        /** DNS did not answer; ask again later. */
        record TempFail(String why) implements Lookup {}
    }

    /**
     * Reads the TXT strings found at {@code _smtp._tls.DOMAIN}: records not starting with {@code v=TLSRPTv1} are
     * discarded, and anything but exactly one left means no reporting (RFC 8460 3).
     */
    public static Lookup parse(List<String> txt) {
        List<String> records = txt.stream().filter(TlsRptRecord::isVersion1).toList();
        if (records.isEmpty()) return new Lookup.None("no v=TLSRPTv1 record");
        if (records.size() > 1) return new Lookup.None(records.size() + " v=TLSRPTv1 records (RFC 8460 3: none used)");
        List<Destination> out = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        boolean rua = false;
        String[] fields = records.getFirst().split(";");
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i].strip();
            if (!f.startsWith("rua=")) continue; // extensions are allowed and not ours
            if (rua) return new Lookup.None("two rua= fields");
            rua = true;
            for (String u : f.substring(4).split(",")) {
                String uri = u.strip();
                Destination d = destination(uri);
                if (d == null) ignored.add(uri.length() > 100 ? uri.substring(0, 100) + "…" : uri);
                else if (out.size() < 10) out.add(d); // a record naming hundreds of places is not obeyed in full
            }
        }
        if (!rua) return new Lookup.None("no rua= field");
        if (out.isEmpty()) return new Lookup.None("no usable rua= URI (only mailto: and https: are)");
        return new Lookup.Found(out, ignored);
    }

    private static boolean isVersion1(String r) {
        String s = r.stripLeading();
        if (!s.startsWith("v=TLSRPTv1")) return false;
        String rest = s.substring("v=TLSRPTv1".length()).stripLeading();
        return rest.isEmpty() || rest.charAt(0) == ';';
    }

    private static Destination destination(String uri) {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mailto:")) {
            String a = uri.substring(7);
            int q = a.indexOf('?');
            if (q >= 0) a = a.substring(0, q);
            try {
                a = URLDecoder.decode(a.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
            int at = a.lastIndexOf('@');
            if (at <= 0 || at == a.length() - 1 || a.length() > 254) return null;
            for (int i = 0; i < a.length(); i++) {
                char c = a.charAt(i);
                if (c <= ' ' || c >= 127 || c == '<' || c == '>' || c == '"' || c == '\\' || c == '(' || c == ')') return null;
            }
            return new Destination.Mail(a);
        }
        if (lower.startsWith("https://")) {
            try {
                URI u = new URI(uri);
                if (u.getHost() == null || u.getRawUserInfo() != null) return null;
                return new Destination.Https(u);
            } catch (URISyntaxException e) {
                return null;
            }
        }
        return null;
    }
}
