package sluice.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.auth.ApiKey;
import sluice.auth.User;
import sluice.auth.UserStore;
import sluice.config.Config;

@Command(name = "user", description = "Manage submission users (kept in the data dir; a running server sees changes).",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Remove.class, UserCommand.ApiKeyCommand.class})
final class UserCommand {

    static UserStore store(Options o) throws Exception {
        Config c = o.load();
        java.nio.file.Files.createDirectories(c.dataDir());
        return UserStore.open(c.dataDir());
    }

    @Command(name = "add", description = "Add or update a user; the password is read from standard input.")
    static final class Add implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--password-stdin", description = "read the password from stdin (required)")
        boolean passwordStdin;

        @Option(names = "--may-send-as", paramLabel = "PATTERN",
                description = "user@domain, @domain or *; repeatable; default: NAME if it is an address")
        List<String> maySendAs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!passwordStdin) throw new Failures.UserError(2, "give the password on standard input with --password-stdin");
            byte[] password = readPassword();
            if (password.length == 0) throw new Failures.UserError(2, "empty password on standard input");
            try {
                UserStore users = store(options);
                users.put(name, password, maySendAs);
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(2, e.getMessage());
            } finally {
                Arrays.fill(password, (byte) 0);
            }
            System.out.println("user " + name + " saved");
            return 0;
        }

        private static byte[] readPassword() throws IOException {
            byte[] all = System.in.readAllBytes();
            int n = all.length;
            while (n > 0 && (all[n - 1] == '\n' || all[n - 1] == '\r')) n--; // `echo secret |` adds a newline
            byte[] pw = Arrays.copyOf(all, n);
            Arrays.fill(all, (byte) 0);
            return pw;
        }
    }

    @Command(name = "list", description = "List users and what they may send as.")
    static final class ListUsers implements Callable<Integer> {
        @Mixin Options options;

        @Override
        public Integer call() throws Exception {
            UserStore users = store(options);
            for (User u : users.list()) {
                int keys = users.apiKeys(u.name()).size();
                System.out.println(u.name() + "\t" + (u.maySendAs().isEmpty() ? "(may send as nobody)" : String.join(",", u.maySendAs()))
                        + "\t" + keys + (keys == 1 ? " api key" : " api keys"));
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a user.")
    static final class Remove implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            UserStore users = store(options);
            if (!users.remove(name)) throw new Failures.UserError(1, "no such user: " + name);
            System.out.println("user " + name + " removed");
            // An alias still naming the user now bounces its mail, and the next `serve` refuses to start: say so now.
            sluice.config.ConfigException left = AliasTargets.check(options.load(), users);
            if (left != null) {
                for (var e : left.errors()) System.err.println("warning: " + e);
                System.err.println("warning: mail for these now bounces (550 5.1.1), and `sluice serve` will not start"
                        + " until the config or the users are changed");
            }
            return 0;
        }
    }

    @Command(name = "apikey", description = {"Create an API key for the send API (printed once on stdout; only its hash is kept),",
            "or with --revoke remove the user's keys (all, or the one with --revoke=ID)."})
    static final class ApiKeyCommand implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--revoke", arity = "0..1", paramLabel = "ID", fallbackValue = "",
                description = "revoke the user's API keys; with =ID only that key (ids: sluice user apikey NAME --list)")
        String revoke;

        @Option(names = "--list", description = "list the user's key ids and when they were made")
        boolean list;

        @Override
        public Integer call() throws Exception {
            UserStore users = store(options);
            try {
                if (list) {
                    if (users.find(name).isEmpty()) throw new Failures.UserError(1, "no such user: " + name);
                    for (ApiKey k : users.apiKeys(name)) System.out.println(k.id() + "\t" + k.created());
                    return 0;
                }
                if (revoke != null) {
                    int n = users.revokeApiKeys(name, revoke.isEmpty() ? null : revoke);
                    if (n == 0 && !revoke.isEmpty()) throw new Failures.UserError(1, "user " + name + " has no API key " + revoke);
                    System.err.println("revoked " + n + (n == 1 ? " API key" : " API keys") + " of " + name
                            + " (a running server refuses " + (n == 1 ? "it" : "them") + " from now on)");
                    return 0;
                }
                String key = users.createApiKey(name);
                System.out.println(key);
                System.err.println("API key " + users.apiKeys(name).getLast().id() + " created for " + name
                        + "; it is shown only this once (use it as: Authorization: Bearer <key>)");
                return 0;
            } catch (IllegalArgumentException e) {
                throw new Failures.UserError(1, e.getMessage());
            }
        }
    }
}
