package sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sluice.mailauth.DkimKeys;

/** {@code sluice dkim keygen}: DKIM signing keys in the data dir, and what to publish and configure. */
@Command(name = "dkim", description = "DKIM signing keys.", subcommands = DkimCommand.Keygen.class)
final class DkimCommand {
    private static final Pattern NAME = Pattern.compile("(?i)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*");
    /** A TXT character-string holds at most 255 bytes (RFC 1035 3.3.14). */
    private static final int TXT_STRING = 255;

    @Command(name = "keygen", description = "Write a new key to DATA/dkim/DOMAIN.SELECTOR.key and print the DNS record and config block.")
    static final class Keygen implements Callable<Integer> {
        @Mixin Options options;

        @Parameters(paramLabel = "DOMAIN", description = "the signing domain (d=), usually the From: domain")
        String domain;

        @Option(names = "--selector", required = true, paramLabel = "S", description = "the selector (s=), e.g. s1 or 2025a")
        String selector;

        @Option(names = "--algorithm", paramLabel = "ALG", defaultValue = "rsa2048",
                description = "rsa2048 (default; every verifier knows it) or ed25519 (RFC 8463; publish both to be safe)")
        String algorithm;

        @Option(names = "--force", description = "replace an existing key file")
        boolean force;

        @Override
        public Integer call() throws Exception {
            String d = domain.toLowerCase(Locale.ROOT).replaceAll("\\.$", "");
            if (!NAME.matcher(d).matches()) throw new Failures.UserError(2, "not a domain name: " + domain);
            if (!NAME.matcher(selector).matches()) throw new Failures.UserError(2, "a selector is letters, digits, '-' and '.': " + selector);
            String alg = algorithm.toLowerCase(Locale.ROOT);
            if (!alg.equals("rsa2048") && !alg.equals("ed25519")) {
                throw new Failures.UserError(2, "--algorithm must be rsa2048 or ed25519, not " + algorithm);
            }
            sluice.config.Config config = options.load();
            Path dataDir = config.dataDir();
            String relative = "dkim/" + d + "." + selector + ".key";
            Path file = dataDir.resolve(relative);
            if (Files.exists(file) && !force) {
                throw new Failures.UserError(1, file + " exists; use --force to replace it (and publish the new record)");
            }
            KeyPair pair = DkimKeys.generate(alg);
            DkimKeys.writePem(pair.getPrivate(), file);
            String name = selector + "._domainkey." + d + ".";
            System.out.println("wrote " + file + " (" + alg + ", mode 0600, in the data dir; no server needed)");
            System.out.println();
            System.out.println("Publish this DNS TXT record:");
            System.out.println(name + " IN TXT " + quoted(DkimKeys.txtRecord(pair.getPublic())));
            System.out.println();
            String block = "[[dkim]]\ndomain = \"" + d + "\"\nselector = \"" + selector + "\"\nkey_file = \"" + relative + "\"";
            if (config.isEmbeddedDefault()) {
                // The embedded default cannot be edited: the key is only used once a config file names it.
                System.out.println("No config file is in use (the embedded default signs nothing). Create ./sluice.toml,"
                        + " e.g. by pasting this, then start sluice serve in this directory (or restart it):");
                System.out.println("cat > sluice.toml <<'EOF'");
                System.out.println(minimalConfig(dataDir, block));
                System.out.println("EOF");
            } else {
                System.out.println("Add this to " + config.source() + " and restart the server:");
                System.out.println(block);
            }
            return 0;
        }

        /**
         * The embedded default as a file, plus the block. A file's listeners do not move to port + 10000 without root,
         * so for a user without root they are written out with the ports the embedded default would have used.
         */
        static String minimalConfig(Path dataDir, String block) {
            StringBuilder toml = new StringBuilder("data_dir = \"" + dataDir.toAbsolutePath().normalize() + "\"\n");
            if (!"root".equals(System.getProperty("user.name"))) {
                toml.append("\n# without root, ports below 1024 cannot be bound: the ports the embedded default moves to\n");
                String[][] listeners = {{"10025", "mx"}, {"10587", "submission"}, {"10465", "submissions"}, {"2525", "submission"}};
                for (String[] l : listeners) {
                    toml.append("[[listeners]]\nport = ").append(l[0]).append("\nmode = \"").append(l[1]).append("\"\n");
                }
            }
            return toml.append("\n").append(block).toString();
        }
    }

    /** The value as zone-file character-strings, split every 255 bytes. */
    static String quoted(String value) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < value.length(); i += TXT_STRING) {
            parts.add("\"" + value.substring(i, Math.min(value.length(), i + TXT_STRING)) + "\"");
        }
        return String.join(" ", parts);
    }
}
