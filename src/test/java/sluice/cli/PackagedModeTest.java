package sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import sluice.testkit.FakeSmtpServer;

/**
 * Packaged mode: the launcher names /etc/sluice/sluice.toml through a system property; a user who cannot read it
 * gets one line, and sendmail (cron, PHP, any user) hands the message to the loopback's port 25 instead.
 */
class PackagedModeTest {
    @TempDir
    Path dir;

    private final InputStream stdin = System.in;

    @AfterEach
    void restore() {
        System.clearProperty(Options.PACKAGED_CONFIG);
        System.setIn(stdin);
    }

    private Path packagedConfig() throws Exception {
        Path file = Files.writeString(dir.resolve("sluice.toml"), "data_dir = \"" + dir.resolve("data") + "\"\n");
        System.setProperty(Options.PACKAGED_CONFIG, file.toString());
        return file;
    }

    /** A command with only the common options, as every command mixes them in. */
    @CommandLine.Command(name = "any")
    static final class AnyCommand {
        @CommandLine.Mixin Options options;
    }

    private static <T> T parsed(T command, String... args) {
        CommandLine line = new CommandLine(command);
        if (command instanceof SendmailCommand) SendmailCommand.useSendmailNames(line); // as Main builds it
        line.parseArgs(args);
        return command;
    }

    @Test
    void withoutConfigEveryCommandFindsThePackagedFileAndConfigStillWins() throws Exception {
        Path file = packagedConfig();
        Options none = parsed(new AnyCommand(), new String[0]).options;
        assertThat(none.file()).isEqualTo(file);
        assertThat(none.load().dataDir()).isEqualTo(dir.resolve("data"));
        Path other = Files.writeString(dir.resolve("other.toml"), "data_dir = \"" + dir.resolve("else") + "\"\n");
        assertThat(parsed(new AnyCommand(), "--config", other.toString()).options.load().dataDir())
                .isEqualTo(dir.resolve("else"));
    }

    @Test
    void aPackagedFileThatIsGoneLeavesTheEmbeddedDefault() {
        System.setProperty(Options.PACKAGED_CONFIG, dir.resolve("purged.toml").toString());
        assertThat(parsed(new AnyCommand(), new String[0]).options.file()).isNull();
    }

    @Test
    void anUnreadableConfigIsOneLineNamingTheFileAndWhatToDo() throws Exception {
        Path file = packagedConfig();
        Options options = parsed(new AnyCommand(), new String[0]).options;
        options.readable = p -> false;
        assertThatThrownBy(options::load).isInstanceOfSatisfying(Failures.UserError.class, e -> {
            assertThat(e.exitCode).isEqualTo(2);
            assertThat(e.getMessage()).contains("cannot read the config file " + file)
                    .contains("as root or as the sluice user").doesNotContain("\n").doesNotContain("Exception");
        });
    }

    @Test
    void sendmailThatCannotReadTheConfigHandsTheMessageToTheLoopbackListener() throws Exception {
        packagedConfig();
        try (FakeSmtpServer server = FakeSmtpServer.start(s -> {})) {
            SendmailCommand cmd = parsed(new SendmailCommand(), "-t");
            cmd.options.readable = p -> false;
            cmd.fallback = server.address();
            System.setIn(new ByteArrayInputStream("To: bob@far.test\nSubject: cron\n\nbody\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(cmd.call()).isZero();
            assertThat(server.messages()).singleElement().satisfies(m -> {
                assertThat(m.sender()).startsWith(System.getProperty("user.name") + "@");
                assertThat(m.recipients()).extracting(FakeSmtpServer.Rcpt::address).containsExactly("bob@far.test");
                assertThat(m.text()).contains("Subject: cron");
            });
        }
        // Readable: the spool, not the fallback (the fake server above is gone; nothing listens there).
        SendmailCommand readable = parsed(new SendmailCommand(), "-t");
        readable.fallback = FakeSmtpServer.closedAddress();
        System.setIn(new ByteArrayInputStream("To: bob@far.test\n\nbody\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(readable.call()).isZero();
        assertThat(dir.resolve("data/spool")).isDirectory();
    }

    @Test
    void sendmailWithNeitherConfigNorListenerSaysBothInOneLine() throws Exception {
        Path file = packagedConfig();
        SendmailCommand cmd = parsed(new SendmailCommand(), "bob@far.test");
        cmd.options.readable = p -> false;
        cmd.fallback = FakeSmtpServer.closedAddress();
        System.setIn(new ByteArrayInputStream("Subject: x\n\nbody\n".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(cmd::call).isInstanceOfSatisfying(Failures.UserError.class, e -> {
            assertThat(e.exitCode).isEqualTo(SendmailCommand.NOT_QUEUED);
            assertThat(e.getMessage()).startsWith("sendmail: cannot read " + file)
                    .contains("no server took the message on " + cmd.fallback.getAddress().getHostAddress() + ":"
                            + cmd.fallback.getPort())
                    .contains("nothing was queued").doesNotContain("\n");
        });
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
