package sluice.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's host name without DNS: InetAddress.getLocalHost() resolves the name, which can hang
 * for seconds on a host with broken DNS, before the server has even started.
 */
final class SystemHostname {
    private static final Path KERNEL = Path.of("/proc/sys/kernel/hostname");

    private SystemHostname() {}

    /** /proc/sys/kernel/hostname, else $HOSTNAME, else "localhost". */
    static String read() {
        try {
            String name = Files.readString(KERNEL).strip();
            if (!name.isEmpty()) return name;
        } catch (IOException | SecurityException e) {
            // not Linux, or no /proc: fall through
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.strip() : "localhost";
    }
}
