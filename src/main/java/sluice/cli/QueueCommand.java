package sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.config.Config;
import sluice.queue.QueueView;
import sluice.spool.QueuedMessage;
import sluice.spool.Recipient;
import sluice.spool.Spool;

@Command(name = "queue", description = "Inspect and change the queue (works with and without a running server).",
        subcommands = {QueueCommand.ListQueue.class, QueueCommand.Show.class, QueueActionCommand.Hold.class,
                QueueActionCommand.Release.class, QueueActionCommand.Retry.class, QueueActionCommand.Delete.class,
                QueueActionCommand.Bounce.class})
final class QueueCommand {

    /** The spool of the configured data dir, opened read-only so a running server keeps it. */
    static Optional<Spool> open(Options o) throws Exception {
        Config c = o.load();
        Path dir = c.dataDir().resolve("spool");
        if (!Files.isDirectory(dir)) return Optional.empty();
        System.err.println("(reading the spool in " + dir + " directly)");
        return Optional.of(Spool.openReadOnly(dir));
    }

    static String state(QueuedMessage m) {
        return QueueView.state(m, Instant.now());
    }

    static List<String> pending(QueuedMessage m) {
        return QueueView.pending(m);
    }

    @Command(name = "list", description = "One row per queued message.")
    static final class ListQueue implements Callable<Integer> {
        @Mixin Options options;

        @Option(names = "--json", description = "print a JSON array")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Optional<Spool> spool = open(options);
            List<QueuedMessage> all;
            if (spool.isEmpty()) {
                all = List.of();
            } else {
                try (Spool s = spool.get()) {
                    all = s.list();
                }
            }
            if (json) {
                printJson(all);
            } else {
                printTable(all);
            }
            return 0;
        }

        private static void printTable(List<QueuedMessage> all) {
            if (all.isEmpty()) {
                System.out.println("queue is empty");
                return;
            }
            System.out.printf("%-18s %-6s %-30s %-5s %-9s %-20s %s%n", "ID", "AGE", "SENDER", "RCPTS", "STATE",
                    "NEXT ATTEMPT", "LAST ERROR");
            Instant now = Instant.now();
            for (QueuedMessage m : all) {
                String sender = m.envelope().sender().isEmpty() ? "<>" : m.envelope().sender();
                System.out.printf("%-18s %-6s %-30s %-5d %-9s %-20s %s%n", m.id(),
                        age(Duration.between(m.envelope().received(), now)), sender, pending(m).size(), state(m),
                        m.state().nextAttempt() == null ? "now" : m.state().nextAttempt().toString(),
                        m.state().lastError() == null ? "-" : m.state().lastError());
            }
            System.out.println(all.size() + " message(s)");
        }

        private static String age(Duration d) {
            long s = Math.max(0, d.toSeconds());
            if (s < 60) return s + "s";
            if (s < 3600) return s / 60 + "m";
            if (s < 86400) return s / 3600 + "h";
            return s / 86400 + "d";
        }

        private static void printJson(List<QueuedMessage> all) throws IOException {
            Instant now = Instant.now();
            List<java.util.Map<String, Object>> rows = all.stream().map(m -> QueueView.summary(m, now)).toList();
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
        }
    }

    @Command(name = "show", description = "Envelope, recipients and headers of one message.")
    static final class Show implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            Optional<Spool> spool = open(options);
            if (spool.isEmpty()) throw new Failures.UserError(1, "no such message: " + id);
            try (Spool s = spool.get()) {
                QueuedMessage m = s.find(id).orElseThrow(() -> new Failures.UserError(1, "no such message: " + id));
                System.out.println("id:        " + m.id());
                System.out.println("received:  " + m.envelope().received());
                System.out.println("sender:    " + (m.envelope().sender().isEmpty() ? "<>" : m.envelope().sender()));
                System.out.println("size:      " + m.envelope().size());
                System.out.println("state:     " + state(m) + ", attempts " + m.state().attempts());
                m.envelope().attributes().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                        .forEach(e -> System.out.printf("%-10s %s%n", e.getKey() + ":", e.getValue()));
                for (Recipient r : m.envelope().recipients()) {
                    System.out.println("recipient: " + r.address() + " [" + r.state().name().toLowerCase() + "]"
                            + (r.notifyOn() == null ? "" : " NOTIFY=" + r.notifyOn())
                            + (r.orcpt() == null ? "" : " ORCPT=" + r.orcpt()));
                }
                byte[] data = s.readData(id).orElse(new byte[0]);
                String text = new String(data, StandardCharsets.UTF_8);
                int end = text.indexOf("\r\n\r\n");
                System.out.println();
                System.out.print((end < 0 ? text : text.substring(0, end + 2)).replace("\r\n", "\n"));
            }
            return 0;
        }
    }
}
