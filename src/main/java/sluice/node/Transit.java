package sluice.node;

import java.io.IOException;
import java.time.Clock;
import sluice.config.Config;
import sluice.config.TransitConfig;
import sluice.delivery.TransitPolicies;
import sluice.dns.Resolver;
import sluice.transit.Dane;
import sluice.transit.DaneLookup;
import sluice.transit.MtaSts;
import sluice.transit.StsLookup;
import sluice.transit.TlsReportSink;
import sluice.transit.TrustStores;

/**
 * Transit security as the node runs it: DANE over its own validating resolver, MTA-STS with its policy cache in the
 * data dir, the TLS-report book, and the Web PKI trust of {@code [delivery] ca_file}; each off as configured.
 */
final class Transit implements AutoCloseable {
    private final TransitPolicies policies;
    private final Dane dane;     // null when dane = "off"
    private final MtaSts mtaSts; // null when mta_sts = "off"

    private Transit(TransitPolicies policies, Dane dane, MtaSts mtaSts) {
        this.policies = policies;
        this.dane = dane;
        this.mtaSts = mtaSts;
    }

    /** @param reports where attempts are counted, or null when tls_reports = false */
    static Transit start(Config config, Resolver resolver, TlsReportSink reports, Clock clock) {
        TransitConfig t = config.delivery().transit();
        Dane dane = null;
        MtaSts sts = null;
        try {
            if (t.daneOn()) dane = Dane.create(config.delivery(), clock);
        } catch (IOException e) {
            throw new IllegalArgumentException("[delivery] dnssec_trust_anchor " + t.dnssecTrustAnchor() + ": " + e.getMessage(), e);
        }
        try {
            if (t.mtaStsOn()) sts = MtaSts.create(resolver, t, config.dataDir(), clock);
            return new Transit(new TransitPolicies(dane != null ? dane : DaneLookup.off(), sts != null ? sts : StsLookup.off(),
                    reports != null ? reports : TlsReportSink.none(), TrustStores.pkix(t.caFile())), dane, sts);
        } catch (IOException e) {
            if (sts != null) sts.close();
            throw new IllegalArgumentException("[delivery] ca_file " + t.caFile() + ": " + e.getMessage(), e);
        }
    }

    TransitPolicies policies() {
        return policies;
    }

    /** In words: whether DNSSEC validation works with the configured servers (DANE's precondition). */
    String daneState() {
        return dane == null ? "DANE off (dane = \"off\")" : dane.state();
    }

    /** MTA-STS fetches by result, for the metrics (zero while MTA-STS is off). */
    java.util.Map<String, Long> stsFetches() {
        MtaSts.Stats s = mtaSts == null ? new MtaSts.Stats(0, 0, 0) : mtaSts.stats();
        return java.util.Map.of("fetched", s.fetched(), "failed", s.failed());
    }

    /** DANE's validated answers by status, for the metrics (zero while DANE is off). */
    java.util.Map<String, Long> dnssecAnswers() {
        sluice.dns.DnssecStats s = dane == null ? new sluice.dns.DnssecStats(0, 0, 0, 0) : dane.stats();
        return java.util.Map.of("secure", s.secure(), "insecure", s.insecure(), "bogus", s.bogus(), "failed", s.failed());
    }

    @Override
    public void close() {
        if (mtaSts != null) mtaSts.close();
    }
}
