package sluice.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local delivery into Maildir (https://cr.yp.to/proto/maildir.html) laid out as
 * {@code root/<domain>/<localpart>/{tmp,new,cur}}, in the form Dovecot reads.
 *
 * <p>A message is written to {@code tmp/}, forced to disk, moved atomically into {@code new/}, and then
 * {@code new/} itself is forced: a crash leaves at most a stray file in {@code tmp/}, never a partial one
 * in {@code new/}. Files are stored with LF line endings, as Maildir readers expect.
 *
 * <p>Mailbox directory names: the domain and local part are lower-cased, and any character outside
 * {@code [A-Za-z0-9._+=-]} (quotes, spaces, non-ASCII letters of an SMTPUTF8 address, ...) becomes '_'.
 * Distinct unusual local parts can so share a mailbox; the address map, not this class, should keep them
 * apart. Names containing '/', "..", NUL, or starting with '.' are refused outright.
 */
public final class Maildir {
    /** Unique within the process even for several instances sharing a root, as the name's Q part must be. */
    private static final AtomicLong DELIVERIES = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();

    private final Path root;
    private final String hostname;
    private final Clock clock;

    public Maildir(Path root, String hostname, Clock clock) {
        this.root = Objects.requireNonNull(root, "root");
        this.hostname = escapeHostname(Objects.requireNonNull(hostname, "hostname"));
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Delivers {@code prefixHeaders} followed by {@code message} (both CRLF) into the mailbox of
     * {@code localPart@domain}, creating it (mode 0700) if needed.
     *
     * @return the delivered file, in the mailbox's {@code new/}
     * @throws IllegalArgumentException if the domain or local part could escape its directory
     */
    public Path deliver(String domain, String localPart, byte[] prefixHeaders, byte[] message) throws IOException {
        Path mailbox = root.resolve(directoryName(domain, "domain")).resolve(directoryName(localPart, "local part"));
        ensureMailbox(mailbox);
        byte[] content = toLf(prefixHeaders, message);
        String name = fileName(clock.instant(), DELIVERIES.getAndIncrement(), content.length);
        Path tmp = mailbox.resolve("tmp").resolve(name);
        Path target = mailbox.resolve("new").resolve(name);
        try {
            writeDurably(tmp, content);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceDirectory(target.getParent());
        return target;
    }

    /** {@code <seconds>.M<microseconds>P<pid>Q<counter>.<hostname>,S=<size>}: Dovecot takes S= as the file size. */
    String fileName(Instant at, long counter, long size) {
        return at.getEpochSecond() + ".M" + at.getNano() / 1000 + "P" + PID + "Q" + counter + "." + hostname + ",S=" + size;
    }

    /** The Maildir spec's escapes, so the host name cannot add a path separator or an info (":2,") part. */
    static String escapeHostname(String hostname) {
        return hostname.replace("/", "\\057").replace(":", "\\072");
    }

    /** Lower-cased, unusual characters mapped to '_'; refuses what could climb out of or hide in the tree. */
    static String directoryName(String part, String what) {
        if (part.isEmpty() || part.contains("/") || part.contains("..") || part.indexOf('\0') >= 0 || part.startsWith(".")) {
            throw new IllegalArgumentException("unsafe " + what + " for a mailbox directory: " + part.replace("\0", "\\0"));
        }
        StringBuilder sb = new StringBuilder(part.length());
        for (char c : part.toLowerCase(Locale.ROOT).toCharArray()) {
            boolean plain = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "._+=-".indexOf(c) >= 0;
            sb.append(plain ? c : '_');
        }
        return sb.toString();
    }

    /** The prefix and message concatenated with every CRLF turned into LF (a lone CR or LF is kept). */
    static byte[] toLf(byte[] prefix, byte[] message) {
        byte[] in = new byte[prefix.length + message.length];
        System.arraycopy(prefix, 0, in, 0, prefix.length);
        System.arraycopy(message, 0, in, prefix.length, message.length);
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\r' && i + 1 < in.length && in[i + 1] == '\n') continue;
            in[n++] = in[i];
        }
        return Arrays.copyOf(in, n);
    }

    private static void ensureMailbox(Path mailbox) throws IOException {
        boolean complete = true;
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            complete &= Files.isDirectory(mailbox.resolve(sub));
        }
        if (complete) return;
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            createPrivateDirectories(mailbox.resolve(sub));
        }
        // Make the new directory entries themselves durable, up to the domain directory.
        forceDirectory(mailbox);
        forceDirectory(mailbox.getParent());
        forceDirectory(mailbox.getParent().getParent());
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        try {
            FileAttribute<?> owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(dir, owner);
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir)) throw raced;
        }
    }

    private static void writeDurably(Path file, byte[] content) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
            ch.force(true);
        }
    }

    /** fsync a directory so a rename or creation in it survives a crash; skipped where directories cannot be opened. */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (UnsupportedOperationException | AccessDeniedException unsupported) {
            // e.g. Windows: directories cannot be opened as channels
        }
    }
}
