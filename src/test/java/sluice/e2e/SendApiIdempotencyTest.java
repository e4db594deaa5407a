package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import sluice.auth.UserStore;
import sluice.testkit.SluiceHarness;

/** Idempotency-Key on POST /api/v1/messages through a real node, across a restart, and under concurrent retries. */
class SendApiIdempotencyTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String JSON_BODY = "{\"from\":\"alice@example.test\",\"to\":\"bob@remote.test\",\"subject\":\"once\",\"text\":\"x\"}";
    private static final String RAW_BODY = "From: alice@example.test\r\nTo: carol@remote.test\r\nSubject: raw once\r\n\r\nrow 17\r\n";
    private static final String BATCH_BODY = """
            {"from": "alice@example.test", "subject": "hi {{n}}", "text": "x",
             "recipients": [{"to": "a@remote.test", "variables": {"n": "1"}}, {"to": "b@remote.test", "variables": {"n": "2"}}]}
            """;

    private static HttpResponse<String> post(SluiceHarness s, String apiKey, String type, String body, String idempotencyKey)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + s.config().admin().address() + "/api/v1/messages"))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) b.header("Idempotency-Key", idempotencyKey);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRetryGetsTheFirstAnswerAndQueuesNothingEvenAfterARestart() throws Exception {
        List<HttpResponse<String>> first = new ArrayList<>();
        SluiceHarness s = SluiceHarness.start();
        try {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            first.add(post(s, key, "application/json", JSON_BODY, "order-1"));
            first.add(post(s, key, "message/rfc822", RAW_BODY, "csv-row-17"));
            first.add(post(s, key, "application/json", BATCH_BODY, "campaign-1"));
            assertThat(first).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(202));
            assertThat(s.queue()).hasSize(4);
            HttpResponse<String> again = post(s, key, "application/json", JSON_BODY, "order-1");
            assertThat(again.statusCode()).isEqualTo(202);
            assertThat(again.body()).isEqualTo(first.get(0).body());
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
            HttpResponse<String> changed = post(s, key, "application/json", JSON_BODY.replace("once", "twice"), "order-1");
            assertThat(changed.statusCode()).as(changed.body()).isEqualTo(422);
            assertThat(changed.body()).contains("different request");
            // a raw body with other ?to is another request
            assertThat(post(s, key, "message/rfc822", RAW_BODY, "csv-row-17").body()).isEqualTo(first.get(1).body());
            assertThat(s.queue()).hasSize(4);
            // without a key nothing is remembered
            assertThat(post(s, key, "application/json", JSON_BODY, null).statusCode()).isEqualTo(202);
            assertThat(s.queue()).hasSize(5);
        } finally {
            s.close();
        }
        try (SluiceHarness again = SluiceHarness.startIn(s.dir, "[]", "")) {
            String key = UserStore.open(again.dataDir()).createApiKey(SluiceHarness.USER);
            assertThat(again.queue()).hasSize(5);
            HttpResponse<String> json = post(again, key, "application/json", JSON_BODY, "order-1");
            HttpResponse<String> raw = post(again, key, "message/rfc822", RAW_BODY, "csv-row-17");
            HttpResponse<String> batch = post(again, key, "application/json", BATCH_BODY, "campaign-1");
            assertThat(List.of(json, raw, batch)).extracting(HttpResponse::statusCode).containsOnly(202);
            assertThat(List.of(json.body(), raw.body(), batch.body()))
                    .containsExactly(first.get(0).body(), first.get(1).body(), first.get(2).body());
            assertThat(again.queue()).hasSize(5);
            assertThat(post(again, key, "application/json", JSON_BODY, "order-2").statusCode()).isEqualTo(202);
            assertThat(again.queue()).hasSize(6);
        }
    }

    @Test
    void concurrentRetriesWithOneKeyQueueOneMessage() throws Exception {
        try (SluiceHarness s = SluiceHarness.start()) {
            String key = UserStore.open(s.dataDir()).createApiKey(SluiceHarness.USER);
            // a larger body keeps the first request busy long enough for the others to meet it
            String body = JSON_BODY.replace("\"x\"", "\"" + "lorem ipsum ".repeat(100_000) + "\"");
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return post(s, key, "application/json", body, "same-key");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            List<HttpResponse<String>> answers = all.stream().map(CompletableFuture::join).toList();
            assertThat(answers).as(answers.stream().map(r -> r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length()))).toList().toString()).extracting(HttpResponse::statusCode).containsAnyOf(202).allMatch(c -> c == 202 || c == 409);
            assertThat(answers.stream().filter(r -> r.statusCode() == 202).map(HttpResponse::body).distinct()).hasSize(1);
            assertThat(s.queue()).hasSize(1);
        }
    }
}
