package sluice.node;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * libc's socket/sendto/close through java.lang.foreign (final in Java 22): a datagram to an AF_UNIX socket without a
 * native library of ours. Compiled at release 22 (src/main/java22); {@link SystemdNotifier} loads it reflectively.
 */
@SuppressWarnings("restricted") // downcalls and reinterpret: the launcher passes --enable-native-access=ALL-UNNAMED
final class UnixDatagramSocket implements NotifySocket {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000; // the fd must not leak into a child process
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_DONTWAIT = 0x40; // a stuck service manager must not stall start-up or shutdown
    private static final int CLOCK_MONOTONIC = 1;
    private static final int SUN_PATH = 108; // sizeof(sockaddr_un.sun_path) on Linux

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout ERRNO_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = ERRNO_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private final MethodHandle socket = downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), true);
    private final MethodHandle sendto = downcall("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT), true);
    private final MethodHandle close = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT), false);
    private final MethodHandle strerror = downcall("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT), false);
    private final MethodHandle clockGettime = downcall("clock_gettime", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS), false);

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, boolean errno) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return errno ? LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"))
                : LINKER.downcallHandle(symbol, descriptor);
    }

    @Override
    public void send(String address, String message) throws IOException {
        byte[] path = address.getBytes(StandardCharsets.UTF_8);
        boolean abstractName = address.startsWith("@");
        // A path needs its terminating NUL inside sun_path; an abstract name is a leading NUL and no terminator.
        if (path.length + (abstractName ? 0 : 1) > SUN_PATH) throw new IOException("the socket name is too long");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(ERRNO_STATE);
            MemorySegment addr = arena.allocate(2 + SUN_PATH); // zeroed: the NULs come free
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(path, abstractName ? 1 : 0, addr, ValueLayout.JAVA_BYTE,
                    abstractName ? 3 : 2, abstractName ? path.length - 1 : path.length);
            int addrLen = 2 + path.length + (abstractName ? 0 : 1);
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            MemorySegment buf = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);

            int fd = (int) socket.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new IOException("socket: " + error(state));
            try {
                long sent = (long) sendto.invokeExact(state, fd, buf, (long) bytes.length,
                        MSG_NOSIGNAL | MSG_DONTWAIT, addr, addrLen);
                if (sent < 0) throw new IOException(error(state));
            } finally {
                int ignored = (int) close.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) { // invokeExact declares Throwable; the C functions throw nothing
            throw new IOException(t.getMessage(), t);
        }
    }

    private String error(MemorySegment state) throws Throwable {
        int errno = (int) ERRNO.get(state, 0L);
        MemorySegment text = (MemorySegment) strerror.invokeExact(errno);
        return text.reinterpret(256).getString(0);
    }

    @Override
    public long monotonicMicros() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ts = arena.allocate(16); // struct timespec { time_t tv_sec; long tv_nsec; } on x86-64/arm64
            int rc = (int) clockGettime.invokeExact(CLOCK_MONOTONIC, ts);
            if (rc != 0) throw new IllegalStateException("clock_gettime failed");
            return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000 + ts.get(ValueLayout.JAVA_LONG, 8) / 1_000;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t.getMessage(), t);
        }
    }
}
