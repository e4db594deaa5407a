package sluice.config;

import java.nio.file.Path;

/**
 * Server certificate. Both files null: a self-signed certificate is generated in the data dir.
 *
 * @param reloadInterval how often the files are checked for change (certificate renewal without restart)
 */
public record TlsConfig(Path certFile, Path keyFile, java.time.Duration reloadInterval) {
    public boolean selfSigned() {
        return certFile == null && keyFile == null;
    }
}
