package sluice.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.policy.SuppressionList;

@Command(name = "suppression",
        description = "Recipients that get no more mail (DATA/suppression.json; a running server re-reads it within a second).",
        subcommands = {SuppressionCommand.ListEntries.class, SuppressionCommand.Add.class, SuppressionCommand.Remove.class})
final class SuppressionCommand {

    static SuppressionList open(Options o) throws Exception {
        var config = o.load();
        Files.createDirectories(config.dataDir());
        try {
            return SuppressionList.open(config.dataDir());
        } catch (IOException e) {
            throw new Failures.UserError(1, "suppression list: " + sluice.observe.FailureText.of(e));
        }
    }

    @Command(name = "list", description = "List suppressed recipients: sending domain (* = all), address, added, reason.")
    static final class ListEntries implements Callable<Integer> {
        @Mixin Options options;

        @Option(names = "--json", description = "print a JSON array of {domain, address, reason, added}")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<SuppressionList.Entry> entries = open(options).list();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ArrayNode out = mapper.createArrayNode();
                for (var e : entries) {
                    out.addObject().put("domain", e.domain()).put("address", e.address()).put("reason", e.reason())
                            .put("added", e.added().toString());
                }
                System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
                return 0;
            }
            if (entries.isEmpty()) {
                System.err.println("no suppressed recipients");
                return 0;
            }
            System.out.printf("%-20s %-40s %-20s %s%n", "DOMAIN", "ADDRESS", "ADDED", "REASON");
            for (var e : entries) {
                System.out.printf("%-20s %-40s %-20s %s%n", e.domain(), e.address(),
                        e.added().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), e.reason());
            }
            return 0;
        }
    }

    @Command(name = "add", description = "Suppress a recipient for one sending domain, or for every sender (default).")
    static final class Add implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "ADDR")
        String address;

        @Option(names = "--domain", paramLabel = "D", description = "sending domain (default: * = every sender)")
        String domain = SuppressionList.ALL_SENDERS;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why (default: \"manual\")")
        String reason = "manual";

        @Override
        public Integer call() throws Exception {
            SuppressionList list = open(options);
            boolean added;
            try {
                added = list.add(domain, address, reason);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(2, e.getMessage());
            }
            System.out.println((added ? "suppressed " : "already suppressed (reason updated) ") + address
                    + " for " + label(domain));
            System.err.println("written to " + list.path() + "; a running server picks it up within a second");
            return 0;
        }
    }

    @Command(name = "remove", description = "Lift a suppression.")
    static final class Remove implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "ADDR")
        String address;

        @Option(names = "--domain", paramLabel = "D", description = "sending domain (default: * = every sender)")
        String domain = SuppressionList.ALL_SENDERS;

        @Override
        public Integer call() throws Exception {
            SuppressionList list = open(options);
            boolean removed;
            try {
                removed = list.remove(domain, address);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(2, e.getMessage());
            }
            if (!removed) throw new Failures.UserError(1, address + " is not suppressed for " + label(domain));
            System.out.println("removed " + address + " for " + label(domain));
            System.err.println("written to " + list.path() + "; a running server picks it up within a second");
            return 0;
        }
    }

    private static String label(String domain) {
        return domain == null || domain.equals(SuppressionList.ALL_SENDERS) ? "every sender" : domain;
    }
}
