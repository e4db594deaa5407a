package sluice.transit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sluice.dns.Resolver;
import sluice.testkit.TestDnsServer;
import sluice.testkit.TestTls;

/**
 * Reports POSTed to a test HTTPS receiver (Jetty, the mx.test certificate) whose name resolves through Sluice's resolver
 * and the test DNS server, never the system's.
 */
class ReportPosterTest {
    record Arrival(String path, String contentType, byte[] body) {}

    final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    TestDnsServer dns;
    Server server;
    int port;
    ReportPoster poster;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.a(TestTls.HOST, "127.0.0.1").a("other.test", "127.0.0.1");
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setSslContext(TestTls.get().serverContext());
        server = new Server();
        ServerConnector connector = new ServerConnector(server, tls);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = request.getHttpURI().getPath();
                arrivals.add(new Arrival(path, request.getHeaders().get(HttpHeader.CONTENT_TYPE),
                        Content.Source.asInputStream(request).readAllBytes()));
                if (path.equals("/moved")) {
                    response.setStatus(302);
                    response.getHeaders().put(HttpHeader.LOCATION, "https://" + TestTls.HOST + ":" + port + "/v1/tlsrpt");
                } else {
                    response.setStatus(path.equals("/v1/tlsrpt") ? 200 : 404);
                }
                callback.succeeded();
                return true;
            }
        });
        server.start();
        port = connector.getLocalPort();
        poster = new ReportPoster(Resolver.create(List.of(dns.address()), Duration.ofSeconds(2), Clock.systemUTC()),
                TestTls.get().trustingClient(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() throws Exception {
        poster.close();
        server.stop();
        dns.close();
    }

    static TlsReport report() {
        return new TlsReport("mx.sluice.test", "mailto:postmaster@mx.sluice.test", "r1@mx.sluice.test",
                new DayCounts(LocalDate.parse("2026-12-06"), "example.test", List.of(new DayCounts.Policy("sts",
                        TlsReportTest.STS, "", 12, 1, List.of(new DayCounts.Failure(ResultType.CERTIFICATE_EXPIRED,
                        "192.0.2.1", "198.51.100.7", "mx1.example.test", null, 1))))));
    }

    @Test
    void aReportArrivesGzippedWithTheTlsrptContentType() throws Exception {
        TlsReport report = report();
        poster.post(URI.create("https://" + TestTls.HOST + ":" + port + "/v1/tlsrpt"), report.gzip());
        assertThat(arrivals).hasSize(1);
        Arrival a = arrivals.getFirst();
        assertThat(a.contentType()).isEqualTo("application/tlsrpt+gzip");
        byte[] json = TlsReportTest.gunzip(a.body());
        assertThat(new ObjectMapper().readTree(json)).isEqualTo(new ObjectMapper().readTree(report.json()));
        TlsReportTest.assertRfc8460Schema(json);
        assertThat(dns.queries(TestTls.HOST)).isPositive(); // the name went through Sluice's resolver
    }

    @Test
    void aRedirectIsNotFollowed() {
        assertThatThrownBy(() -> poster.post(URI.create("https://" + TestTls.HOST + ":" + port + "/moved"), report().gzip()))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 302");
        assertThat(arrivals).extracting(Arrival::path).containsExactly("/moved");
    }

    @Test
    void anErrorAnswerIsAFailure() {
        assertThatThrownBy(() -> poster.post(URI.create("https://" + TestTls.HOST + ":" + port + "/nowhere"), report().gzip()))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 404");
    }

    @Test
    void aCertificateForAnotherNameIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> poster.post(URI.create("https://other.test:" + port + "/v1/tlsrpt"), report().gzip()))
                .isInstanceOf(IOException.class);
        assertThat(arrivals).isEmpty();
    }

    @Test
    void aNameThatDoesNotResolveSaysSo() {
        assertThatThrownBy(() -> poster.post(URI.create("https://missing.test:" + port + "/v1/tlsrpt"), report().gzip()))
                .isInstanceOf(IOException.class).hasMessageContaining("missing.test");
        assertThat(arrivals).isEmpty();
    }
}
