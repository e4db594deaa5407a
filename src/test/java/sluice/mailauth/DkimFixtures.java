package sluice.mailauth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import sluice.dns.TxtAnswer;

/** The golden files in src/test/resources/dkim and a map-backed key lookup. */
final class DkimFixtures {
    static final String RFC_DOMAIN = "football.example.com";

    private DkimFixtures() {}

    static byte[] resource(String name) {
        try (InputStream in = DkimFixtures.class.getResourceAsStream("/dkim/" + name)) {
            if (in == null) throw new IllegalArgumentException("no test resource dkim/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(resource(name), StandardCharsets.UTF_8);
    }

    static PrivateKey rfcRsaKey() throws Exception {
        return DkimKeys.parse(text("rfc8463-rsa.key"), "rfc8463-rsa.key");
    }

    static PrivateKey rfcEd25519Key() throws Exception {
        return DkimKeys.ed25519PrivateKey(Base64.getDecoder().decode(text("rfc8463-ed25519.seed").strip()));
    }

    /** The RFC 8463 key records, by name. */
    static Map<String, String> rfcRecords() {
        Map<String, String> records = new HashMap<>();
        for (String line : text("rfc8463-dns.txt").split("\n")) {
            if (line.isBlank()) continue;
            int sp = line.indexOf(' ');
            records.put(line.substring(0, sp), line.substring(sp + 1));
        }
        return records;
    }

    /** A TxtLookup answering from a map; other names are NXDOMAIN. */
    static TxtLookup lookup(Map<String, String> records) {
        return name -> {
            String v = records.get(name.toLowerCase(Locale.ROOT).replaceAll("\\.$", ""));
            return v == null ? new TxtAnswer.NoSuchDomain("NXDOMAIN: " + name) : new TxtAnswer.Records(List.of(v));
        };
    }

    static Clock clockAt(long epochSecond) {
        return Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC);
    }

    static String crlf(String lfText) {
        return lfText.replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
