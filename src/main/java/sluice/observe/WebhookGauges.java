package sluice.observe;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/** The webhook metrics, per endpoint (names come from the config: bounded), read from the senders when scraped. */
final class WebhookGauges {
    private WebhookGauges() {}

    static void register(PrometheusRegistry registry, Supplier<List<Webhooks.Status>> status, Supplier<Instant> now) {
        // One reading of the endpoints serves the four metrics of a scrape.
        Supplier<List<Webhooks.Status>> once = new ShapingGauges.Memo<>(status, 500_000_000L);
        GaugeWithCallback.builder().name("sluice_webhook_events_waiting")
                .help("Webhook events stored and not yet delivered to the endpoint (retries included).")
                .labelNames("endpoint")
                .callback(cb -> once.get().forEach(s -> cb.call(s.waiting(), s.name())))
                .register(registry);
        GaugeWithCallback.builder().name("sluice_webhook_oldest_waiting_seconds")
                .help("Age of the oldest webhook event waiting for the endpoint; 0 when none waits.")
                .labelNames("endpoint")
                .callback(cb -> once.get().forEach(s -> cb.call(s.oldestWaiting() == null ? 0
                        : Math.max(0, Duration.between(s.oldestWaiting(), now.get()).toMillis() / 1000.0), s.name())))
                .register(registry);
        GaugeWithCallback.builder().name("sluice_webhook_disabled")
                .help("1 while the endpoint is disabled (it answered 410 Gone), else 0.")
                .labelNames("endpoint")
                .callback(cb -> once.get().forEach(s -> cb.call(s.disabled() ? 1 : 0, s.name())))
                .register(registry);
        CounterWithCallback.builder().name("sluice_webhook_deliveries_total")
                .help("Webhook attempts by result: success (2xx), failure (any other answer, a timeout or no"
                        + " connection; retried), dropped (given up after give_up_after: logged as an error).")
                .labelNames("endpoint", "result")
                .callback(cb -> once.get().forEach(s -> {
                    cb.call(s.delivered(), s.name(), "success");
                    cb.call(s.failed(), s.name(), "failure");
                    cb.call(s.dropped(), s.name(), "dropped");
                }))
                .register(registry);
    }
}
