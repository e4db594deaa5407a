package sluice.cli;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sluice.config.Config;
import sluice.config.ListenerConfig;
import sluice.config.ListenerMode;
import sluice.server.BoundListener;
import sluice.node.Node;
import sluice.node.SystemdNotifier;
import sun.misc.Signal;

@Command(name = "serve", description = "Run the server in the foreground until SIGTERM or SIGINT.")
final class ServeCommand implements Callable<Integer> {
    @Mixin Options options;

    @Override
    public Integer call() throws Exception {
        Config config = options.loadForServing();
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // SIGHUP (systemctl reload) is caught from the start (its default would end the process); a reload waits
        // until the node runs. Signals that come while one reload runs make one more after it, never a queue.
        java.util.concurrent.Semaphore reloads = new java.util.concurrent.Semaphore(0);
        Signal.handle(new Signal("HUP"), s -> {
            if (reloads.availablePermits() == 0) reloads.release();
        });
        Node node;
        try {
            node = Node.start(config, Clock.systemUTC());
        } catch (Node.StartException e) {
            throw new Failures.UserError(e.configProblem() ? 2 : 1, e.getMessage());
        }
        printListeners(node.listeners());
        if (node.cluster() != null) {
            var c = node.cluster();
            System.out.println("cluster: node " + c.nodeName() + " on " + c.redis().description() + ", "
                    + (c.health().shared() ? c.membership().alive() + " node(s) alive, limits shared"
                    : "Redis not reachable yet (" + c.health().lastError() + "): running on this node's share of each limit"));
        }
        long heapCap = Runtime.getRuntime().maxMemory(), wanted = config.limits().heapWanted();
        if (heapCap < wanted) {
            System.out.println("note: the heap cap is " + (heapCap >> 20) + " MiB; [limits] max_connections and max_message_size"
                    + " may need " + (wanted >> 20) + " MiB (set SLUICE_HEAP, e.g. SLUICE_HEAP=" + ((wanted >> 20) + 1) + "m)");
        }
        if (node.users().list().isEmpty()) printNextSteps(node.listeners(), config);
        // The ready line comes last: a script that waits for it has seen everything printed at start-up.
        System.out.println("sluice ready: " + node.listeners().size() + " listeners, hostname " + config.hostname()
                + ", data dir " + config.dataDir() + ", " + queued(node) + " message(s) in the queue"
                + (node.delivery() == null ? " (delivery paused)" : ""));
        System.out.flush();
        // systemd (Type=notify) hears it at the same moment; a no-op when NOTIFY_SOCKET is unset.
        SystemdNotifier systemd = SystemdNotifier.fromEnvironment();
        systemd.ready(systemdStatus(node));
        // The liveness probe is one seek in the spool (not a count): it answers while the node does, at any queue size.
        systemd.startWatchdog(() -> node.spool().state().read("watchdog/"));

        // The config file and certificates read again, on a thread of its own.
        Thread reloader = Thread.ofPlatform().name("reload").daemon(true).start(() -> {
            while (true) {
                try {
                    reloads.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                reloads.drainPermits();
                reload(node, systemd);
            }
        });

        // A drain (sluice drain) ends the same way as SIGTERM: its end is one more reason to stop.
        node.drained().thenRun(stop::countDown);
        stop.await();
        reloader.interrupt();
        if (node.drained().isDone()) {
            var d = node.drained().join();
            System.out.println("sluice: drained (" + d.endReason() + "): " + d.delivered() + " message(s) delivered"
                    + (d.handover() == null ? "" : ", " + d.handedOver() + " handed over to " + d.handover())
                    + ", " + d.queued() + " left queued in " + config.dataDir().resolve("spool")
                    + (d.held() == 0 ? "" : " (" + d.held() + " held)"));
        }
        systemd.stopping();
        System.out.println("sluice: stopping (finishing transactions in flight, up to "
                + config.timeouts().shutdown().toSeconds() + "s)");
        node.close();
        System.out.println("sluice: stopped");
        return 0;
    }

    /** One reload: the same config source read again (or the embedded default made again), applied or refused. */
    private void reload(Node node, SystemdNotifier systemd) {
        systemd.reloading();
        sluice.node.ReloadOutcome outcome = null;
        try {
            outcome = reload(node);
        } finally {
            // applied or refused, the node runs: systemd must not wait out the reload
            systemd.ready(listenersStatus(node) + (outcome instanceof sluice.node.ReloadOutcome.Applied
                    ? ", config reloaded" : ", last reload refused (see the log)"));
        }
    }

    private sluice.node.ReloadOutcome reload(Node node) {
        sluice.node.ReloadOutcome outcome;
        try {
            outcome = node.reload(options.loadForServing());
        } catch (sluice.config.ConfigException e) {
            outcome = node.reloadRefused(e);
        } catch (Failures.UserError e) {
            outcome = node.reloadRefused(new sluice.config.ConfigException(List.of(
                    new sluice.config.ConfigError(options.config, 0, "", e.getMessage()))));
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(ServeCommand.class).error("reload failed, still running on the previous config: {}",
                    e.toString(), e);
            return null;
        }
        System.out.println("sluice: " + outcome.summary());
        System.out.flush();
        return outcome;
    }

    /** A path relative to the working directory when it is below it (shorter to copy). */
    private static String shown(java.nio.file.Path p) {
        java.nio.file.Path cwd = java.nio.file.Path.of("").toAbsolutePath();
        java.nio.file.Path abs = p.toAbsolutePath();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    /** The one line `systemctl status` shows (after start and after a reload). */
    static String systemdStatus(Node node) throws sluice.spool.SpoolException {
        return listenersStatus(node) + ", " + queued(node) + " message(s) in the queue";
    }

    private static String listenersStatus(Node node) {
        return node.listeners().size() + " listeners (ports " + node.listeners().stream().map(b -> String.valueOf(b.port()))
                .collect(java.util.stream.Collectors.joining(", ")) + ")";
    }

    private static long queued(Node node) throws sluice.spool.SpoolException {
        return node.delivery() != null ? node.delivery().recovered() : node.spool().count();
    }

    private static void printListeners(List<BoundListener> bound) {
        System.out.printf("%-6s %-12s %-10s %-22s %s%n", "PORT", "MODE", "TLS", "AUTH", "ADDRESS");
        for (BoundListener b : bound) {
            ListenerConfig l = b.config();
            String tls = l.implicitTls() ? "implicit" : "STARTTLS";
            String auth = switch (l.mode()) {
                case MX -> "optional, after TLS";
                case SUBMISSION -> "required, after TLS";
                case SUBMISSIONS -> "required";
            };
            System.out.printf("%-6d %-12s %-10s %-22s %s%s%n", b.port(), l.mode().key(), tls, auth, b.address(),
                    l.proxyProtocol() ? " (PROXY protocol from " + l.proxyFrom().stream().map(Object::toString)
                            .collect(java.util.stream.Collectors.joining(", ")) + ")" : "");
        }
        for (BoundListener b : bound) {
            if (b.note() != null) System.out.println("note: " + b.note());
        }
    }

    /** The port `sluice probe 127.0.0.1` would recommend: the same order (587, 465, 2525, others), actual ports. */
    static BoundListener submissionListener(List<BoundListener> bound) {
        List<BoundListener> submit = bound.stream().filter(b -> b.config().mode() != ListenerMode.MX).toList();
        return submit.stream().min(java.util.Comparator.comparingInt(
                b -> sluice.delivery.SubmissionAdvice.rank(b.port(), b.config().implicitTls(), submit.indexOf(b)))).orElse(null);
    }

    private static void printNextSteps(List<BoundListener> bound, Config config) {
        BoundListener best = submissionListener(bound);
        int submission = best == null ? 587 : best.port();
        String tlsFlag = best != null && best.config().implicitTls() ? "-tlsc" : "-tls";
        String domain = config.localDomains().isEmpty() ? "localhost" : config.localDomains().get(0);
        String user = "alice@" + domain;
        String configArg = config.isEmbeddedDefault() ? "" : " --config " + config.source();
        System.out.println("No users yet. Next steps (in another terminal):");
        System.out.println("  1. add a user:      printf 'secret' | ./sluice user add " + user + " --password-stdin" + configArg);
        System.out.println("  2. send a message:  swaks --server 127.0.0.1:" + submission + " " + tlsFlag + " --auth PLAIN --auth-user "
                + user + " --auth-password secret --from " + user + " --to " + user);
        System.out.println("  3. see it arrive:   ls " + shown(java.nio.file.Path.of(config.local().maildirRoot(), domain,
                user.substring(0, user.indexOf('@')), "new")) + "   (the queue: ./sluice queue list" + configArg
                + "; the log: " + shown(config.log().deliveryLog()) + ")");
        System.out.println();
    }
}
