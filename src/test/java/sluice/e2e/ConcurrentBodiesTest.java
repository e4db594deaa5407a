package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sluice.testkit.Dialog;
import sluice.testkit.SluiceHarness;

/**
 * Many sessions at once, one to three messages a connection, bodies from 200 bytes to 1.2 MiB in random order: every
 * stored message is exactly the trace headers and the body its own client sent. Sessions share their finished
 * body arrays (smtp.BodyArrays), so a short message after a long one, or an array given back while still in use,
 * would show here as another message's bytes.
 */
class ConcurrentBodiesTest {
    private static final int[] SIZES = {200, 5_000, 9_000, 20_000, 150_000, 1_200_000};
    private static final int CLIENTS = 12;
    private static final int EACH = 15;

    private static String body(Random random, String marker, int size) {
        StringBuilder b = new StringBuilder(size + 100).append("Subject: ").append(marker).append("\n\n");
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        while (b.length() < size) {
            b.append(marker).append(' ');
            for (int i = 0; i < 60; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            b.append('\n');
        }
        return b.substring(0, b.length() - 1); // the end of data ends the last line
    }

    @Test
    void everyStoredMessageIsTheOneItsClientSent() throws Exception {
        try (SluiceHarness sluice = SluiceHarness.start();
             ExecutorService clients = Executors.newFixedThreadPool(CLIENTS)) {
            Map<String, String> sent = new ConcurrentHashMap<>(); // queue id -> body as sent, CRLF
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    Random random = new Random(client);
                    int m = 0;
                    while (m < EACH) {
                        try (Dialog d = new Dialog(sluice.mx)) { // one to three messages a connection
                            d.expect();
                            d.ask("EHLO client.test");
                            for (int k = 1 + random.nextInt(3); k > 0 && m < EACH; k--, m++) {
                                String body = body(random, "c" + client + "m" + m, SIZES[random.nextInt(SIZES.length)]);
                                assertThat(d.ask("MAIL FROM:<load@far.test>")).startsWith("250");
                                assertThat(d.ask("RCPT TO:<bob@example.test>")).startsWith("250");
                                assertThat(d.ask("DATA")).startsWith("354");
                                String r = d.ask(body.replace("\n", "\r\n") + "\r\n.");
                                assertThat(r).startsWith("250");
                                sent.put(r.substring(r.lastIndexOf(' ') + 1), body.replace("\n", "\r\n") + "\r\n");
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            assertThat(sent).hasSize(CLIENTS * EACH);
            for (Map.Entry<String, String> e : sent.entrySet()) {
                byte[] stored = sluice.spool().readData(e.getKey()).orElseThrow();
                String text = new String(stored, StandardCharsets.ISO_8859_1);
                String headers = text.substring(0, Math.max(0, text.length() - e.getValue().length()));
                assertThat(text).as("message %s", e.getKey()).endsWith(e.getValue());
                assertThat(headers).as("message %s: only trace headers before the body", e.getKey())
                        .startsWith("Received: ").doesNotContain("Subject:");
            }
        }
    }
}
