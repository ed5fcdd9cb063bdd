#!/bin/sh
# The scenario scripts/qemu-v2.sh runs inside the VM (busybox sh, run by
# /init on a pure cgroup v2 kernel). Everything it learns goes to the serial
# console between markers, for crates/plimsoll/tests/node_v2.rs to parse:
#
#   PLIMSOLL_DOCTOR_BEGIN / PLIMSOLL_DOCTOR_END exit=N
#       `plimsoll node doctor --format json` (the root cgroup, where it runs)
#   PLIMSOLL_CGROUP path=... high=BYTES max=BYTES
#       the cgroup the watch follows and the limits written to it
#   PLIMSOLL_CG_DOCTOR_BEGIN / PLIMSOLL_CG_DOCTOR_END exit=N
#       `plimsoll node doctor --cgroup /sys/fs/cgroup/t --format json`, taken
#       while the hog holds memory over memory.high
#   PLIMSOLL_PRESSURE_BEGIN / _END       the cgroup's memory.pressure, read by
#       cat once the watch has reported pressure_high
#   PLIMSOLL_HOG_EXIT=N                  the hog's exit status (137: SIGKILL)
#   PLIMSOLL_WATCH_EXIT=N                the watch's status after SIGTERM
#   PLIMSOLL_EVENTS_BEGIN / _END         the --events file, as written
#   PLIMSOLL_MEMORY_EVENTS_BEGIN / _END  the cgroup's memory.events, read by cat
#   PLIMSOLL_DMESG_BEGIN / _END          the kernel's OOM report
#   PLIMSOLL_CHECK_FAILED: ...           one line per failed expectation
#
# The watch scenario: a cgroup with memory.high = 24 MiB and memory.max =
# 32 MiB; `plimsoll node watch --cgroup /sys/fs/cgroup/t --events
# /tmp/e.jsonl` follows it; the hog joins it and holds 25 MiB (1 MiB over
# memory.high: with no swap the kernel throttles allocations over
# memory.high hard, so the overage stays small) until the watch reports
# memory_high_exceeded, and (the throttling is a memory stall the cgroup's
# PSI counts) pressure_high from the cgroup's own memory.pressure over a
# threshold of 1 %; then memory.high is set to max and the hog grows
# until memory.max makes the kernel OOM-kill it; the watch must report
# memory_max_hit and oom_kill, and exit 0 on SIGTERM.
# Exit status: 0 when every expectation held, 1 otherwise.

fail=0
check_failed() {
  echo "PLIMSOLL_CHECK_FAILED: $*"
  fail=1
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
  secs=$1; what=$2; shift 2
  n=0
  while [ "$n" -lt $((secs * 10)) ]; do
    if "$@"; then return 0; fi
    sleep 0.1
    n=$((n + 1))
  done
  check_failed "timed out after ${secs}s waiting for $what"
  return 1
}

# shellcheck disable=SC2317 # called through wait_for
has_alert() {
  grep -q "\"$1\"" /tmp/e.jsonl 2>/dev/null
}

# (a) the doctor, on the root cgroup.
echo "PLIMSOLL_DOCTOR_BEGIN"
plimsoll node doctor --format json
rc=$?
echo
echo "PLIMSOLL_DOCTOR_END exit=$rc"
[ "$rc" -eq 0 ] || check_failed "plimsoll node doctor exited $rc"

# (b) the watch.
cg=/sys/fs/cgroup/t
high=$((24 * 1024 * 1024))
max=$((32 * 1024 * 1024))
hold_kib=$((25 * 1024))
mkdir "$cg" || check_failed "mkdir $cg"
echo "$max" > "$cg/memory.max" || check_failed "write memory.max"
echo "$high" > "$cg/memory.high" || check_failed "write memory.high"
echo "PLIMSOLL_CGROUP path=$cg high=$(cat "$cg/memory.high") max=$(cat "$cg/memory.max")"

plimsoll node watch --cgroup "$cg" --interval 0.2 --pressure-threshold 1 \
  --events /tmp/e.jsonl 2> /tmp/watch.err &
watch_pid=$!
# Let the watch take its baseline before the cgroup is driven.
sleep 1
kill -0 "$watch_pid" 2>/dev/null || check_failed "the watch exited early: $(cat /tmp/watch.err)"

hog "$cg" "$hold_kib" /tmp/go > /tmp/hog.out 2>&1 &
hog_pid=$!
wait_for 120 "the hog to hold ${hold_kib} KiB" grep -q holding /tmp/hog.out
echo "PLIMSOLL_HOG_HOLDING memory.current=$(cat "$cg/memory.current")"
wait_for 60 "memory_high_exceeded" has_alert memory_high_exceeded
wait_for 30 "pressure_high" has_alert pressure_high
echo "PLIMSOLL_PRESSURE_BEGIN"
cat "$cg/memory.pressure"
echo "PLIMSOLL_PRESSURE_END"

echo "PLIMSOLL_CG_DOCTOR_BEGIN"
plimsoll node doctor --cgroup "$cg" --format json
rc=$?
echo
echo "PLIMSOLL_CG_DOCTOR_END exit=$rc"
[ "$rc" -eq 0 ] || check_failed "plimsoll node doctor --cgroup exited $rc"

# Now past memory.max: no more throttling at memory.high, straight to OOM.
echo max > "$cg/memory.high"
touch /tmp/go
wait "$hog_pid"
hog_rc=$?
echo "PLIMSOLL_HOG_EXIT=$hog_rc"
[ "$hog_rc" -eq 137 ] || check_failed "the hog exited $hog_rc, not killed by SIGKILL (137): $(cat /tmp/hog.out)"
wait_for 20 "memory_max_hit" has_alert memory_max_hit
wait_for 20 "oom_kill" has_alert oom_kill

kill -TERM "$watch_pid"
wait "$watch_pid"
rc=$?
echo "PLIMSOLL_WATCH_EXIT=$rc"
[ "$rc" -eq 0 ] || check_failed "the watch exited $rc after SIGTERM: $(cat /tmp/watch.err)"
if [ -s /tmp/watch.err ]; then
  echo "PLIMSOLL_WATCH_STDERR_BEGIN"
  cat /tmp/watch.err
  echo "PLIMSOLL_WATCH_STDERR_END"
fi

echo "PLIMSOLL_EVENTS_BEGIN"
cat /tmp/e.jsonl
echo "PLIMSOLL_EVENTS_END"
echo "PLIMSOLL_MEMORY_EVENTS_BEGIN"
cat "$cg/memory.events"
echo "PLIMSOLL_MEMORY_EVENTS_END"
echo "PLIMSOLL_DMESG_BEGIN"
dmesg | grep -i -E 'oom|killed process' | tail -n 20
echo "PLIMSOLL_DMESG_END"

rmdir "$cg" || check_failed "rmdir $cg"
exit "$fail"
