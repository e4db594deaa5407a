package sluice.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import java.nio.charset.StandardCharsets;
import sluice.smtp.Addresses;
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
 * <p>Mailbox directory names are one-to-one with addresses in their {@link Addresses#canonical} form: the local
 * part is the directory name as it is (UTF-8), which is what Dovecot's {@code mail_location =
 * maildir:ROOT/%d/%n} expects, except that what is unsafe in a file name is escaped as {@code %XX} (the UTF-8
 * bytes in upper-case hex): '/', '%' itself, control characters, and a leading '.' (a hidden directory, or a
 * Maildir++ folder to Dovecot). {@link #localPartOf} reverses it. Sluice before this mapping turned every
 * character outside {@code [a-z0-9._+=-]} into '_' (so "jörg" and "jürg" shared "j_rg"); such an old directory
 * is left alone, and a warning names it when the new one is made beside it. Domains must be plain host names.
 */
public final class Maildir {
    /** Unique within the process even for several instances sharing a root, as the name's Q part must be. */
    private static final AtomicLong DELIVERIES = new AtomicLong();
    private static final long PID = ProcessHandle.current().pid();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Maildir.class);
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final java.util.regex.Pattern DOMAIN = java.util.regex.Pattern.compile("[a-z0-9]([a-z0-9.-]*[a-z0-9])?");
    /** NAME_MAX of Linux file systems. */
    private static final int MAX_NAME_BYTES = 255;

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
        Path mailbox = root.resolve(domainDirectory(domain)).resolve(directoryName(localPart));
        if (ensureMailbox(mailbox)) warnIfLegacy(mailbox, localPart);
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

    /** The directory of a local part: see the class comment. */
    static String directoryName(String localPart) {
        if (localPart.isEmpty()) throw new IllegalArgumentException("empty local part");
        byte[] utf8 = Addresses.canonical(localPart).getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(utf8.length);
        int start = 0;
        for (int i = 0; i < utf8.length; i++) {
            int b = utf8[i] & 0xff;
            if (b == '/' || b == '%' || b < 0x20 || b == 0x7f || (i == 0 && b == '.')) {
                sb.append(new String(utf8, start, i - start, StandardCharsets.UTF_8)).append('%').append(HEX[b >> 4]).append(HEX[b & 15]);
                start = i + 1;
            }
        }
        sb.append(new String(utf8, start, utf8.length - start, StandardCharsets.UTF_8));
        String name = sb.toString();
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("local part too long for a mailbox directory (" + utf8.length + " bytes)");
        }
        return name;
    }

    /** The local part a directory name stands for (the inverse of {@link #directoryName}). */
    static String localPartOf(String directory) {
        byte[] in = directory.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length) {
                out.write(Integer.parseInt(new String(in, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A local domain as a directory: it must be a plain host name (it always is: local_domains are checked). */
    static String domainDirectory(String domain) {
        String d = Addresses.canonical(domain);
        if (!DOMAIN.matcher(d).matches() || d.contains("..")) {
            throw new IllegalArgumentException("unsafe domain for a mailbox directory: " + d.replace("\0", "\\0"));
        }
        return d;
    }

    /** The name the old mapping gave a local part ('_' for anything outside [a-z0-9._+=-]). */
    static String legacyDirectoryName(String localPart) {
        StringBuilder sb = new StringBuilder(localPart.length());
        for (char c : Addresses.canonical(localPart).toCharArray()) {
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

    /** Creates what is missing of the mailbox; true when anything was. */
    private static boolean ensureMailbox(Path mailbox) throws IOException {
        boolean complete = true;
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            complete &= Files.isDirectory(mailbox.resolve(sub));
        }
        if (complete) return false;
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            createPrivateDirectories(mailbox.resolve(sub));
        }
        // Make the new directory entries themselves durable, up to the domain directory.
        forceDirectory(mailbox);
        forceDirectory(mailbox.getParent());
        forceDirectory(mailbox.getParent().getParent());
        return true;
    }

    /** Says so when the old '_' mapping left a directory that this address used to be delivered into. */
    private static void warnIfLegacy(Path mailbox, String localPart) {
        String legacy = legacyDirectoryName(localPart);
        Path old = mailbox.resolveSibling(legacy);
        if (!legacy.equals(mailbox.getFileName().toString()) && Files.isDirectory(old.resolve("new"))) {
            log.warn("maildir: new mailbox {} created; mail for this address delivered by an older Sluice is in {} "
                    + "(a name other addresses may share: move what is theirs by hand)", mailbox, old);
        }
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        // Mailboxes are owner-only or not made at all: the delivery is deferred with this reason, never made
        // readable to others because the file system cannot say otherwise.
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            throw new IOException("the file system under " + dir + " has no POSIX permissions: Sluice does not create"
                    + " mailboxes it cannot make owner-only (put the Maildir root on a POSIX file system)");
        }
        try {
            FileAttribute<?> owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(dir, owner);
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

    /**
     * fsync a directory so a rename or creation in it survives a crash. A directory that cannot be opened or synced
     * is an IOException, so the delivery is deferred rather than reported durable: "delivered" always means on disk.
     */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (UnsupportedOperationException platformCannotSyncDirectories) {
            // finished behaviour, not a gap: FileChannel.force on a directory is refused this way off POSIX systems,
            // and such a delivery is deferred with this reason instead of being reported durable
            throw new IOException("this platform cannot sync the directory " + dir + ": a delivery there could not be"
                    + " made durable, so none is reported (Sluice needs Linux or another POSIX system)",
                    platformCannotSyncDirectories);
        }
    }
}
