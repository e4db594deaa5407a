package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sluice.mailauth.DkimKeys;
import sluice.testkit.Peer;
import sluice.testkit.SluiceProcess;
import sluice.testkit.TestDnsServer;

/** `sluice doctor` over a test zone: a well-published domain passes, a bare one gets the records to publish. */
class DoctorTest {
    @TempDir
    Path dir;

    @Test
    void aGoodDomainPassesAndABareOneGetsTheRecordsToPublish() throws Exception {
        KeyPair pair = DkimKeys.generate("rsa2048");
        Path key = dir.resolve("good.test.s1.key");
        DkimKeys.writePem(pair.getPrivate(), key);
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.mx("good.test", 10, "mx.good.test").a("mx.good.test", "127.0.0.1")
                    .txt("good.test", "v=spf1 ip4:127.0.0.1 -all")
                    .txt("s1._domainkey.good.test", DkimKeys.txtRecord(pair.getPublic()))
                    .txt("_dmarc.good.test", "v=DMARC1; p=reject; rua=mailto:d@good.test")
                    .txt("_mta-sts.good.test", "v=STSv1; id=20261203").txt("_smtp._tls.good.test", "v=TLSRPTv1; rua=mailto:t@good.test")
                    .ptr("127.0.0.1", "mx.good.test")
                    .a("1.0.0.127.listed.test", "127.0.0.2")
                    .mx("bare.test", 10, "mx.good.test");
            Path config = Files.writeString(dir.resolve("sluice.toml"), """
                    hostname = "mx.good.test"
                    data_dir = "%s"
                    listeners = []
                    [delivery]
                    dns_servers = ["%s"]
                    [[dkim]]
                    domain = "good.test"
                    selector = "s1"
                    key_file = "%s"
                    """.formatted(dir.resolve("data"), dns.address(), key));

            Peer.Result good = SluiceProcess.run(null, "doctor", "good.test", "--ip", "127.0.0.1", "--dnsbl", "clean.test",
                    "--config", config.toString());
            assertThat(good.exit()).as(good.output()).isZero();
            assertThat(good.output()).contains("PASS  MX").contains("PASS  SPF").contains("authorises 127.0.0.1")
                    .contains("PASS  DKIM    s1._domainkey.good.test publishes our key").contains("PASS  DMARC")
                    .contains("PASS  MTA-STS").contains("PASS  TLS-RPT").contains("forward-confirmed")
                    .contains("PASS  DNSBL   127.0.0.1 is not listed on clean.test").contains("0 failed");
            // the MTA-STS policy file and the TXT records to publish, for the domain's MX hosts
            assertThat(good.output()).contains("serve https://mta-sts.good.test/.well-known/mta-sts.txt")
                    .contains("    version: STSv1\n    mode: testing\n    mx: mx.good.test\n    max_age: 86400\n")
                    .containsPattern("_mta-sts\\.good\\.test\\. IN TXT \"v=STSv1; id=[0-9]{14}\"")
                    .contains("_smtp._tls.good.test. IN TXT \"v=TLSRPTv1; rua=mailto:tls-reports@good.test\"");

            Peer.Result listed = SluiceProcess.run(null, "doctor", "good.test", "--ip", "127.0.0.1", "--dnsbl", "listed.test",
                    "--config", config.toString());
            assertThat(listed.exit()).isEqualTo(1);
            assertThat(listed.output()).contains("FAIL  DNSBL   127.0.0.1 is listed on listed.test (127.0.0.2)");

            Peer.Result bare = SluiceProcess.run(null, "doctor", "bare.test", "--ip", "127.0.0.1", "--dnsbl", "clean.test",
                    "--json", "--config", config.toString());
            assertThat(bare.exit()).isEqualTo(1);
            JsonNode report = new ObjectMapper().readTree(bare.output().substring(bare.output().indexOf('{')));
            assertThat(report.path("ok").asBoolean()).isFalse();
            String checks = report.path("checks").toString();
            assertThat(checks).contains("bare.test. IN TXT \\\"v=spf1 ip4:127.0.0.1 -all\\\"")
                    .contains("_dmarc.bare.test. IN TXT \\\"v=DMARC1; p=none")
                    .contains("sluice dkim keygen bare.test");
            assertThat(report.path("publish").path("mta_sts_policy").asText())
                    .isEqualTo("version: STSv1\r\nmode: testing\r\nmx: mx.good.test\r\nmax_age: 86400\r\n");
            assertThat(report.path("publish").path("records").toString()).contains("_mta-sts.bare.test. IN TXT")
                    .contains("_smtp._tls.bare.test. IN TXT \\\"v=TLSRPTv1; rua=mailto:tls-reports@bare.test\\\"");
        }
    }
}
