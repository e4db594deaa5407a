package sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import sluice.testkit.RedisServer;
import sluice.testkit.SluiceHarness;
import sluice.testkit.TempDirs;

/**
 * The dashboard's Cluster panel in headless Chromium, two nodes on one redis-server: both nodes listed as alive,
 * this node marked; Redis killed: the panel says "degraded", since when and why; Redis back: "shared" again.
 */
class ClusterPanelBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private RedisServer redis;
    private SluiceHarness a;
    private SluiceHarness b;
    private WebDriver driver;
    private Path profile;

    @AfterEach
    void stop() throws Exception {
        try {
            if (driver != null) driver.quit();
        } finally {
            if (a != null) a.close();
            if (b != null) b.close();
            if (redis != null) redis.close();
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private String cluster(String name) {
        return """
                [cluster]
                redis = "%s"
                node_name = "%s"
                timeout = "1s"
                """.formatted(redis.url(), name);
    }

    @Test
    void thePanelListsTheNodesAndShowsADeadRedis() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "chromium and chromium-driver");
        assumeTrue(RedisServer.available(), "redis-server is not installed");
        redis = RedisServer.start();
        a = SluiceHarness.start("[]", cluster("node-a"));
        b = SluiceHarness.start("[]", cluster("node-b"));
        driver = browser();
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20), Duration.ofMillis(100));
        wait.ignoring(StaleElementReferenceException.class);
        driver.get("http://" + a.config().admin().address() + "/");
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
        input.sendKeys(Files.readString(a.config().admin().tokenFile()).strip());
        driver.findElement(By.id("token-submit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("cluster")));

        // the dashboard refreshes every 5 s: node-b shows up once both have beaten
        wait.until(d -> d.findElements(By.cssSelector("#cluster-table tr[data-node='node-b'][data-alive='true']")).size() == 1);
        assertThat(driver.findElement(By.cssSelector("[data-testid='cluster-state']")).getText()).isEqualTo("shared");
        assertThat(driver.findElement(By.id("cluster-summary")).getText()).contains("node-a").contains("2 of 2 nodes alive");
        assertThat(driver.findElement(By.id("cluster-mode")).getText()).contains(redis.url());
        assertThat(driver.findElement(By.cssSelector("#cluster-table tr[data-node='node-a']")).getText())
                .contains("(this node)").contains("alive");
        assertThat(driver.findElement(By.id("cluster-error")).isDisplayed()).isFalse();
        shot("shared");

        redis.kill();
        wait.until(d -> d.findElement(By.cssSelector("[data-testid='cluster-state']")).getText().equals("degraded"));
        WebElement error = driver.findElement(By.id("cluster-error"));
        assertThat(error.isDisplayed()).isTrue();
        assertThat(error.getText()).startsWith("Redis unreachable since ").contains("50%"); // the share of two nodes
        assertThat(driver.findElement(By.id("cluster")).getDomAttribute("data-state")).isEqualTo("degraded");
        shot("degraded");

        redis.restart();
        wait.until(d -> d.findElement(By.cssSelector("[data-testid='cluster-state']")).getText().equals("shared"));
        assertThat(driver.findElement(By.id("cluster-error")).isDisplayed()).isFalse();
    }

    private WebDriver browser() throws Exception {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        profile = TempDirs.dir("sluice-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,800",
                "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost");
        return new ChromeDriver(o);
    }

    private void shot(String name) throws Exception {
        Path shots = Path.of("target", "screenshots");
        Files.createDirectories(shots);
        Path png = ((ChromeDriver) driver).getScreenshotAs(OutputType.FILE).toPath();
        Files.move(png, shots.resolve("cluster-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
