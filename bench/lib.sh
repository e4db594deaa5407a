# bench/lib.sh — shell pieces shared by the bench scripts (sourced, not run). The sourcing script sets
# `set -euo pipefail`, `here` (the repository root) and `work` (its temp dir), and keeps `pids` for its cleanup.
# SLUICE_HOME: the tree whose ./sluice is run (default: this one), so that an A/B run can point one side at a
# copy of another commit (git archive COMMIT | tar -x -C DIR).
sluice_home=${SLUICE_HOME:-$here}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
now() { date +%s.%N; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# kib_of PID FIELD: a /proc/PID/status figure (VmRSS, VmHWM) in KiB
kib_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
mib() { python3 -c "print(round($1 / 1024, 1))"; }

# start_sink: smtp-sink on a free port (stores nothing), sets sink_port
start_sink() {
  sink_port=$(free_port)
  smtp-sink -u nobody "127.0.0.1:$sink_port" 1000 &
  pids+=($!)
  wait_port "$sink_port"
}

# start_dns NAME...: dnsmasq on a free port answering NAME's MX with 127.0.0.1, sets dns_port
start_dns() {
  local args=() d
  for d in "$@"; do args+=("--mx-host=$d,mx.$d,10" "--host-record=mx.$d,127.0.0.1"); done
  dns_port=$(free_port)
  dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
    --port="$dns_port" --user=root --pid-file= --local=/test/ --local-ttl=300 "${args[@]}" 2> "$work/dnsmasq.log" &
  pids+=($!)
}

# start_sluice TOML OUT: runs `sluice serve` as ./sluice runs it (bin/jvm-options; SLUICE_JAVA_OPTS adds to
# them), waits for PORT, sets sluice_pid (the JVM's own PID: ./sluice execs java)
start_sluice() {
  local toml=$1 port=$2
  "$sluice_home/sluice" serve --config "$toml" > "$work/sluice.out" 2>&1 &
  sluice_pid=$!
  pids+=($sluice_pid)
  wait_port "$port" || { echo "bench: sluice did not listen; its output:" >&2; tail -n 20 "$work/sluice.out" >&2; exit 1; }
}

# stop_sluice: SIGTERM and wait (a clean stop, so the next one can open the spool)
stop_sluice() {
  kill "$sluice_pid" 2>/dev/null || true
  wait "$sluice_pid" 2>/dev/null || true
}

# jdk_tool NAME: the JDK's tool (jcmd) of the JDK that ./sluice runs on
jdk_tool() { echo "$("$here/bin/find-jdk")/bin/$1"; }

# live_heap_mib PID: a full GC, then the heap in use after it (GC.heap_info, summed over the spaces it lists)
live_heap_mib() {
  local jcmd; jcmd=$(jdk_tool jcmd)
  "$jcmd" "$1" GC.run >/dev/null
  "$jcmd" "$1" GC.heap_info | python3 -c '
import re, sys
text = sys.stdin.read()
# Parallel: "PSYoungGen total 1K, used 2K" + "ParOldGen total 1K, used 3K";
# G1: "garbage-first heap total reserved 1K, committed 2K, used 3K"; ZGC: "ZHeap used 2M, capacity 3M"
parts = re.findall(r"Gen\s+total \d+K, used (\d+)K", text)
g1 = re.search(r"garbage-first heap.*?used (\d+)K", text)
z = re.search(r"used (\d+)M", text)
if parts:
    print(round(sum(int(u) for u in parts) / 1024, 1))
elif g1:
    print(round(int(g1.group(1)) / 1024, 1))
else:
    print(z.group(1) if z else "?")'
}
