package sluice.mailauth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import sluice.dns.TxtAnswer;
import sluice.mailauth.DkimResult.Result;

/**
 * Checks every DKIM-Signature field of a message (RFC 6376 6, RFC 8463, RFC 8301). A message without any gives an
 * empty list (Authentication-Results: dkim=none).
 *
 * <p>l= is ignored: the whole body is always hashed, so content appended after the signed length fails the
 * body hash instead of passing unseen (RFC 6376 8.2 describes that attack).
 */
public final class DkimVerifier {
    /** Signatures past this many get NEUTRAL unchecked: each costs a DNS lookup and a public-key operation. */
    public static final int MAX_SIGNATURES = 8;
    /** How far in the future t= may be (clock skew) before the signature is refused. */
    static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(15);
    /** RFC 8301 3.2: smaller RSA keys are not considered valid. */
    static final int MIN_RSA_BITS = 1024;

    private static final Pattern LABELS = Pattern.compile("[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?");

    private final TxtLookup dns;
    private final Clock clock;

    public DkimVerifier(TxtLookup dns, Clock clock) {
        this.dns = dns;
        this.clock = clock;
    }

    public List<DkimResult> verify(byte[] message) {
        Message m = Message.parse(message);
        Map<Canonicalization, String> bodyHashes = new EnumMap<>(Canonicalization.class);
        List<DkimResult> results = new ArrayList<>();
        for (HeaderField field : m.headers()) {
            if (!field.lowerName().equals("dkim-signature")) continue;
            if (results.size() >= MAX_SIGNATURES) {
                results.add(new DkimResult(null, null, null, Result.NEUTRAL, "not checked: more than " + MAX_SIGNATURES + " signatures"));
                continue;
            }
            results.add(check(m, field, bodyHashes));
        }
        return results;
    }

    /** A verdict reached before the end of the checks. */
    private static final class Stop extends Exception {
        final Result result;

        Stop(Result result, String reason) {
            super(reason, null, false, false);
            this.result = result;
        }
    }

    private record Signature(Map<String, String> tags, DkimAlgorithm algorithm, Canonicalization header,
                             Canonicalization body, String domain, String selector, List<String> signedHeaders,
                             byte[] bodyHash, byte[] b) {}

    private DkimResult check(Message m, HeaderField field, Map<Canonicalization, String> bodyHashes) {
        Map<String, String> tags = Map.of();
        try {
            tags = Tags.parse(field.value());
            Signature sig = signature(tags);
            PublicKey key = key(sig);
            String bh = bodyHashes.computeIfAbsent(sig.body(), c -> Base64.getEncoder().encodeToString(m.bodyHash(c)));
            if (!MessageDigest.isEqual(Base64.getDecoder().decode(bh), sig.bodyHash())) {
                throw new Stop(Result.FAIL, sig.tags().containsKey("l")
                        ? "body hash did not verify (l= is ignored: the whole body counts)" : "body hash did not verify");
            }
            byte[] data = concat(sig.header().signedHeaders(m.headers(), sig.signedHeaders()), sig.header().signatureHeader(field));
            if (!sig.algorithm().verify(key, data, sig.b())) throw new Stop(Result.FAIL, "signature did not verify");
            return result(tags, Result.PASS, "");
        } catch (Stop s) {
            return result(tags, s.result, s.getMessage());
        } catch (Tags.SyntaxException e) {
            return result(tags, Result.PERMERROR, "signature syntax: " + e.getMessage());
        } catch (GeneralSecurityException | RuntimeException e) {
            return result(tags, Result.PERMERROR, "cannot verify: " + e.getMessage());
        }
    }

    private static DkimResult result(Map<String, String> tags, Result r, String reason) {
        return new DkimResult(lower(tags.get("d")), tags.get("s"), lower(tags.get("a")), r, reason);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private Signature signature(Map<String, String> tags) throws Stop {
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.containsKey(required)) throw new Stop(Result.PERMERROR, "missing " + required + "= tag");
        }
        if (!tags.get("v").equals("1")) throw new Stop(Result.PERMERROR, "unsupported version v=" + tags.get("v"));
        DkimAlgorithm algorithm = DkimAlgorithm.ofTag(tags.get("a"));
        if (algorithm == null) throw new Stop(Result.PERMERROR, "unsupported algorithm a=" + Tags.abbreviate(tags.get("a")));
        String[] c = tags.getOrDefault("c", "simple/simple").split("/", -1);
        Canonicalization header = Canonicalization.of(c[0].strip());
        Canonicalization body = c.length == 1 ? Canonicalization.SIMPLE : Canonicalization.of(c[1].strip());
        if (header == null || body == null || c.length > 2) throw new Stop(Result.PERMERROR, "unknown canonicalization c=" + tags.get("c"));
        String domain = tags.get("d").toLowerCase(Locale.ROOT);
        String selector = tags.get("s");
        if (!LABELS.matcher(domain).matches() || !LABELS.matcher(selector).matches()) {
            throw new Stop(Result.PERMERROR, "bad d= or s= value");
        }
        List<String> signed = Arrays.stream(tags.get("h").split(":")).map(String::strip).toList();
        if (signed.stream().noneMatch(h -> h.equalsIgnoreCase("from"))) throw new Stop(Result.PERMERROR, "h= does not include From");
        checkIdentity(tags.get("i"), domain);
        if (tags.containsKey("q") && !tags.get("q").toLowerCase(Locale.ROOT).contains("dns/txt")) {
            throw new Stop(Result.PERMERROR, "unsupported query method q=" + tags.get("q"));
        }
        checkTimes(tags);
        return new Signature(tags, algorithm, header, body, domain, selector, signed,
                base64(tags.get("bh"), "bh"), base64(tags.get("b"), "b"));
    }

    private static void checkIdentity(String i, String domain) throws Stop {
        if (i == null) return;
        int at = i.lastIndexOf('@');
        String id = (at < 0 ? i : i.substring(at + 1)).toLowerCase(Locale.ROOT);
        if (at < 0 || !(id.equals(domain) || id.endsWith("." + domain))) {
            throw new Stop(Result.PERMERROR, "i= is not in the d= domain");
        }
    }

    private void checkTimes(Map<String, String> tags) throws Stop {
        long now = clock.instant().getEpochSecond();
        Long t = number(tags.get("t"), "t");
        Long x = number(tags.get("x"), "x");
        if (t != null && t > now + FUTURE_TOLERANCE.toSeconds()) throw new Stop(Result.PERMERROR, "signature timestamp t= is in the future");
        if (x != null && t != null && x < t) throw new Stop(Result.PERMERROR, "x= is before t=");
        if (x != null && x < now) throw new Stop(Result.PERMERROR, "signature expired (x=)");
    }

    private static Long number(String value, String tag) throws Stop {
        if (value == null) return null;
        if (!value.matches("[0-9]{1,12}")) throw new Stop(Result.PERMERROR, "bad " + tag + "= value");
        return Long.parseLong(value);
    }

    private static byte[] base64(String value, String tag) throws Stop {
        try {
            return Base64.getDecoder().decode(Tags.base64(value));
        } catch (IllegalArgumentException e) {
            throw new Stop(Result.PERMERROR, "bad base64 in " + tag + "=");
        }
    }

    /** Fetches and checks the key record at s._domainkey.d (RFC 6376 3.6.1, 6.1.2). */
    private PublicKey key(Signature sig) throws Stop {
        String name = sig.selector() + "._domainkey." + sig.domain();
        String record = switch (dns.txt(name)) {
            case TxtAnswer.Records r when !r.strings().isEmpty() -> r.strings().getFirst();
            case TxtAnswer.Records r -> throw new Stop(Result.PERMERROR, "no key record at " + name);
            case TxtAnswer.NoRecords n -> throw new Stop(Result.PERMERROR, "no key record at " + name);
            case TxtAnswer.NoSuchDomain n -> throw new Stop(Result.PERMERROR, "no key record at " + name);
            case TxtAnswer.TempFail f -> throw new Stop(Result.TEMPERROR, "key lookup failed: " + f.detail());
        };
        Map<String, String> tags;
        try {
            tags = Tags.parse(record);
        } catch (Tags.SyntaxException e) {
            throw new Stop(Result.PERMERROR, "key record syntax: " + e.getMessage());
        }
        checkKeyRecord(tags, sig);
        String p = tags.get("p");
        if (p == null) throw new Stop(Result.PERMERROR, "key record has no p=");
        // 6.1.2: an empty p= is a revoked key, a failed signature check.
        if (Tags.base64(p).isEmpty()) throw new Stop(Result.FAIL, "key revoked");
        byte[] der = base64(p, "key p");
        try {
            if (sig.algorithm() == DkimAlgorithm.ED25519_SHA256) return DkimKeys.ed25519PublicKey(der);
            PublicKey key = DkimKeys.rsaPublicKey(der);
            if (((RSAPublicKey) key).getModulus().bitLength() < MIN_RSA_BITS) {
                throw new Stop(Result.PERMERROR, "RSA key shorter than " + MIN_RSA_BITS + " bits");
            }
            return key;
        } catch (GeneralSecurityException e) {
            throw new Stop(Result.PERMERROR, "unusable key: " + e.getMessage());
        }
    }

    private static void checkKeyRecord(Map<String, String> tags, Signature sig) throws Stop {
        if (tags.containsKey("v") && !tags.get("v").equals("DKIM1")) throw new Stop(Result.PERMERROR, "key record v= is not DKIM1");
        String k = tags.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
        if (!k.equals(sig.algorithm().keyType())) {
            throw new Stop(Result.PERMERROR, "key type k=" + k + " does not match a=" + sig.algorithm().tag());
        }
        if (tags.containsKey("h") && !colonList(tags.get("h")).contains("sha256")) {
            throw new Stop(Result.PERMERROR, "key record does not allow sha256");
        }
        if (tags.containsKey("s")) {
            List<String> services = colonList(tags.get("s"));
            if (!services.contains("*") && !services.contains("email")) throw new Stop(Result.PERMERROR, "key is not for email");
        }
        if (tags.containsKey("t") && colonList(tags.get("t")).contains("s") && sig.tags().containsKey("i")) {
            String i = sig.tags().get("i");
            if (!i.substring(i.lastIndexOf('@') + 1).equalsIgnoreCase(sig.domain())) {
                throw new Stop(Result.PERMERROR, "key flag t=s forbids a subdomain in i=");
            }
        }
    }

    private static List<String> colonList(String value) {
        return Arrays.stream(value.split(":")).map(s -> s.strip().toLowerCase(Locale.ROOT)).toList();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
