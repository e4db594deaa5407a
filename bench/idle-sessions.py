#!/usr/bin/env python3
"""bench/idle-sessions.py HOST PORT N [PARALLEL]: opens N plain TCP sessions, reads each one's greeting, keeps them
all open (idle) and prints the greeting latencies (connect start -> the greeting's last line complete) as
"p50 p99 max" in ms. Then waits for a line on stdin; on "one" it opens one more session and prints its greeting
latency, on "close" (or EOF) it closes everything and exits. At most PARALLEL (default 100) connects wait for their
greeting at once, as clients arriving over time would; a session refused or closed early is an error (exit 1)."""
import selectors, socket, sys, time


def greeting_done(buf):
    # The greeting ends with a line "220 ..." (a "220-" line continues it)
    lines = buf.split(b"\r\n")
    return any(l[:4] == b"220 " for l in lines[:-1])


def open_all(host, port, n, parallel):
    sel = selectors.DefaultSelector()
    done, latencies, started, pending = [], [], 0, {}
    while len(done) < n:
        while started < n and len(pending) < parallel:
            s = socket.socket()
            s.setblocking(False)
            t0 = time.perf_counter()
            s.connect_ex((host, port))
            pending[s] = (t0, bytearray())
            sel.register(s, selectors.EVENT_READ)
            started += 1
        for key, _ in sel.select(timeout=30):
            s = key.fileobj
            t0, buf = pending[s]
            try:
                chunk = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            if not chunk:
                raise SystemExit(f"idle-sessions: session {len(done) + 1} closed before its greeting: {bytes(buf)!r}")
            buf += chunk
            if greeting_done(buf):
                latencies.append((time.perf_counter() - t0) * 1000)
                if buf[:3] != b"220":
                    raise SystemExit(f"idle-sessions: refused: {bytes(buf)!r}")
                sel.unregister(s)
                del pending[s]
                done.append(s)
        else:
            if not pending and started >= n:
                break
    sel.close()
    return done, latencies


def pct(sorted_ms, p):
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * p / 100))]


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    parallel = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    socks, lat = open_all(host, port, n, parallel)
    lat.sort()
    print(f"{pct(lat, 50):.2f} {pct(lat, 99):.2f} {lat[-1]:.2f}", flush=True)
    for line in sys.stdin:
        if line.strip() == "one":
            more, one = open_all(host, port, 1, 1)
            socks += more
            print(f"{one[0]:.2f}", flush=True)
        else:
            break
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
