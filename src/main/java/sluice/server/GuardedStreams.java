package sluice.server;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.function.LongSupplier;

/** A socket's streams with every blocking call under an {@link IoDeadline}. */
final class GuardedStreams {
    private GuardedStreams() {}

    /** Each read must finish within the timeout that {@code timeoutNanos} gives at the time of the call. */
    static InputStream input(InputStream in, IoDeadline deadline, LongSupplier timeoutNanos) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                deadline.start(timeoutNanos.getAsLong(), IoDeadline.OnExpiry.REPLY_AND_CLOSE);
                try {
                    return in.read();
                } finally {
                    deadline.clear();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                deadline.start(timeoutNanos.getAsLong(), IoDeadline.OnExpiry.REPLY_AND_CLOSE);
                try {
                    return in.read(b, off, len);
                } finally {
                    deadline.clear();
                }
            }
        };
    }

    /** Each write (and flush) must finish within {@code timeoutNanos}: a client that stops reading is closed. */
    static OutputStream output(OutputStream out, IoDeadline deadline, long timeoutNanos) {
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                deadline.start(timeoutNanos, IoDeadline.OnExpiry.CLOSE);
                try {
                    out.write(b, off, len);
                } finally {
                    deadline.clear();
                }
            }

            @Override
            public void flush() throws IOException {
                deadline.start(timeoutNanos, IoDeadline.OnExpiry.CLOSE);
                try {
                    out.flush();
                } finally {
                    deadline.clear();
                }
            }
        };
    }
}
