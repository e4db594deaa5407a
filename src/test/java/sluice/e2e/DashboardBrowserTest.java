package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import sluice.testkit.FakeSmtpServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TestDnsServer;
import sluice.testkit.TempDirs;

/**
 * The admin dashboard in headless Chromium against a real node with real traffic: delivered, bounced and deferred
 * mail. What the page shows must be what {@code /api/v1/stats} says; queue buttons must act through the API; text
 * from the API (a recipient full of HTML) must be shown as text.
 */
class DashboardBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "screenshots");
    private static final String XSS = "\"<img/src=x/onerror=alert(1)>\"@far.test"; // no space: see OutboundMessage

    private TestDnsServer dns;
    private FakeSmtpServer mx;
    private SluiceHarness s;
    private WebDriver driver;
    private Path profile;
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;
    private String token;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "chromium and chromium-driver (Debian) are installed by .ci/run");
        dns = TestDnsServer.start();
        mx = FakeSmtpServer.start(b -> b.ehlo("PIPELINING", "ENHANCEDSTATUSCODES")
                .rcptReply("nobody@far.test", 550, "5.1.1 No such user here")
                .rcptReply("slowdown@busy.test", 421, "4.7.28 Our system has detected an unusual rate of mail"));
        // Every MX shares mx_port, so slow.test's MX sits on another loopback address where nothing listens.
        dns.mx("far.test", 10, "mx1.far.test").a("mx1.far.test", "127.0.0.1")
                .mx("slow.test", 10, "mx1.slow.test").a("mx1.slow.test", "127.0.0.5")
                .mx("busy.test", 10, "mx1.far.test");
        s = SluiceHarness.start("[\"127.0.0.0/8\"]", """
                [delivery]
                mx_port = %d
                dns_servers = ["%s"]
                connect_timeout = "2s"
                reply_timeout = "2s"
                retry_schedule = ["1h"]

                [[shaping]]
                match = "busy.test"
                group = "busy"
                max_connections = 4
                max_message_rate = "20/s"
                """.formatted(mx.port(), dns.address()));
        base = "http://" + s.config().admin().address();
        token = Files.readString(s.config().admin().tokenFile()).strip();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (s != null) s.close();
            if (mx != null) mx.close();
            if (dns != null) dns.close();
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void theDashboardShowsTheApiNumbersAndActsOnTheQueue() throws Exception {
        try {
            exercise();
        } catch (Throwable t) {
            if (driver != null) {
                shot("failure");
                t.addSuppressed(new AssertionError("page status: " + driver.findElement(By.id("conn-status")).getText()
                        + " | queue message: " + driver.findElement(By.id("queue-message")).getText()
                        + " | browser log: " + severeBrowserLogs()));
            }
            throw t;
        }
    }

    private void exercise() throws Exception {
        for (int i = 0; i < 3; i++) s.sendMx("alice@example.test", "Subject: ok " + i + "\n\nx\n", "ok@far.test");
        // Enough deliveries in the hour for the bounce-rate alert to be judged ([admin] alert_min_deliveries = 20).
        s.sendMx("alice@example.test", "Subject: many\n\nx\n",
                java.util.stream.IntStream.range(0, 16).mapToObj(i -> "ok" + i + "@far.test").toArray(String[]::new));
        s.sendMx("alice@example.test", "Subject: refused\n\nx\n", "nobody@far.test");
        s.sendMx("alice@example.test", "Subject: markup\n\nx\n", XSS);
        String slow = s.sendMx("alice@example.test", "Subject: slow\n\nx\n", "someone@slow.test");
        JsonNode stats = settle(slow);
        JsonNode hour = stats.path("windows").path("1h");
        assertThat(hour.path("bounced").asLong()).isEqualTo(1);
        assertThat(hour.path("deferred").asLong()).isGreaterThanOrEqualTo(1);

        driver = browser();
        // The page rebuilds a table when its data changes: an element found a moment ago may be gone.
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15), Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        driver.get(base + "/");

        // A wrong token is refused and asked for again; the right one opens the dashboard.
        enterToken(wait, "not-the-token");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("token-error"), "rejected"));
        assertThat(driver.getCurrentUrl()).doesNotContain("not-the-token");
        shot("token");
        enterToken(wait, token);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dashboard")));
        assertThat(driver.getCurrentUrl()).doesNotContain(token);
        driver.manage().logs().get(LogType.BROWSER); // drains the expected 401s of the wrong token

        for (String k : List.of("received", "delivered", "deferred", "bounced", "expired", "rejected")) {
            awaitText(wait, By.cssSelector("#tile-" + k + " .value"), String.format(Locale.ROOT, "%,d", hour.path(k).asLong()));
        }
        String rate = new java.math.BigDecimal(hour.path("bounce_rate").asText()).movePointRight(2)
                .setScale(1, java.math.RoundingMode.HALF_UP).toPlainString() + "%";
        awaitText(wait, By.cssSelector("#tile-bounce-rate .value"), rate);
        assertThat(hour.path("bounce_rate").asDouble()).isGreaterThan(stats.path("bounce_rate_threshold").asDouble());
        assertThat(driver.findElement(By.id("tile-bounce-rate")).getAttribute("data-level")).isEqualTo("over");
        assertThat(driver.findElement(By.id("latency-p50")).getText()).endsWith("ms");

        JsonNode code = first(hour.path("codes"), c -> c.path("code").asText().equals("550 5.1.1"));
        WebElement codeRow = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#codes-table tr[data-code='550 5.1.1']")));
        assertThat(codeRow.getText()).contains(code.path("count").asText()).contains(code.path("text").asText());
        assertThat(code.path("text").asText()).contains("No such user here");
        long invalid = hour.path("bounce_classes").path("invalid_recipient").asLong();
        assertThat(invalid).isPositive();
        assertThat(driver.findElement(By.cssSelector("#classes-table tr[data-class='invalid_recipient']")).getText())
                .isEqualTo("invalid recipient " + invalid);
        assertThat(driver.findElement(By.cssSelector("#listeners-table tr[data-port='" + s.mx + "']")).getText())
                .contains(hour.path("listeners").path(Integer.toString(s.mx)).path("received").asText());
        assertThat(driver.findElements(By.cssSelector("#chart-traffic svg path"))).hasSizeGreaterThanOrEqualTo(4);
        assertThat(driver.findElements(By.cssSelector("#chart-bounce svg line.threshold"))).hasSize(1);
        shot("overview");
        assertThat(driver.findElement(By.id("cluster")).isDisplayed()).as("a single node shows no Cluster panel").isFalse();

        // The 24-hour window shows its own numbers; back to one hour.
        driver.findElement(By.id("window-24h")).click();
        awaitText(wait, By.cssSelector("#tile-delivered .value"),
                String.format(Locale.ROOT, "%,d", stats.path("windows").path("24h").path("delivered").asLong()));
        assertThat(driver.findElement(By.id("window-24h")).getAttribute("aria-pressed")).isEqualTo("true");
        driver.findElement(By.id("window-1h")).click();

        // The deferred message is in the queue; Hold and Release go through the API.
        By row = By.cssSelector("#queue-table tr[data-id='" + slow + "']");
        By rowState = By.cssSelector("#queue-table tr[data-id='" + slow + "'] td.state");
        assertThat(wait.until(ExpectedConditions.visibilityOfElementLocated(row)).getText()).contains("someone@slow.test");
        awaitText(wait, rowState, "scheduled");
        assertThat(driver.findElement(By.cssSelector("#dest-table tr[data-destination='slow.test']")).getText()).contains("1");
        click(wait, slow, "hold");
        awaitText(wait, rowState, "held");
        assertThat(get("/api/v1/queue/" + slow).path("state").asText()).isEqualTo("held");
        assertThat(driver.findElement(By.id("queue-message")).getText()).contains(slow);
        assertThat(button(slow, "hold").isEnabled()).isFalse();
        shot("held");
        click(wait, slow, "release");
        wait.until(d -> !d.findElement(rowState).getText().equals("held"));
        assertThat(get("/api/v1/queue/" + slow).path("state").asText()).isNotEqualTo("held");

        // The feed, searched through ?q=, shows the bounce.
        WebElement search = driver.findElement(By.id("event-search"));
        search.sendKeys("nobody@far.test");
        awaitFeedQuery(wait, "nobody@far.test");
        WebElement bounce = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#event-feed tr[data-event='bounced']")));
        assertThat(bounce.getText()).contains("nobody@far.test").contains("550").contains("5.1.1");
        assertThat(driver.findElements(By.cssSelector("#event-feed tbody tr")))
                .allSatisfy(r -> assertThat(r.getText()).contains("nobody@far.test"));
        shot("search");

        // A recipient made of markup is shown as text, never parsed.
        search.clear();
        search.sendKeys("onerror");
        awaitFeedQuery(wait, "onerror");
        List<WebElement> cells = wait.until(ExpectedConditions.visibilityOfAllElementsLocatedBy(By.cssSelector("#event-feed td.recipient")));
        assertThat(cells).extracting(WebElement::getText).contains(XSS);
        assertThat(driver.findElements(By.tagName("img"))).isEmpty();
        assertNoAlert();

        search.clear();
        search.sendKeys(" ", Keys.BACK_SPACE); // clear() alone fires no input event
        awaitFeedQuery(wait, "");
        if (Boolean.getBoolean("dashboard.awaitAlert")) {
            // Alerts are evaluated once a minute: only worth waiting for when making the screenshot in docs/operations.md.
            WebElement banner = new WebDriverWait(driver, Duration.ofSeconds(80), Duration.ofMillis(200))
                    .until(ExpectedConditions.visibilityOfElementLocated(By.id("alerts")));
            assertThat(banner.getText()).contains("bounce rate");
        }
        fullPage("full");

        // Bounce asks first; dismissed, nothing happens.
        click(wait, slow, "bounce");
        assertThat(wait.until(ExpectedConditions.alertIsPresent()).getText()).contains(slow);
        driver.switchTo().alert().dismiss();
        assertThat(get("/api/v1/queue/" + slow).path("id").asText()).isEqualTo(slow);

        // The API's error is shown: the message vanishes (deleted elsewhere) while the operator confirms.
        ((JavascriptExecutor) driver).executeScript("""
                window.confirm = function () {
                  const x = new XMLHttpRequest();
                  x.open("DELETE", "/api/v1/queue/" + arguments[0], false);
                  x.setRequestHeader("Authorization", "Bearer " + sessionStorage.getItem("sluice.admin.token"));
                  x.send();
                  return true;
                }.bind(null, arguments[0]);""", slow);
        click(wait, slow, "delete");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("queue-message"), "no such message"));
        assertThat(driver.findElement(By.id("queue-message")).getAttribute("class")).contains("error");
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
        assertThat(severeBrowserLogs()).allMatch(l -> l.contains("/api/v1/queue/" + slow) && l.contains("404"));

        // A rate-limit reply from busy.test's server: the Shaping panel shows the lane backing off, halved.
        By busy = By.cssSelector("#shaping-table tr[data-group='busy']");
        s.sendMx("alice@example.test", "Subject: throttled\n\nx\n", "slowdown@busy.test");
        wait.until(d -> "backing_off".equals(d.findElement(busy).getDomAttribute("data-state")));
        WebElement lane = driver.findElement(busy);
        assertThat(lane.getText()).contains("default").contains("10/s").contains("20/s").contains("2 of 4")
                .contains("backing off");
        assertThat(lane.getDomAttribute("class")).isEqualTo("lane-backing_off");
        // highlighted: the amber pill of the stylesheet, not the plain grey one
        assertThat(lane.findElement(By.cssSelector("td.state .pill")).getCssValue("background-color"))
                .isEqualTo("rgba(252, 240, 220, 1)");
        assertThat(driver.findElement(By.cssSelector("#warmup-table tbody")).getText()).isEqualTo("No source is warming up");
        shot("shaping");
    }

    /** Waits until only the slow message is queued, retried once, and the 1-hour numbers stop moving. */
    private JsonNode settle(String slow) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode before = null;
        while (true) {
            JsonNode queue = get("/api/v1/queue");
            JsonNode stats = get("/api/v1/stats");
            JsonNode hour = stats.path("windows").path("1h");
            boolean settled = queue.size() == 1 && queue.get(0).path("id").asText().equals(slow)
                    && queue.get(0).path("attempts").asInt() >= 1 && hour.path("bounced").asLong() >= 1
                    && hour.path("delivered").asLong() >= 21
                    && stats.path("queue").path("by_state").path("active").asLong() == 0;
            if (settled && before != null && before.equals(hour)) return stats;
            before = settled ? hour : null;
            if (System.nanoTime() > deadline) throw new AssertionError("not settled: queue " + queue + ", 1h " + hour);
            Thread.sleep(200);
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static JsonNode first(JsonNode array, java.util.function.Predicate<JsonNode> p) {
        for (JsonNode n : array) if (p.test(n)) return n;
        throw new AssertionError("none matches in " + array);
    }

    private WebDriver browser() throws Exception {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // so Selenium Manager never runs
        profile = TempDirs.dir("sluice-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        // No lookups at all: the resolver maps every name but loopback to "not found" (see PEERS.md).
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
                "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        return new ChromeDriver(o);
    }

    private void enterToken(WebDriverWait wait, String value) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
        input.clear();
        input.sendKeys(value);
        driver.findElement(By.id("token-submit")).click();
    }

    private WebElement button(String id, String action) {
        return driver.findElement(By.cssSelector("#queue-table tr[data-id='" + id + "'] button[data-action='" + action + "']"));
    }

    private void click(WebDriverWait wait, String id, String action) {
        wait.until(d -> {
            button(id, action).click();
            return true;
        });
    }

    private static void awaitText(WebDriverWait wait, By by, String expected) {
        String[] last = {null};
        try {
            wait.until(d -> expected.equals(last[0] = d.findElement(by).getText().strip()));
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError(by + " should read \"" + expected + "\" but reads \"" + last[0] + "\"", e);
        }
    }

    /** The feed shows the answer for this search (ExpectedConditions.attributeToBe reads CSS for an empty value). */
    private static void awaitFeedQuery(WebDriverWait wait, String q) {
        wait.until(d -> q.equals(d.findElement(By.id("event-feed")).getDomAttribute("data-query")));
    }

    private void assertNoAlert() {
        try {
            driver.switchTo().alert();
            throw new AssertionError("an alert() ran: markup from the API was executed");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }

    private List<String> severeBrowserLogs() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::toString).toList();
    }

    private void shot(String name) throws Exception {
        Files.createDirectories(SHOTS);
        Path png = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.move(png, SHOTS.resolve("dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The whole page: the window grows to the document's height for one screenshot. */
    private void fullPage(String name) throws Exception {
        long height = (Long) ((JavascriptExecutor) driver).executeScript(
                "return Math.ceil(document.documentElement.scrollHeight)");
        Dimension before = driver.manage().window().getSize();
        driver.manage().window().setSize(new Dimension(1280, (int) Math.min(4000, height + (before.height - viewportHeight()))));
        try {
            shot(name);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    private long viewportHeight() {
        return (Long) ((JavascriptExecutor) driver).executeScript("return window.innerHeight");
    }
}
