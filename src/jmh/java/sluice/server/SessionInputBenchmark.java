package sluice.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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
import sluice.smtp.DotDecoder;
import sluice.smtp.MessageBuffer;
import sluice.smtp.PoolHeader;

/**
 * What a message's bytes go through from the connection's input to the spool, without the socket and the disk:
 * SessionInput's reads into the dot decoder (a fresh SessionInput per message, as a connection per message under
 * bench/accept), then SpoolSink's join of the trace headers and the body and its X-Sluice-Pool strip.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xmx1g"})
@State(Scope.Thread)
public class SessionInputBenchmark {
    @Param({"4096", "102400"})
    int size;
    @Param({"false", "true"})
    boolean dotLines;

    byte[] wire;
    byte[] trace;
    MessageBuffer buffer;
    DotDecoder decoder;

    @Setup
    public void make() throws IOException {
        byte[] message = SampleMessage.message(size, dotLines);
        wire = SampleMessage.wire(message);
        trace = ("Received: from client.far.test ([192.0.2.10])\r\n\tby bench.sluice.test (Sluice) with ESMTP id "
                + "4XyZ\r\n\tfor <bob@example.test>; Mon, 07 Dec 2026 06:00:00 +0000\r\n").getBytes();
        buffer = new MessageBuffer(64L << 20);
        decoder = new DotDecoder(buffer);
        if (read() != message.length) throw new IllegalStateException("the sample did not decode to itself");
    }

    @Benchmark
    public int read() throws IOException {
        decoder.reset();
        SessionInput in = new SessionInput(new ByteArrayInputStream(wire));
        resetBuffer();
        if (!in.readData(decoder)) throw new IllegalStateException("EOF");
        return buffer.length();
    }

    /** SpoolSink.commit's copies before the queue: headers + body into one array, then the pool-header strip. */
    @Benchmark
    public byte[] spoolCopy() {
        byte[] data = new byte[trace.length + buffer.length()];
        System.arraycopy(trace, 0, data, 0, trace.length);
        System.arraycopy(buffer.array(), 0, data, trace.length, buffer.length());
        return PoolHeader.strip(data).message();
    }

    private void resetBuffer() {
        sluice.smtp.BenchAccess.reset(buffer); // as Session does at DATA
    }
}
