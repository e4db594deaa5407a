package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import java.util.concurrent.atomic.AtomicBoolean;
import sluice.auth.UserStore;
import sluice.send.Campaign;
import sluice.send.CampaignJournal;
import sluice.send.CampaignList;
import sluice.send.RawTemplate;
import sluice.spool.Envelope;
import sluice.testkit.Peer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * REQUIRETLS into a real node with Python's smtplib (swaks cannot add a MAIL parameter) and through the send API; the
 * facts are read back from the spool after a restart.
 */
class RequireTlsEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static final String SCRIPT = """
            import smtplib, ssl, sys
            ctx = ssl._create_unverified_context()
            mx = int(sys.argv[1])
            msg = "From: x@far.test\\r\\nTo: bob@example.test\\r\\nSubject: rt\\r\\n\\r\\nhi\\r\\n"
            optional = "From: x@far.test\\r\\nTo: bob@example.test\\r\\nTLS-Required: No\\r\\nSubject: opt\\r\\n\\r\\nhi\\r\\n"
            with smtplib.SMTP("127.0.0.1", mx, local_hostname="client.test", timeout=20) as s:
                s.ehlo()
                print("plain-offers", s.has_extn("requiretls"))
                try:
                    s.sendmail("x@far.test", ["bob@example.test"], msg, mail_options=["REQUIRETLS"])
                    print("ACCEPTED-IN-PLAINTEXT")
                except smtplib.SMTPSenderRefused as e:
                    print("plain-refused", e.smtp_code, e.smtp_error.decode())
                s.starttls(context=ctx)
                s.ehlo()
                print("tls-offers", s.has_extn("requiretls"))
                s.sendmail("x@far.test", ["bob@example.test"], msg, mail_options=["REQUIRETLS"])
                print("required", s.noop()[0])
                s.sendmail("x@far.test", ["bob@example.test"], optional, mail_options=["REQUIRETLS"])
                print("both", s.noop()[0])
                s.sendmail("x@far.test", ["bob@example.test"], optional)
                print("optional", s.noop()[0])
            """;

    @Test
    void smtplibAndTheSendApiSetTheFactAndItSurvivesARestart() throws Exception {
        Path dir = TempDirs.dir("sluice-requiretls");
        Map<String, String> subjects; // queue id -> subject
        try (SluiceHarness s = SluiceHarness.startIn(dir, "[]", "")) {
            Path py = s.dir.resolve("requiretls.py");
            Files.writeString(py, SCRIPT);
            Peer.Result r = Peer.run(List.of("/usr/bin/python3", py.toString(), "" + s.mx), null, 60);
            assertThat(r.exit()).as(r.output()).isZero();
            assertThat(r.output()).contains("plain-offers False").contains("plain-refused 530 5.7.10")
                    .contains("tls-offers True").doesNotContain("ACCEPTED-IN-PLAINTEXT");

            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            String json = new ObjectMapper().writeValueAsString(Map.of("from", "alice@example.test",
                    "to", List.of("bob@remote.test"), "subject", "api-json", "text", "hi", "require_tls", true));
            assertThat(post(s, key, "application/json", "", json)).isEqualTo(202);
            String raw = "From: alice@example.test\r\nTo: bob@remote.test\r\nSubject: api-raw\r\n\r\nhi\r\n";
            assertThat(post(s, key, "message/rfc822", "?require_tls=true", raw)).isEqualTo(202);
            assertThat(post(s, key, "message/rfc822", "?require_tls=maybe", raw)).isEqualTo(400);
            assertThat(post(s, key, "application/json", "", json.replace("true", "\"yes\""))).isEqualTo(400);
            campaign(s, key);
            subjects = subjects(s);
            assertThat(subjects.values()).containsExactlyInAnyOrder("rt", "opt", "opt", "api-json", "api-raw", "bulk");
        }
        try (SluiceHarness again = SluiceHarness.startIn(dir, "[]", "")) {
            Map<String, String> facts = new java.util.TreeMap<>();
            for (var e : subjects.entrySet()) {
                Envelope env = again.spool().find(e.getKey()).orElseThrow().envelope();
                facts.merge(e.getValue(), env.tlsRequest().name(), (a, b) -> String.join(",", new java.util.TreeSet<>(List.of(a, b))));
            }
            // "opt" twice: with REQUIRETLS the header is ignored (REQUIRED), without it the message is OPTIONAL
            assertThat(facts).containsEntry("rt", "REQUIRED").containsEntry("opt", "OPTIONAL,REQUIRED")
                    .containsEntry("api-json", "REQUIRED").containsEntry("api-raw", "REQUIRED")
                    .containsEntry("bulk", "REQUIRED");
        }
    }

    /** The bulk CLI's engine with --require-tls, against the node's send API. */
    private static void campaign(SluiceHarness s, String key) throws Exception {
        Path csv = s.dir.resolve("list.csv");
        Files.writeString(csv, "email\nr1@remote.test\n");
        RawTemplate t = RawTemplate.parse("From: alice@example.test\nSubject: bulk\n\nhello {{email}}\n"
                .getBytes(StandardCharsets.UTF_8));
        Campaign c = new Campaign(new Campaign.Settings(URI.create("http://" + s.config().admin().address()
                + "/api/v1/messages"), key, 1, null, "rt-campaign", true));
        try (CampaignList list = CampaignList.open(csv); CampaignJournal j = CampaignJournal.create(csv, "a", "b")) {
            assertThat(c.run(list, j, t, new AtomicBoolean(), (row, reason) -> { })).isInstanceOf(Campaign.End.Finished.class);
        }
        assertThat(c.counts().accepted.get()).isEqualTo(1);
    }

    private static int post(SluiceHarness s, String key, String type, String query, String body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/messages" + query))
                .header("Authorization", "Bearer " + key).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    private static Map<String, String> subjects(SluiceHarness s) throws Exception {
        Map<String, String> out = new java.util.HashMap<>();
        Pattern subject = Pattern.compile("(?m)^Subject: (\\S+)");
        for (var m : s.queue()) {
            String data = new String(s.spool().readData(m.id()).orElseThrow(), StandardCharsets.UTF_8);
            Matcher x = subject.matcher(data);
            if (x.find()) out.put(m.id(), x.group(1));
        }
        return out;
    }
}
