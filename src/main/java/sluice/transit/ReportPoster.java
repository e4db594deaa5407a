package sluice.transit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import sluice.config.IpLiterals;
import sluice.dns.AddressAnswer;
import sluice.dns.Resolver;

/**
 * Sends TLS reports to {@code https:} rua URLs by POST (RFC 8460 5.2) with Jetty's client, whose host names resolve
 * through Sluice's own resolver (the JDK's HttpClient can only ask InetAddress, which Sluice never uses). Redirects
 * are not followed; the certificate must be valid for the URL's host under the JDK's CAs and {@code ca_file}'s.
 */
public final class ReportPoster implements AutoCloseable {
    private final HttpClient client;
    private final Duration timeout;

    /** @param context the TLS trust (see {@link TrustStores#pkix}) */
    public ReportPoster(Resolver resolver, SSLContext context, Duration timeout) throws IOException {
        this.timeout = timeout;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(context);
        tls.setEndpointIdentificationAlgorithm("HTTPS");
        ClientConnector connector = new ClientConnector();
        connector.setSslContextFactory(tls);
        connector.setConnectTimeout(timeout);
        client = new HttpClient(new HttpClientTransportOverHTTP(connector));
        client.setFollowRedirects(false);
        client.setSocketAddressResolver(new Addresses(resolver));
        client.setUserAgentField(null);
        try {
            client.start();
        } catch (Exception e) {
            throw new IOException("https client: " + e.getMessage(), e);
        }
    }

    /**
     * POSTs one report.
     *
     * @throws IOException with the reason in words when it was not taken (not a 2xx answer, TLS, DNS, timeout)
     */
    public void post(URI url, byte[] gzip) throws IOException {
        try {
            ContentResponse r = client.POST(url)
                    .body(new BytesRequestContent(TlsReport.MEDIA_TYPE, gzip))
                    .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .send();
            if (r.getStatus() / 100 != 2) throw new IOException(url + " answered HTTP " + r.getStatus());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException(url + ": no answer within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new IOException(url + ": " + c.getMessage(), c);
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception ignored) {
            // stopping: nothing left to do with it
        }
    }

    /**
     * The addresses carrying the host name: Jetty gives the TLS engine the socket address's host string as the peer
     * (SNI and the certificate's name check), so an address without its name would be checked as an IP literal.
     * {@code InetAddress.getByAddress(host, bytes)} does no lookup.
     */
    private static List<InetSocketAddress> named(String host, List<InetAddress> ips, int port) {
        return ips.stream().map(ip -> {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(host, ip.getAddress()), port);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e); // only for a byte array of the wrong length
            }
        }).toList();
    }

    /** Host names through Sluice's resolver, on a virtual thread (its lookups block, bounded by their timeout). */
    private record Addresses(Resolver resolver) implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
            InetAddress literal = IpLiterals.toAddress(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
            if (literal != null) {
                promise.succeeded(List.of(new InetSocketAddress(literal, port)));
                return;
            }
            Thread.ofVirtual().name("tlsrpt-resolve").start(() -> {
                switch (resolver.addresses(host)) {
                    case AddressAnswer.Addresses a -> promise.succeeded(named(host, a.list(), port));
                    case AddressAnswer.NoSuchDomain n -> promise.failed(new IOException(host + ": " + n.detail()));
                    case AddressAnswer.NoAddresses n -> promise.failed(new IOException(host + ": no A or AAAA record"));
                    case AddressAnswer.TempFail t -> promise.failed(new IOException(host + ": DNS: " + t.detail()));
                }
            });
        }
    }
}
