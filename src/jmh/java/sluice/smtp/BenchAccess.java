package sluice.smtp;

/** Reaches package-private steps of the session for benchmarks in other packages. */
public final class BenchAccess {
    private BenchAccess() {}

    public static void reset(MessageBuffer buffer) {
        buffer.reset();
    }
}
