package sluice.mailauth;

import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
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
import sluice.dns.TxtAnswer;
import sluice.jmh.SampleMessage;

/**
 * DKIM's costs one by one (issue 15): the relaxed body hash, the signed header block, a signature with each key type
 * and with both (as senders publish both), and a verification of a message carrying both signatures. Key records come
 * from a map, so no DNS is timed.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xmx1g"})
public class DkimBenchmark {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T06:00:00Z"), ZoneOffset.UTC);

    /** The keys of far.test, made once per fork: RSA-2048 generation takes a moment. */
    @State(Scope.Benchmark)
    public static class Keys {
        DkimSigner ed25519;
        DkimSigner rsa;
        DkimSigner both;
        DkimVerifier verifier;

        @Setup
        public void make() {
            KeyPair ed = DkimKeys.generate("ed25519");
            KeyPair rs = DkimKeys.generate("rsa2048");
            DkimSigner.SigningKey edKey = new DkimSigner.SigningKey("far.test", "ed", ed.getPrivate());
            DkimSigner.SigningKey rsaKey = new DkimSigner.SigningKey("far.test", "rsa", rs.getPrivate());
            ed25519 = new DkimSigner(List.of(edKey), CLOCK, RsaEngine.NATIVE);
            rsa = new DkimSigner(List.of(rsaKey), CLOCK, RsaEngine.NATIVE); // as the server signs
            both = new DkimSigner(List.of(edKey, rsaKey), CLOCK, RsaEngine.NATIVE);
            Map<String, String> records = Map.of(
                    "ed._domainkey.far.test", DkimKeys.txtRecord(ed.getPublic()),
                    "rsa._domainkey.far.test", DkimKeys.txtRecord(rs.getPublic()));
            verifier = new DkimVerifier(name -> {
                String r = records.get(name.toLowerCase(java.util.Locale.ROOT).replaceAll("\\.$", ""));
                return r == null ? new TxtAnswer.NoSuchDomain("NXDOMAIN") : new TxtAnswer.Records(List.of(r));
            }, CLOCK);
        }
    }

    /** One message of {@code size} bytes, and the same signed with both keys. */
    @State(Scope.Benchmark)
    public static class Mail {
        @Param({"4096", "102400"})
        int size;
        byte[] message;
        byte[] body;
        byte[] signed;

        @Setup
        public void make(Keys keys) {
            message = SampleMessage.message(size, false);
            body = Message.parse(message).body();
            signed = keys.both.sign(message, "far.test");
            List<DkimResult> results = keys.verifier.verify(signed);
            if (results.size() != 2 || results.stream().anyMatch(r -> r.result() != DkimResult.Result.PASS)) {
                throw new IllegalStateException("the benchmark's own signatures do not verify: " + results);
            }
        }
    }

    /** The header section of the sample, parsed, with the list of fields the signer signs. */
    @State(Scope.Benchmark)
    public static class Headers {
        List<HeaderField> fields;
        List<String> names;

        @Setup
        public void make() {
            Message m = Message.parse(SampleMessage.message(4096, false));
            fields = m.headers();
            names = DkimSigner.headerList(m);
        }
    }

    @Benchmark
    public byte[] bodyHashRelaxed(Mail mail) {
        return Canonicalization.RELAXED.bodyHash(mail.body);
    }

    @Benchmark
    public byte[] headersRelaxed(Headers h) {
        return Canonicalization.RELAXED.signedHeaders(h.fields, h.names);
    }

    @Benchmark
    public byte[] signEd25519(Keys keys, Mail mail) {
        return keys.ed25519.sign(mail.message, "far.test");
    }

    @Benchmark
    public byte[] signRsa2048(Keys keys, Mail mail) {
        return keys.rsa.sign(mail.message, "far.test");
    }

    @Benchmark
    public byte[] signBoth(Keys keys, Mail mail) {
        return keys.both.sign(mail.message, "far.test");
    }

    @Benchmark
    public List<DkimResult> verifyBoth(Keys keys, Mail mail) {
        return keys.verifier.verify(mail.signed);
    }
}
