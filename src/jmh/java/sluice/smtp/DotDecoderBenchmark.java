package sluice.smtp;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import sluice.jmh.SampleMessage;

/**
 * The DATA reader without the socket: the dot decoder fed in the 32 KiB reads the session's input buffer makes, and
 * the scans commit() makes of the received body (Message-ID and Date, the originator fields).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xmx1g"})
@State(Scope.Thread)
public class DotDecoderBenchmark {
    private static final int READ = 32 * 1024;

    @Param({"4096", "102400"})
    int size;
    /** With every 8th line starting with a dot (stuffed on the wire). */
    @Param({"false", "true"})
    boolean dotLines;

    byte[] wire;
    MessageBuffer buffer;
    DotDecoder decoder;
    DotDecoderBaseline baseline;

    @Setup
    public void make() {
        byte[] message = SampleMessage.message(size, dotLines);
        wire = SampleMessage.wire(message);
        buffer = new MessageBuffer(64L << 20);
        decoder = new DotDecoder(buffer);
        baseline = new DotDecoderBaseline(buffer);
        decodeBaseline();
        if (buffer.length() != message.length) throw new IllegalStateException("the baseline did not decode the sample");
        decode();
        if (!decoder.done() || buffer.length() != message.length || decoder.bareNewline() || decoder.lineTooLong()) {
            throw new IllegalStateException("the sample did not decode to itself");
        }
    }

    @Benchmark
    public int decode() {
        buffer.reset();
        decoder.reset();
        for (int off = 0; off < wire.length && !decoder.done(); off += READ) {
            decoder.feed(wire, off, Math.min(READ, wire.length - off));
        }
        return buffer.length();
    }

    /** The same with the decoder as it was before its 8-byte scan, for a comparison within one run. */
    @Benchmark
    public int decodeBaseline() {
        buffer.reset();
        baseline.reset();
        for (int off = 0; off < wire.length && !baseline.done(); off += READ) {
            baseline.feed(wire, off, Math.min(READ, wire.length - off));
        }
        return buffer.length();
    }

    @Benchmark
    public Object commitScans() {
        TraceHeaders.Found found = TraceHeaders.scan(buffer.array(), buffer.length());
        Originators originators = Originators.parse(buffer.array(), buffer.length());
        return found.hasMessageId() ? originators : found;
    }
}
