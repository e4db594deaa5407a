package sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import sluice.config.WebhookConfig;

class WebhookRetriesTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private final WebhookRetries retries = new WebhookRetries(WebhookConfig.STANDARD_SCHEDULE, RandomGenerator.of("L64X128MixRandom"));

    @Test
    void followsTheStandardWebhooksScheduleWithinTwentyPercentJitter() {
        long[] seconds = {5, 300, 1800, 7200, 18000, 36000, 36000, 36000};
        for (int failures = 1; failures <= seconds.length; failures++) {
            for (int i = 0; i < 50; i++) {
                long ms = retries.after(failures, Optional.empty()).toMillis();
                assertThat(ms).as("after failure %d", failures)
                        .isBetween(Math.round(seconds[failures - 1] * 800.0), Math.round(seconds[failures - 1] * 1200.0));
            }
        }
    }

    @Test
    void theJitterSpreadsRetries() {
        assertThat(java.util.stream.IntStream.range(0, 20).mapToObj(i -> retries.after(3, Optional.empty())).distinct().count())
                .isGreaterThan(10);
    }

    @Test
    void theDefaultScheduleAndGiveUpSpanAtLeastADay() {
        Duration sum = WebhookConfig.STANDARD_SCHEDULE.stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(sum).isGreaterThanOrEqualTo(Duration.ofHours(24));
        assertThat(WebhookConfig.STANDARD_SCHEDULE).hasSize(7); // eight attempts: the first at once
    }

    @Test
    void retryAfterInSeconds() {
        assertThat(WebhookRetries.retryAfter("120", NOW)).contains(Duration.ofSeconds(120));
        assertThat(retries.after(1, WebhookRetries.retryAfter("120", NOW))).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atZone(ZoneOffset.UTC));
        assertThat(WebhookRetries.retryAfter(date, NOW)).contains(Duration.ofSeconds(90));
        assertThat(WebhookRetries.retryAfter("Sun, 06 Dec 2026 11:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void retryAfterIsCappedAndFloored() {
        assertThat(retries.after(1, WebhookRetries.retryAfter("86400", NOW))).isEqualTo(WebhookRetries.MAX_RETRY_AFTER);
        assertThat(retries.after(1, WebhookRetries.retryAfter("99999999999999", NOW))).isEqualTo(WebhookRetries.MAX_RETRY_AFTER);
        assertThat(retries.after(1, WebhookRetries.retryAfter("0", NOW))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anUnreadableRetryAfterLeavesTheSchedule() {
        assertThat(WebhookRetries.retryAfter("soon", NOW)).isEmpty();
        assertThat(WebhookRetries.retryAfter("-5", NOW)).isEmpty();
        assertThat(WebhookRetries.retryAfter(null, NOW)).isEmpty();
        assertThat(WebhookRetries.retryAfter("  ", NOW)).isEmpty();
    }
}
