package sluice.node;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the service is doing (sd_notify(3) without libsystemd): READY=1 once every listener is bound
 * and the spool is open, RELOADING=1 around a reload (Type=notify-reload, systemd 253+; older versions ignore it),
 * STOPPING=1 when shutdown begins, WATCHDOG=1 heartbeats when the unit asks for them. A no-op when NOTIFY_SOCKET is
 * unset. Nothing here ever stops the server: a failed send is logged once and the server goes on.
 */
public final class SystemdNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    /** What the watchdog asks before each heartbeat: throws when the node no longer answers. */
    @FunctionalInterface
    public interface Liveness {
        void check() throws Exception;
    }

    private final String address;         // null: not under systemd (or cannot notify it)
    private final NotifySocket socket;
    private final long watchdogMicros;    // 0: no watchdog asked for
    private final AtomicBoolean warned = new AtomicBoolean();
    private volatile ScheduledExecutorService watchdog;

    private SystemdNotifier(String address, NotifySocket socket, long watchdogMicros) {
        this.address = address;
        this.socket = socket;
        this.watchdogMicros = watchdogMicros;
    }

    public static SystemdNotifier fromEnvironment() {
        return fromEnvironment(System.getenv(), Runtime.version().feature());
    }

    static SystemdNotifier fromEnvironment(Map<String, String> env, int javaFeature) {
        String address = env.get("NOTIFY_SOCKET");
        if (address == null || address.isEmpty()) return new SystemdNotifier(null, null, 0);
        if (!address.startsWith("/") && !address.startsWith("@")) {
            // sd_notify also knows vsock: addresses (a VM's host); a service on the host itself never gets one.
            log.warn("NOTIFY_SOCKET={} is neither a path nor an abstract socket name: systemd will not hear from sluice", address);
            return new SystemdNotifier(null, null, 0);
        }
        if (javaFeature < 22) {
            log.warn("NOTIFY_SOCKET is set but Java {} cannot send to it (its foreign-function API arrived in Java 22):"
                    + " systemd will not hear that sluice is ready; run sluice on Java 22 or later", javaFeature);
            return new SystemdNotifier(null, null, 0);
        }
        NotifySocket socket;
        try {
            // Compiled at release 22 (src/main/java22): loading it on Java 21 would fail, hence the check above.
            socket = (NotifySocket) Class.forName("sluice.node.UnixDatagramSocket").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            log.warn("NOTIFY_SOCKET is set but sluice cannot reach it ({}): systemd will not hear that sluice is ready",
                    cause.getMessage());
            return new SystemdNotifier(null, null, 0);
        }
        return new SystemdNotifier(address, socket, watchdogMicros(env));
    }

    /** WATCHDOG_USEC, when it is meant for this process (WATCHDOG_PID absent or ours). */
    private static long watchdogMicros(Map<String, String> env) {
        try {
            String pid = env.get("WATCHDOG_PID");
            if (pid != null && Long.parseLong(pid) != ProcessHandle.current().pid()) return 0;
            String usec = env.get("WATCHDOG_USEC");
            return usec == null ? 0 : Math.max(0, Long.parseLong(usec));
        } catch (NumberFormatException e) {
            log.warn("WATCHDOG_USEC or WATCHDOG_PID is not a number: no watchdog heartbeats");
            return 0;
        }
    }

    /** True when notifications go somewhere. */
    public boolean active() {
        return socket != null;
    }

    /** Start-up finished (or a reload did): every listener is bound and the spool is open. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + oneLine(status) + "\nMAINPID=" + ProcessHandle.current().pid());
    }

    /** A reload begins; {@link #ready} ends it. MONOTONIC_USEC lets systemd tell this reload from an older one. */
    public void reloading() {
        if (socket == null) return;
        send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + socket.monotonicMicros());
    }

    /** Shutdown begins: systemd shows "deactivating" instead of believing the service died. */
    public void stopping() {
        stopWatchdog();
        send("STOPPING=1\nSTATUS=stopping: finishing transactions in flight");
    }

    /** A one-line summary shown by {@code systemctl status}. */
    public void status(String status) {
        send("STATUS=" + oneLine(status));
    }

    /**
     * Heartbeats every WATCHDOG_USEC/2 when the unit sets WatchdogSec=, each after {@code liveness} answered; a node
     * that stops answering stops the heartbeats, and systemd restarts it. A platform thread: a wedged virtual-thread
     * scheduler must not keep the heartbeat going.
     */
    public void startWatchdog(Liveness liveness) {
        if (socket == null || watchdogMicros == 0 || watchdog != null) return;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "systemd-watchdog");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, watchdogMicros / 2);
        timer.scheduleAtFixedRate(() -> {
            try {
                liveness.check();
            } catch (Exception e) {
                log.warn("watchdog: the node does not answer ({}); no heartbeat to systemd", e.getMessage());
                return;
            }
            send("WATCHDOG=1");
        }, 0, period, TimeUnit.MICROSECONDS);
        watchdog = timer;
    }

    private void stopWatchdog() {
        ScheduledExecutorService timer = watchdog;
        if (timer != null) timer.shutdownNow();
    }

    private void send(String message) {
        if (socket == null) return;
        try {
            socket.send(address, message);
        } catch (IOException | RuntimeException e) {
            if (warned.compareAndSet(false, true)) {
                log.warn("cannot notify systemd at NOTIFY_SOCKET={} ({}); sluice runs on, further failures are not logged",
                        address, e.getMessage());
            }
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }

    @Override
    public void close() {
        stopWatchdog();
    }
}
