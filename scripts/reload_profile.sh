#!/bin/sh
# What one reload costs, on an idle daemon: N full-revalidation swaps (module + data rewritten,
# SIGHUP) 50 ms apart, counted on the whole daemon with `perf stat` (task-clock, page faults,
# context switches, the memory syscalls and flushes). Divide by the swaps printed.
#   scripts/reload_profile.sh BINARY [SWAPS] [extra perf args...]
set -eu
BIN=$1; N=${2:-100}; shift; [ $# -gt 0 ] && shift
CASES=$(cd "$(dirname "$0")/.." && pwd)/../shared/bench/anchor_policies
[ -d "$CASES" ] || CASES=/work/shared/bench/anchor_policies
D=$(mktemp -d /tmp/reload-prof.XXXXXX)
mkdir -p "$D/bundles/anchors" "$D/state"
cp "$CASES/a_rbac.rego" "$D/bundles/anchors/a_rbac.rego"
echo '{"swap":{"n":0}}' > "$D/bundles/anchors/data.json"
cat > "$D/c.yaml" <<EOF
socket:
  path: $D/s.sock
state_dir: $D/state
bundles:
  dir: $D/bundles
  allow_unsigned: true
log:
  target: stderr
  level: warning
decision_log:
  enabled: false
EOF
"$BIN" serve --config "$D/c.yaml" 2>"$D/err" &
PID=$!
while [ ! -S "$D/s.sock" ]; do sleep 0.1; done
sleep 0.5
cat > "$D/churn.py" <<'EOF'
import os, signal, sys, time
d, pid, n, cases = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
module = open(os.path.join(cases, "a_rbac.rego")).read()
sb = os.path.join(d, "bundles", "anchors")
for i in range(1, n + 1):
    time.sleep(0.05)
    open(d + "/t", "w").write('{"swap":{"n":%d}}' % i); os.replace(d + "/t", sb + "/data.json")
    if not os.environ.get("DATA_ONLY"):
        open(d + "/t", "w").write(module + "# revision %d\n" % i); os.replace(d + "/t", sb + "/a_rbac.rego")
    os.kill(pid, signal.SIGHUP)
time.sleep(0.3)
EOF
# Counts the daemon while the churn runs (fdatasync = activations recorded).
perf stat -p $PID -e task-clock,page-faults,context-switches,syscalls:sys_enter_madvise,syscalls:sys_enter_munmap,syscalls:sys_enter_mmap,syscalls:sys_enter_brk,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync,syscalls:sys_enter_rename,syscalls:sys_enter_unlink,syscalls:sys_enter_openat "$@" -- python3 "$D/churn.py" "$D" "$PID" "$N" "$CASES" 2>"$D/perf"
grep -E "task-clock|page-faults|context|syscalls" "$D/perf" | awk '{print $1, $2}'
for t in /proc/$PID/task/*; do c=$(cat $t/comm); case $c in policyd-reload*) awk '{print "reload thread ticks", $14+$15}' $t/stat;; esac; done
kill $PID; wait $PID 2>/dev/null || true
rm -rf "$D"
