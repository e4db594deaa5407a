import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The floor of a Java SMTP server under Sluice's own rules: one virtual thread per session, blocking socket I/O,
 * and nothing else: no parsing beyond the command verb, nothing stored, no fsync, no log. bench/accept times it
 * beside smtp-sink (C, one event loop), so the part of the gap that belongs to the JVM's sockets and scheduler is
 * seen apart from Sluice's own work. Usage: java [the options of bin/jvm-options] JavaSink.java PORT
 */
public final class JavaSink {
    private static final byte[] GREETING = ascii("220 java-sink ESMTP\r\n");
    private static final byte[] EHLO = ascii("250-java-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    private static final byte[] OK = ascii("250 2.0.0 Ok\r\n");
    private static final byte[] GO = ascii("354 End data with <CR><LF>.<CR><LF>\r\n");
    private static final byte[] BYE = ascii("221 2.0.0 Bye\r\n");

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 1000);
            while (true) {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> session(socket));
            }
        }
    }

    private static void session(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write(GREETING);
            byte[] buf = new byte[32 * 1024];
            byte[] verb = new byte[4];
            int verbLength = 0;
            boolean inLine = false; // past the verb of the current command line
            boolean data = false;
            int end = 2; // in data: how much of CRLF.CRLF has been seen (starts as if after a CRLF)
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (data) {
                        end = switch (end) {
                            case 0 -> b == '\r' ? 1 : 0;
                            case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                            case 2 -> b == '.' ? 3 : b == '\r' ? 1 : 0;
                            case 3 -> b == '\r' ? 4 : 0;
                            default -> b == '\n' ? 5 : b == '\r' ? 1 : 0;
                        };
                        if (end == 5) {
                            data = false;
                            out.write(OK);
                        }
                    } else if (b == '\n') {
                        String command = new String(verb, 0, verbLength, StandardCharsets.US_ASCII).toUpperCase();
                        verbLength = 0;
                        inLine = false;
                        switch (command) {
                            case "EHLO", "HELO" -> out.write(EHLO);
                            case "DATA" -> {
                                data = true;
                                end = 2;
                                out.write(GO);
                            }
                            case "QUIT" -> {
                                out.write(BYE);
                                return;
                            }
                            default -> out.write(OK);
                        }
                    } else if (!inLine) {
                        if (verbLength < 4) verb[verbLength++] = b;
                        if (verbLength == 4) inLine = true;
                    }
                }
            }
        } catch (IOException e) {
            // the client went away: nothing to keep
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
