package sluice.transit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.eclipse.jetty.client.CompletableResponseListener;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import sluice.dns.AddressAnswer;
import sluice.dns.Resolver;

/**
 * Fetches policy files over HTTPS (RFC 8461 3.3): from {@code mta-sts.DOMAIN} on the configured port, its name resolved
 * through Sluice's resolver, its certificate checked for that name against the JDK's CAs and {@code ca_file}, TLS 1.2
 * or later, no redirects, 200 and {@code text/plain} only, at most 64 KiB read.
 *
 * <p>Jetty's client rather than the JDK's: the JDK's HttpClient resolves names only through InetAddress (the system
 * resolver), Jetty's takes a {@link SocketAddressResolver}.
 */
final class PolicyHost implements AutoCloseable {
    /** RFC 8461 3.3 suggests a limit on policy size; 64 KiB is what common implementations accept. */
    static final int MAX_BODY = 64 * 1024;
    /** Connecting to the policy host (each address). */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The whole fetch: resolution, connection, handshake, request and body. */
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(10);

    sealed interface Fetched {}

    record Body(String text) implements Fetched {}

    record Failure(ResultType type, String detail) implements Fetched {}

    private final HttpClient client;
    private final int port;
    private final Duration fetchTimeout;

    PolicyHost(Resolver resolver, SSLContext trust, int port, Duration connectTimeout, Duration fetchTimeout) {
        this.port = port;
        this.fetchTimeout = fetchTimeout;
        SslContextFactory.Client tls = new SslContextFactory.Client();
        tls.setSslContext(trust);
        tls.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        tls.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name mta-sts.DOMAIN
        QueuedThreadPool threads = new QueuedThreadPool(8, 1);
        threads.setName("mta-sts-fetch");
        threads.setDaemon(true);
        client = new HttpClient();
        client.setSslContextFactory(tls);
        client.setExecutor(threads);
        client.setSocketAddressResolver(new ThroughResolver(resolver));
        client.setFollowRedirects(false); // RFC 8461 3.3: redirects are not followed
        client.setConnectTimeout(connectTimeout.toMillis());
        client.setIdleTimeout(fetchTimeout.toMillis());
        client.setHttpCookieStore(new HttpCookieStore.Empty());
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Sluice MTA-STS"));
        client.setMaxConnectionsPerDestination(2);
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the MTA-STS HTTP client: " + e.getMessage(), e);
        }
    }

    /** The policy file of {@code domain} (an ASCII host name), or why it could not be had. Blocks up to the fetch timeout. */
    Fetched fetch(String domain) {
        String host = "mta-sts." + domain;
        String url = "https://" + host + (port == 443 ? "" : ":" + port) + "/.well-known/mta-sts.txt";
        AtomicLong received = new AtomicLong();
        try {
            var request = client.newRequest(url)
                    .timeout(fetchTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .followRedirects(false)
                    // fetches are hours apart: no pooled connection, and each fetch resolves the name anew
                    .headers(h -> h.put(HttpHeader.CONNECTION, "close"))
                    .onResponseHeaders(response -> {
                        if (response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > MAX_BODY) {
                            response.abort(new TooLarge());
                        }
                    })
                    .onResponseContent((response, chunk) -> {
                        if (received.addAndGet(chunk.remaining()) > MAX_BODY) response.abort(new TooLarge());
                    });
            // the listener's own limit is only a backstop: the checks above stop first and say why
            ContentResponse response = new CompletableResponseListener(request, 4 * MAX_BODY).send()
                    .get(fetchTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return answer(url, response);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": interrupted");
        } catch (TimeoutException e) {
            return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": no answer within " + fetchTimeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            return failure(url, e.getCause(), received.get());
        } catch (RuntimeException e) {
            return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": " + e); // e.g. a URL Jetty refuses
        }
    }

    private static Fetched answer(String url, ContentResponse response) {
        int status = response.getStatus();
        if (status >= 300 && status < 400) {
            return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": HTTP " + status
                    + " redirect (RFC 8461 3.3: redirects are not followed)");
        }
        if (status != 200) return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": HTTP " + status);
        String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("text/plain")) {
            return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": Content-Type "
                    + (type == null ? "missing" : "'" + type + "'") + ", not text/plain");
        }
        byte[] body = response.getContent();
        if (body.length > MAX_BODY) return tooLarge(url);
        return new Body(new String(body, StandardCharsets.UTF_8));
    }

    private static Failure failure(String url, Throwable cause, long received) {
        if (received > MAX_BODY) return tooLarge(url);
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) return tooLarge(url);
            if (t instanceof CertificateException) {
                return new Failure(ResultType.STS_WEBPKI_INVALID, url + ": certificate refused: " + t.getMessage());
            }
            if (t instanceof UnknownHostException) return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": " + t.getMessage());
            if (t instanceof TimeoutException) {
                return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": timed out (" + t.getMessage() + ")");
            }
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": TLS: " + t.getMessage());
        }
        return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": " + cause);
    }

    private static Failure tooLarge(String url) {
        return new Failure(ResultType.STS_POLICY_FETCH_ERROR, url + ": policy larger than " + MAX_BODY + " bytes");
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping the MTA-STS HTTP client: " + e.getMessage(), e);
        }
    }

    /** A body over the limit: the fetch stops reading. */
    private static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("policy body over " + MAX_BODY + " bytes", null, false, false);
        }
    }

    /** Host names through Sluice's resolver (and its dns_servers), never InetAddress name lookups. */
    private record ThroughResolver(Resolver resolver) implements SocketAddressResolver {
        @Override
        public void resolve(String host, int port, Map<String, Object> context, Promise<List<InetSocketAddress>> promise) {
            Thread.ofVirtual().name("mta-sts-resolve").start(() -> {
                switch (resolver.addresses(host)) {
                    case AddressAnswer.Addresses a -> promise.succeeded(a.list().stream()
                            .map(address -> named(host, address, port)).toList());
                    case AddressAnswer.NoAddresses n -> promise.failed(new UnknownHostException(host + ": no address records"));
                    case AddressAnswer.NoSuchDomain n -> promise.failed(new UnknownHostException(host + ": " + n.detail()));
                    case AddressAnswer.TempFail f -> promise.failed(new UnknownHostException(host + ": DNS: " + f.detail()));
                }
            });
        }

        /**
         * The address carrying the host name (no lookup is made): Jetty takes the TLS peer host, and so SNI and the
         * certificate name check, from {@link InetSocketAddress#getHostString()}; a bare address would check the IP.
         */
        private static InetSocketAddress named(String host, InetAddress address, int port) {
            try {
                return new InetSocketAddress(InetAddress.getByAddress(host, address.getAddress()), port);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen: the length is 4 or 16
            }
        }
    }
}
