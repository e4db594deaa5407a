package sluice.transit;

/** Where delivery tells each attempt's TLS result; must not block (counts in memory, written out in the background). */
@FunctionalInterface
public interface TlsReportSink {
    void record(TlsAttempt attempt);

    static TlsReportSink none() {
        return attempt -> {};
    }
}
