package sluice.node;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import sluice.config.Config;
import sluice.dns.Resolver;
import sluice.mailauth.MailAuthenticator;
import sluice.queue.Ingest;
import sluice.spool.Envelope;
import sluice.spool.Recipient;
import sluice.spool.Spool;
import sluice.transit.ReportPoster;
import sluice.transit.TlsReportBook;
import sluice.transit.TlsReporter;
import sluice.transit.TrustStores;

/** The TLS reports' parts wired to the node's: counts kept in the spool, reports sent through the queue and HTTPS. */
final class TlsReports {
    private TlsReports() {}

    /** The book delivery counts into, kept in the spool's state family; null when {@code tls_reports = false}. */
    static TlsReportBook book(Config config, Spool spool, Clock clock) throws IOException {
        if (!config.delivery().transit().tlsReports()) return null;
        return TlsReportBook.open(new TlsReportBook.Store() {
            public Map<String, byte[]> read(String prefix) throws IOException {
                return spool.state().read(prefix);
            }

            public void write(Map<String, byte[]> entries) throws IOException {
                spool.state().putAll(entries);
            }

            public void remove(java.util.Collection<String> keys) throws IOException {
                spool.state().removeAll(keys);
            }
        }, clock, TlsReportBook.Limits.defaults());
    }

    /** A started reporter and what stops it (its thread, then its HTTPS client). */
    record Running(TlsReporter reporter, AutoCloseable stop) {}

    static Running start(Config config, TlsReportBook book, Resolver resolver, Ingest ingest,
                               MailAuthenticator auth, Clock clock) throws IOException {
        ReportPoster poster = new ReportPoster(resolver, TrustStores.pkix(config.delivery().transit().caFile()),
                Duration.ofSeconds(30));
        String hostname = config.hostname();
        TlsReporter reporter = new TlsReporter(book, resolver::txt, (to, messageId, message) -> {
            byte[] data = sign(auth, message, hostname);
            String id = ingest.newId();
            ingest.accept(id, new Envelope("", List.of(Recipient.pending(to, null, "NEVER")), clock.instant(),
                    data.length, Map.of("message_id", messageId, "mode", "tlsrpt")), data);
        }, poster::post, TlsReporter.Settings.defaults(hostname), clock, RandomGenerator.getDefault()).start();
        return new Running(reporter, () -> {
            reporter.close();
            poster.close();
        });
    }

    /** Signed for the host name's domain or the nearest parent a DKIM key is configured for, as other local mail. */
    private static byte[] sign(MailAuthenticator auth, byte[] message, String hostname) {
        String d = hostname;
        while (d.indexOf('.') > 0) {
            byte[] signed = auth.signOutbound(message, d);
            if (signed != message) return signed;
            d = d.substring(d.indexOf('.') + 1);
        }
        return message;
    }
}
