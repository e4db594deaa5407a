package sluice.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** The DS or DNSKEY records validation starts from, as zone-file text, and the zones they are for. */
record TrustAnchors(String text, List<Name> zones, String source) {
    /**
     * The IANA root zone's key-signing keys as DS records (https://data.iana.org/root-anchors/root-anchors.xml):
     * KSK-2017 (tag 20326) and KSK-2024 (tag 38696), both trusted while the root rolls from one to the other.
     */
    static final String IANA_ROOT = """
            . IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
            . IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
            """;

    static TrustAnchors ianaRoot() {
        return new TrustAnchors(IANA_ROOT, List.of(Name.root), "the IANA root (KSK-2017 20326, KSK-2024 38696)");
    }

    /** The DS and DNSKEY records of {@code file} (zone-file syntax; other records are an error). */
    static TrustAnchors read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Set<Name> zones = new LinkedHashSet<>();
        List<String> tags = new ArrayList<>();
        try (Master master = new Master(file.toString(), Name.root, 0)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                switch (r) {
                    case DSRecord ds -> tags.add(String.valueOf(ds.getFootprint()));
                    case DNSKEYRecord key -> tags.add(String.valueOf(key.getFootprint()));
                    default -> throw new IOException(file + ": a trust anchor must be a DS or DNSKEY record, not " + r);
                }
                zones.add(r.getName());
            }
        } catch (IOException e) {
            throw new IOException("dnssec_trust_anchor " + file + ": " + e.getMessage(), e);
        }
        if (zones.isEmpty()) {
            throw new IOException("dnssec_trust_anchor " + file + ": no DS or DNSKEY record");
        }
        return new TrustAnchors(text, List.copyOf(zones), file + " (" + zones.stream().map(DomainName::text)
                .map(z -> z.isEmpty() ? "." : z).toList() + " key tags " + tags + ")");
    }
}
