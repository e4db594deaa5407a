package sluice.delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import sluice.transit.DaneLookup;
import sluice.transit.StsLookup;
import sluice.transit.TlsReportSink;
import sluice.transit.TrustStores;

/**
 * The transit-security parts MX delivery asks: DANE, MTA-STS, where attempts are reported, and the Web PKI context
 * (the JDK's CAs plus {@code [delivery] ca_file}) for MTA-STS and REQUIRETLS.
 */
public record TransitPolicies(DaneLookup dane, StsLookup sts, TlsReportSink reports, SSLContext pkix) {

    /** No DANE, no MTA-STS, no reports; Web PKI from the JDK's store and {@code caFile} (null: none). */
    public static TransitPolicies off(Path caFile) {
        try {
            return new TransitPolicies(DaneLookup.off(), StsLookup.off(), TlsReportSink.none(), TrustStores.pkix(caFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
