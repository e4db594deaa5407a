package sluice.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6125 host name matching as the probe applies it. */
class ProbeCertificateNamesTest {

    @ParameterizedTest
    @CsvSource({
            "mail.example.com,     mail.example.com,   true",
            "MAIL.Example.com.,    mail.example.com,   true",
            "*.example.com,        mail.example.com,   true",
            "*.example.com,        example.com,        false",
            "*.example.com,        a.mail.example.com, false",
            "*.com,                example.com,        false",
            "m*.example.com,       mail.example.com,   false",
            "mail.example.com,     mail.example.org,   false"})
    void wildcardsCoverOneLeftmostLabel(String pattern, String host, boolean expected) {
        assertThat(CertificateNames.nameMatches(pattern.toLowerCase().replaceAll("\\.$", ""), host)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "'dns:mx.example.com,ip:192.0.2.7', mx.example.com, true",
            "'dns:mx.example.com,ip:192.0.2.7', 192.0.2.7,      true",
            "'dns:mx.example.com,ip:192.0.2.7', 192.0.2.8,      false",
            "'dns:mx.example.com',              192.0.2.7,      false",
            "'ip:2001:db8::1',                  2001:db8:0::1,  true",
            // the CN counts only without any dNSName
            "'',                                cn.example.com, true",
            "'dns:other.example.com',           cn.example.com, false"})
    void sanNamesAndTheCnFallback(String sans, String host, boolean expected) throws Exception {
        assertThat(CertificateNames.matches(certificate("cn.example.com", sans), host)).isEqualTo(expected);
    }

    static X509Certificate certificate(String cn, String sans) throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var pair = g.generateKeyPair();
        X500Name subject = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(subject, BigInteger.TWO, Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(1))), subject, pair.getPublic());
        if (!sans.isEmpty()) {
            String[] parts = sans.split(",");
            GeneralName[] names = new GeneralName[parts.length];
            for (int i = 0; i < parts.length; i++) {
                String p = parts[i];
                names[i] = p.startsWith("dns:") ? new GeneralName(GeneralName.dNSName, p.substring(4))
                        : new GeneralName(GeneralName.iPAddress, p.substring(3));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        }
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
