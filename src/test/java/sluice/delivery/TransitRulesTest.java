package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import sluice.transit.DaneVerdict;
import sluice.transit.ResultType;
import sluice.transit.StsPolicy;
import sluice.transit.StsVerdict;

/** The precedence of transit policies for one MX host, case by case (no sockets). */
class TransitRulesTest {
    private static final SSLContext PKIX = context();
    private static final SSLContext ANY = context();
    private static final SSLContext DANE = context();

    private static SSLContext context() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, null, null);
            return c;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final DaneVerdict NO_DANE = new DaneVerdict.NotApplicable("insecure");
    private static final DaneVerdict DANE_OK = new DaneVerdict.Authenticate(DANE, "3 1 1 ab");
    private static final DaneVerdict DANE_ENCRYPT = new DaneVerdict.EncryptOnly("only 1 0 1");
    private static final DaneVerdict DANE_BOGUS = new DaneVerdict.Unusable(ResultType.DNSSEC_INVALID, "bogus");
    private static final StsVerdict NO_STS = new StsVerdict.None("no record");
    private static final StsVerdict ENFORCE = policy(StsPolicy.Mode.ENFORCE);
    private static final StsVerdict TESTING = policy(StsPolicy.Mode.TESTING);
    private static final StsVerdict STS_NONE = policy(StsPolicy.Mode.NONE);
    private static final TransitRules.Asked PLAIN = TransitRules.Asked.NOTHING;
    private static final TransitRules.Asked REQUIRETLS = new TransitRules.Asked(true, false);
    private static final TransitRules.Asked TLS_NO = new TransitRules.Asked(false, true);

    private static StsVerdict policy(StsPolicy.Mode mode) {
        return new StsVerdict.InForce(new StsPolicy("d.test", "1", mode, List.of("mx.d.test", "*.mx.d.test"), 86400,
                "version: STSv1\nmode: x\n"));
    }

    /** A case and what it must give: "connect POLICY TLSMODE CONTEXT verifyName verified testing" or "refuse POLICY". */
    record Case(String name, String host, boolean configuredRequired, DaneVerdict dane, StsVerdict sts, boolean mxSecure,
                TransitRules.Asked asked, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("nothing published", "mx.d.test", false, NO_DANE, NO_STS, false, PLAIN, "connect opportunistic OPPORTUNISTIC any"),
                new Case("configured required", "mx.d.test", true, NO_DANE, NO_STS, false, PLAIN, "connect required REQUIRED any"),
                new Case("DANE authenticates", "mx.d.test", false, DANE_OK, ENFORCE, false, PLAIN, "connect dane REQUIRED dane verified"),
                new Case("DANE beats a refusing STS policy", "other.test", false, DANE_OK, ENFORCE, false, PLAIN, "connect dane REQUIRED dane verified"),
                new Case("DANE bogus refuses whatever STS says", "mx.d.test", false, DANE_BOGUS, TESTING, false, PLAIN, "refuse dane"),
                new Case("DANE encrypt-only", "mx.d.test", false, DANE_ENCRYPT, NO_STS, false, PLAIN, "connect dane REQUIRED any"),
                new Case("STS enforce, host listed", "mx.d.test", false, NO_DANE, ENFORCE, false, PLAIN, "connect mta-sts REQUIRED pkix name verified"),
                new Case("STS enforce, wildcard covers one label", "a.mx.d.test", false, NO_DANE, ENFORCE, false, PLAIN, "connect mta-sts REQUIRED pkix name verified"),
                new Case("STS enforce, wildcard not two labels", "a.b.mx.d.test", false, NO_DANE, ENFORCE, false, PLAIN, "refuse mta-sts"),
                new Case("STS enforce, host not listed", "evil.test", false, NO_DANE, ENFORCE, false, PLAIN, "refuse mta-sts"),
                new Case("STS testing, host listed", "mx.d.test", false, NO_DANE, TESTING, false, PLAIN, "connect mta-sts OPPORTUNISTIC pkix name verified testing"),
                new Case("STS testing, host not listed: configured level", "evil.test", true, NO_DANE, TESTING, false, PLAIN, "connect mta-sts REQUIRED any"),
                new Case("STS mode none: configured level", "mx.d.test", false, NO_DANE, STS_NONE, false, PLAIN, "connect opportunistic OPPORTUNISTIC any"),
                new Case("REQUIRETLS: STS testing counts as enforce", "mx.d.test", false, NO_DANE, TESTING, false, REQUIRETLS, "connect mta-sts REQUIRED pkix name verified"),
                new Case("REQUIRETLS: testing policy, host not listed", "evil.test", false, NO_DANE, TESTING, false, REQUIRETLS, "refuse mta-sts"),
                new Case("REQUIRETLS: DANE encrypt-only is not enough, STS verifies", "mx.d.test", false, DANE_ENCRYPT, ENFORCE, false, REQUIRETLS, "connect mta-sts REQUIRED pkix name verified"),
                new Case("REQUIRETLS: secure MX, Web PKI for the MX name", "mx.d.test", false, NO_DANE, NO_STS, true, REQUIRETLS, "connect opportunistic REQUIRED pkix name verified"),
                new Case("REQUIRETLS: nothing to verify with", "mx.d.test", false, NO_DANE, NO_STS, false, REQUIRETLS, "refuse opportunistic"),
                new Case("TLS-Required: No sets a refusing policy aside", "evil.test", false, DANE_BOGUS, ENFORCE, false, TLS_NO, "connect none OPPORTUNISTIC any"),
                new Case("TLS-Required: No keeps a configured required", "mx.d.test", true, NO_DANE, NO_STS, false, TLS_NO, "connect none REQUIRED any"),
                new Case("REQUIRETLS wins over TLS-Required: No", "mx.d.test", false, NO_DANE, ENFORCE, false, new TransitRules.Asked(true, true), "connect mta-sts REQUIRED pkix name verified"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(Case c) {
        HostTls tls = TransitRules.decide(c.host(), c.configuredRequired(), c.dane(), c.sts(), c.mxSecure(), c.asked(), PKIX, ANY);
        assertThat(describe(tls)).isEqualTo(c.expected());
    }

    private static String describe(HostTls tls) {
        return switch (tls) {
            case HostTls.Refuse r -> "refuse " + r.policy();
            case HostTls.Connect k -> ("connect " + k.policy() + " " + k.tls() + " "
                    + (k.context() == PKIX ? "pkix" : k.context() == DANE ? "dane" : "any")
                    + (k.verifyName() ? " name" : "") + (k.verified() ? " verified" : "") + (k.testing() ? " testing" : ""));
        };
    }
}
