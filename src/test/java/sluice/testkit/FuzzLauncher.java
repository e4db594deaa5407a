package sluice.testkit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one {@code @FuzzTest} method ("sluice.smtp.CommandParserFuzzTest#anyLineIsACommandOrAnInvalidOne")
 * through JUnit's launcher; with JAZZER_FUZZ=1 Jazzer fuzzes it for the test's maxDuration. Jazzer fuzzes
 * one test per JVM, and a JVM starts in a second where a Maven run takes several: .ci/fuzz runs this once
 * per target. Exit status 1 when the target failed (a finding), 2 when nothing ran.
 */
public final class FuzzLauncher {
    private FuzzLauncher() {}

    public static void main(String[] args) throws ClassNotFoundException {
        if (args.length != 1 || !args[0].contains("#")) {
            System.err.println("usage: FuzzLauncher CLASS#METHOD");
            System.exit(2);
        }
        String[] target = args[0].split("#", 2);
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Class<?> type = Class.forName(target[0]);
        Method method = Arrays.stream(type.getDeclaredMethods()).filter(m -> m.getName().equals(target[1])).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no method " + target[1] + " in " + target[0]));
        launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectMethod(type, method)).build(), summary);
        TestExecutionSummary result = summary.getSummary();
        result.printTo(new PrintWriter(System.out, true));
        if (result.getTotalFailureCount() > 0) {
            result.printFailuresTo(new PrintWriter(System.out, true), 40);
            System.exit(1);
        }
        System.exit(result.getTestsSucceededCount() > 0 ? 0 : 2);
    }
}
