package sluice.delivery;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import sluice.config.IpLiterals;

/**
 * Does a server certificate name a host? RFC 6125 as the JDK's HostnameChecker applies it: an IP literal must be a
 * SAN iPAddress; a name must match a SAN dNSName (a wildcard only as the whole leftmost label, covering exactly one
 * label), and the subject CN counts only when the certificate has no dNSName at all.
 */
final class CertificateNames {
    private static final int DNS_NAME = 2;
    private static final int IP_ADDRESS = 7;

    private CertificateNames() {}

    static boolean matches(X509Certificate cert, String host) {
        byte[] ip = IpLiterals.parse(host);
        List<String> dnsNames = sans(cert, DNS_NAME);
        if (ip != null) {
            for (String s : sans(cert, IP_ADDRESS)) if (Arrays.equals(ip, IpLiterals.parse(s))) return true;
            return false;
        }
        String name = normalize(host);
        List<String> candidates = dnsNames.isEmpty() ? commonNames(cert) : dnsNames;
        for (String pattern : candidates) if (nameMatches(normalize(pattern), name)) return true;
        return false;
    }

    /** The names a certificate is for (SAN dNSName and iPAddress, else the CN), for messages. */
    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>(sans(cert, DNS_NAME));
        out.addAll(sans(cert, IP_ADDRESS));
        return out.isEmpty() ? commonNames(cert) : out;
    }

    static boolean nameMatches(String pattern, String name) {
        if (!pattern.startsWith("*.")) return pattern.equals(name);
        String suffix = pattern.substring(1); // ".example.com"
        // "*.com" would cover a whole TLD: never a match.
        if (suffix.indexOf('.', 1) < 0) return false;
        return name.endsWith(suffix) && name.length() > suffix.length()
                && name.lastIndexOf('.', name.length() - suffix.length() - 1) < 0;
    }

    private static String normalize(String s) {
        String n = s.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    private static List<String> sans(X509Certificate cert, int type) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            if (all == null) return out;
            for (List<?> entry : all) {
                if (entry.size() >= 2 && entry.get(0) instanceof Integer t && t == type && entry.get(1) instanceof String s) {
                    out.add(s);
                }
            }
        } catch (CertificateParsingException e) {
            // an unparsable SAN names nothing
        }
        return out;
    }

    private static List<String> commonNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        for (RDN rdn : subject.getRDNs(BCStyle.CN)) out.add(IETFUtils.valueToString(rdn.getFirst().getValue()));
        return out;
    }
}
