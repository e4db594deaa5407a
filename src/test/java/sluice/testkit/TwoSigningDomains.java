package sluice.testkit;

import java.nio.file.Path;
import java.security.PrivateKey;
import sluice.mailauth.DkimKeys;

/** The config of a server that holds DKIM keys for example.test and other.test (selector s1), no DNS. */
public final class TwoSigningDomains {
    private TwoSigningDomains() {}

    /** Writes both keys to a fresh directory and returns the TOML that names them. */
    public static String toml(PrivateKey example, PrivateKey other) throws Exception {
        Path keys = TempDirs.dir("sluice-dkim");
        DkimKeys.writePem(example, keys.resolve("example.key"));
        DkimKeys.writePem(other, keys.resolve("other.key"));
        return """
                [delivery]
                dns_servers = ["127.0.0.1:1"]
                [[dkim]]
                domain = "example.test"
                selector = "s1"
                key_file = "%s"
                [[dkim]]
                domain = "other.test"
                selector = "s1"
                key_file = "%s"
                """.formatted(keys.resolve("example.key"), keys.resolve("other.key"));
    }
}
