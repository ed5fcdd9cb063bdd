#!/usr/bin/env bash
# bench/node.sh — plimsoll node watch over 1,000 real memory cgroups on this
# host (cgroup v1 memory controller at /sys/fs/cgroup/memory).
#
# Creates /sys/fs/cgroup/memory/plimsoll-bench-PID/libpod-<64 hex> × N
# (container naming: the watch finds them by discovery, as it finds
# podman's), each with a 64 MiB limit and one sleeping process in it (a
# container's cgroup is populated, and its files report real pages), then
# runs `plimsoll node watch --interval 1 --events FILE -v` over them. After
# start-up (discovery, the eventfd registrations and the first poll) and
# the usage-threshold registrations, it measures for 60 s:
#   - CPU: utime+stime of the watch from /proc/PID/stat over the window's
#     wall time, in % of one core;
#   - peak RSS: VmHWM from /proc/PID/status (start-up included);
#   - OOM kill → alert latency: during the window, K memory hogs (`tail`
#     reading /dev/zero: it buffers a never-ending line) are started one
#     after another in K different cgroups of the N and killed there by the
#     kernel's OOM killer. The kill time is the first moment a tight poller
#     (every 0.5 ms) sees the memcg's memory.oom_control `oom_kill` counter
#     rise; the hog's death is timed too (its exit, seen by the same loop).
#     The alert time is when the `oom_kill` line for that cgroup is found
#     in the --events file (woken by inotify on the file).
# The report replaces the `node` section of BENCHMARKS.md (between
# `<!-- node:begin -->` and `<!-- node:end -->`), or goes to -o FILE.
# Everything created is removed on exit, also on failure or Ctrl-C.
#
# Usage: bench/node.sh [-o FILE] [--no-build]
# Environment:
#   PLIMSOLL_BIN   plimsoll binary to measure (default: cargo build --release)
#   CGROUPS (1000), SECONDS_MEASURED (60), KILLS (12), INTERVAL (1),
#   COMPARE_SECONDS (30): then, for comparison, the same cgroups watched
#   with --full-every 1 (every poll reads every file of every cgroup), no
#   kills, CPU only (0: skipped)
#   QUIET_BUDGET (600): seconds to wait at most for a quiet machine first
set -euo pipefail
BENCH_NAME=node.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

cd "$(dirname "$0")/.."
root=$(pwd)
report_file=$root/BENCHMARKS.md
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    -o|--output)
      [ $# -ge 2 ] || { echo "node.sh: $1 needs a file" >&2; exit 2; }
      report_file=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) bench_usage; exit 0 ;;
    *) echo "node.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
report_file=$(bench_abs "$report_file")

CGROUPS=${CGROUPS:-1000}
SECONDS_MEASURED=${SECONDS_MEASURED:-60}
COMPARE_SECONDS=${COMPARE_SECONDS:-30}
KILLS=${KILLS:-12}
INTERVAL=${INTERVAL:-1}
QUIET_BUDGET=${QUIET_BUDGET:-600}
MEMORY=/sys/fs/cgroup/memory


[ "$(id -u)" = 0 ] || die "creating memory cgroups needs root"
[ -f "$MEMORY/memory.usage_in_bytes" ] || die "no cgroup v1 memory controller at $MEMORY"
command -v tail >/dev/null || die "tail (coreutils) is needed for the hogs"

bench_plimsoll "$build"

work=$(mktemp -d "${TMPDIR:-/tmp}/plimsoll-node-bench.XXXXXX")
parent=$MEMORY/plimsoll-bench-$$
# The Python driver cleans up after itself; this is the safety net for a
# driver that was killed: every process in the tree is killed, every
# cgroup removed.
cleanup() {
  local d pids i
  if [ -d "$parent" ]; then
    for i in 1 2 3 4 5; do
      pids=$(cat "$parent"/*/cgroup.procs "$parent"/cgroup.procs 2>/dev/null || true)
      [ -n "$pids" ] || break
      # shellcheck disable=SC2086
      kill -9 $pids 2>/dev/null || true
      sleep 0.2
    done
    for d in "$parent"/*/; do
      [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
    done
    rmdir "$parent" 2>/dev/null || log "warning: could not remove $parent"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- a quiet machine first ---------------------------------------------------
# Another job on this 2-core machine would be measured with the watch (its
# CPU share, its wake-up latency): wait, within QUIET_BUDGET, for 3 seconds
# in which the machine uses under 0.1 CPU. The report states how busy the
# rest of the machine was during the window.
bench_quiet_init "$QUIET_BUDGET"
bench_quiet 3
waited=$((QUIET_BUDGET - $(cat "$QUIET_BUDGET_FILE")))
# quiet.sh warns when the budget ran out before 3 quiet seconds
quiet=3
[ "$waited" -lt "$QUIET_BUDGET" ] || quiet=0
log "waited ${waited} s for a quiet machine"

# --- the run -----------------------------------------------------------------
export B_PLIMSOLL=$PLIMSOLL B_PARENT=$parent B_WORK=$work B_CGROUPS=$CGROUPS \
  B_SECONDS=$SECONDS_MEASURED B_COMPARE=$COMPARE_SECONDS B_KILLS=$KILLS B_INTERVAL=$INTERVAL B_WAITED=$waited \
  B_QUIET=$quiet
python3 - > "$work/result.json" <<'PY'
import ctypes, json, os, re, select, signal, statistics, subprocess, sys, time

E = os.environ
PLIMSOLL, PARENT, WORK = E["B_PLIMSOLL"], E["B_PARENT"], E["B_WORK"]
N, SECONDS, KILLS = int(E["B_CGROUPS"]), float(E["B_SECONDS"]), int(E["B_KILLS"])
INTERVAL = E["B_INTERVAL"]
COMPARE = float(E["B_COMPARE"])
LIMIT = 64 << 20
TICK = os.sysconf("SC_CLK_TCK")
pid = os.getpid()

def log(*a):
    print("node.sh:", *a, file=sys.stderr, flush=True)

def cg_id(i):
    return f"{pid:032x}{i:032x}"

def join(dir_):
    def f():
        with open(os.path.join(dir_, "cgroup.procs"), "w") as fh:
            fh.write(str(os.getpid()))
    return f

def oom_kills(dir_):
    with open(os.path.join(dir_, "memory.oom_control")) as fh:
        for line in fh:
            k, _, v = line.partition(" ")
            if k == "oom_kill":
                return int(v)
    raise RuntimeError(f"no oom_kill in {dir_}/memory.oom_control")

def proc_ticks(p):
    with open(f"/proc/{p}/stat") as fh:
        f = fh.read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])  # utime, stime (fields 14, 15)

def status_kib(p, key):
    with open(f"/proc/{p}/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(key)

def machine_busy():
    with open("/proc/stat") as fh:
        v = [int(x) for x in fh.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6]  # user nice system irq softirq

procs, dirs, watch = [], [], None

def cleanup():
    if watch and watch.poll() is None:
        watch.kill()
        watch.wait()
    for p in procs:
        if p.poll() is None:
            p.kill()
    for p in procs:
        try:
            p.wait(timeout=5)
        except Exception:
            pass
    for d in reversed(dirs):
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                # Stragglers (a hog's shell): kill what is left, retry.
                try:
                    for q in open(os.path.join(d, "cgroup.procs")).read().split():
                        os.kill(int(q), signal.SIGKILL)
                except OSError:
                    pass
                time.sleep(0.05)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
try:
    # 1,000 memcgs, each with a limit and a sleeping process.
    t0 = time.monotonic()
    os.mkdir(PARENT)
    dirs.append(PARENT)
    for i in range(N):
        d = os.path.join(PARENT, f"libpod-{cg_id(i)}")
        os.mkdir(d)
        dirs.append(d)
        with open(os.path.join(d, "memory.limit_in_bytes"), "w") as fh:
            fh.write(str(LIMIT))
        procs.append(subprocess.Popen(["sleep", "infinity"], preexec_fn=join(d),
                                      stdin=subprocess.DEVNULL))
    created = time.monotonic() - t0
    log(f"{N} memcgs created, a sleeping process in each, in {created:.1f} s")

    events = os.path.join(WORK, "alerts.jsonl")
    open(events, "w").close()
    errlog = open(os.path.join(WORK, "watch.stderr"), "w")
    cmd = [PLIMSOLL, "node", "watch", "--interval", INTERVAL, "--events", events, "-v"]
    spawned = time.monotonic()
    watch = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errlog)
    wpid = watch.pid

    def stderr_lines():
        with open(os.path.join(WORK, "watch.stderr")) as fh:
            return fh.read().splitlines()

    def wait_line(pat, within):
        until = time.monotonic() + within
        while time.monotonic() < until:
            for l in stderr_lines():
                if pat in l:
                    return l, time.monotonic()
            if watch.poll() is not None:
                raise RuntimeError(f"the watch exited: {watch.returncode}")
            time.sleep(0.05)
        raise RuntimeError(f"no {pat!r} within {within} s")

    summary, at = wait_line("full poll every", 120)
    startup = at - spawned
    followed = int(re.search(r"following (\d+) cgroup", summary).group(1))
    log(f"start-up {startup:.2f} s: {summary}")
    reg, at = wait_line("usage thresholds registered for", 300)
    registered = at - spawned
    log(f"{reg} ({registered:.1f} s after start)")
    startup_cpu = proc_ticks(wpid) / TICK

    # inotify on the events file: the alert's arrival, without polling.
    libc = ctypes.CDLL(None, use_errno=True)
    ino = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    assert ino >= 0 and libc.inotify_add_watch(ino, events.encode(), 0x2) >= 0  # IN_MODIFY
    poller = select.poll()
    poller.register(ino, select.POLLIN)
    ev = open(events, "rb")
    seen = []  # alerts read so far

    def read_alerts():
        while True:
            pos = ev.tell()
            line = ev.readline()
            if not line:
                return
            if not line.endswith(b"\n"):  # a partial line: read it again later
                ev.seek(pos)
                return
            seen.append(json.loads(line))

    def wait_alert(cgroup, within):
        until = time.monotonic() + within
        while True:
            read_alerts()
            for a in seen:
                if a["alert_type"] == "oom_kill" and a["cgroup"] == cgroup and not a.get("_used"):
                    a["_used"] = True
                    return a, time.time()
            left = until - time.monotonic()
            if left <= 0:
                return None, None
            if poller.poll(max(1, int(left * 1000))):
                try:
                    os.read(ino, 65536)
                except BlockingIOError:
                    pass

    # The measured window.
    hogs_at = [i * N // KILLS + N // (2 * KILLS) for i in range(KILLS)]
    busy0, ticks0, wall0 = machine_busy(), proc_ticks(wpid), time.monotonic()
    kills = []
    for k, idx in enumerate(hogs_at):
        slot = wall0 + (k + 0.5) * (SECONDS - 2.0) / KILLS
        while time.monotonic() < slot:
            time.sleep(min(0.2, slot - time.monotonic()))
        d = os.path.join(PARENT, f"libpod-{cg_id(idx)}")
        cgroup = d[len("/sys/fs/cgroup/memory"):]
        before = oom_kills(d)
        started = time.time()
        hog = subprocess.Popen(["tail", "-n", "1"], stdin=open("/dev/zero", "rb"),
                               stdout=subprocess.DEVNULL, preexec_fn=join(d))
        procs.append(hog)
        t_kill = t_death = None
        deadline = time.monotonic() + 20
        while (t_kill is None or t_death is None) and time.monotonic() < deadline:
            if t_kill is None and oom_kills(d) > before:
                t_kill = time.time()
            if t_death is None and hog.poll() is not None:
                t_death = time.time()
            time.sleep(0.0005)
        if t_kill is None or t_death is None:
            raise RuntimeError(f"hog {k} in {cgroup}: not OOM-killed within 20 s")
        alert, t_alert = wait_alert(cgroup, 10)
        kills.append(dict(cgroup=cgroup, started=started, kill=t_kill, death=t_death,
                          alert=t_alert, signal=-hog.returncode if hog.returncode else 0,
                          oom_kill_after=oom_kills(d) - before,
                          alert_count=alert.get("count") if alert else None,
                          alert_threshold=alert.get("threshold_bytes") if alert else None,
                          alert_container=alert.get("container_id") if alert else None,
                          expected_container=cg_id(idx)[:12],
                          alert_timestamp=alert.get("timestamp") if alert else None))
        lat = f"{(t_alert - t_kill) * 1000:.0f} ms" if t_alert else "none in 10 s"
        log(f"kill {k + 1}/{KILLS} in …{cgroup[-8:]}: alert {lat} after the kill")
    while time.monotonic() < wall0 + SECONDS:
        time.sleep(0.1)
    busy1, ticks1, wall1 = machine_busy(), proc_ticks(wpid), time.monotonic()
    hwm, rss = status_kib(wpid, "VmHWM"), status_kib(wpid, "VmRSS")
    fds = len(os.listdir(f"/proc/{wpid}/fd"))
    watch.send_signal(signal.SIGTERM)
    code = watch.wait(timeout=30)

    polls = []
    for l in stderr_lines():
        m = re.search(r"poll (\d+): sampled (\d+) of (\d+) cgroups \((\d+) in full, (\d+) quickly, (\d+) covered by notifications\) in ([0-9.]+) ms", l)
        if m:
            polls.append([int(m.group(1)), int(m.group(2)), int(m.group(3)), float(m.group(7)), int(m.group(4)), int(m.group(5)), int(m.group(6))])
    # For comparison: every poll reading every file of every cgroup.
    compare = None
    if COMPARE > 0:
        cerr_path = os.path.join(WORK, "watch-full.stderr")
        cerr = open(cerr_path, "w")
        ccmd = [PLIMSOLL, "node", "watch", "--interval", INTERVAL, "--full-every", "1",
                "--events", os.path.join(WORK, "alerts-full.jsonl")]
        watch = subprocess.Popen(ccmd, stdout=subprocess.DEVNULL, stderr=cerr)
        until = time.monotonic() + 300
        while "usage thresholds registered for" not in open(cerr_path).read():
            if watch.poll() is not None or time.monotonic() > until:
                raise RuntimeError("the --full-every 1 watch did not get going")
            time.sleep(0.05)
        time.sleep(2 * float(INTERVAL))
        c0, w0 = proc_ticks(watch.pid), time.monotonic()
        time.sleep(COMPARE)
        c1, w1 = proc_ticks(watch.pid), time.monotonic()
        watch.send_signal(signal.SIGTERM)
        watch.wait(timeout=30)
        compare = dict(cpu_s=(c1 - c0) / TICK, window_s=w1 - w0,
                       cpu_pct=100 * (c1 - c0) / TICK / (w1 - w0),
                       command=" ".join(["plimsoll"] + ccmd[1:]).replace(WORK, "$TMP"))
        log(f"--full-every 1: {compare['cpu_pct']:.2f} % of one core")
    cpu_s = (ticks1 - ticks0) / TICK
    wall = wall1 - wall0
    other = max(0.0, (busy1 - busy0) / TICK - cpu_s) / wall
    warnings = [l for l in stderr_lines() if "warning" in l or "could not register" in l]
    json.dump(dict(
        cgroups=N, followed=followed, summary=summary, created_s=created,
        startup_s=startup, registered_s=registered, registered_line=reg,
        startup_cpu_s=startup_cpu, window_s=wall, cpu_s=cpu_s, cpu_pct=100 * cpu_s / wall,
        hwm_kib=hwm, rss_kib=rss, fds=fds, exit_code=code, other_cores=other,
        kills=kills, polls=polls, warnings=warnings[:20], interval=INTERVAL, compare=compare,
        command=" ".join(["plimsoll"] + cmd[1:]).replace(events, "$TMP/alerts.jsonl"),
    ), sys.stdout)
finally:
    cleanup()
PY

# --- report ------------------------------------------------------------------
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- . ':!bench' ':!BENCHMARKS.md' 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
[ -z "${PLIMSOLL_BIN:-}" ] && [ "$build" = 1 ] || commit="$commit; binary not built by this run: $PLIMSOLL"
export R_COMMIT=$commit R_VERSION=$("$PLIMSOLL" --version | awk '{print $NF}')
export R_CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export R_NPROC=$(nproc) R_KERNEL=$(uname -sr) R_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
export R_MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
# shellcheck disable=SC1091
export R_OS=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
export R_RUSTC=$(rustc --version 2>/dev/null || echo unknown)
export R_CMD="bench/node.sh"
python3 - "$work/result.json" > "$work/report.md" <<'PY'
import json, os, statistics, sys
E = os.environ
r = json.load(open(sys.argv[1]))
w = []
o = w.append
mib = lambda k: k / 1024
lat = sorted((k["alert"] - k["kill"]) * 1000 for k in r["kills"] if k["alert"])
lat_death = sorted((k["alert"] - k["death"]) * 1000 for k in r["kills"] if k["alert"])
missing = sum(1 for k in r["kills"] if not k["alert"])
good = all(k["alert_count"] == 1 and k["alert_threshold"] == 64 << 20
           and k["alert_container"] == k["expected_container"] and k["oom_kill_after"] == 1
           for k in r["kills"] if k["alert"])
poll_ms = [p[3] for p in r["polls"]]
complete = sum(1 for p in r["polls"] if p[1] == p[2])
med = lambda i: statistics.median(p[i] for p in r["polls"]) if r["polls"] else 0
yes = lambda b: "**yes**" if b else "**no**"
o(f"# Benchmark: `plimsoll node watch` over {r['cgroups']:,} real memory cgroups\n")
o(f"Produced by `{E['R_CMD']}` on {E['R_DATE']}; do not edit by hand — rerun the script.\n")
o(f"{r['cgroups']} real v1 memory cgroups on this host "
  "(`/sys/fs/cgroup/memory/plimsoll-bench-PID/libpod-<64 hex>`, found by discovery like "
  "podman's), each with a 64 MiB limit and one sleeping process; the watch "
  f"ran as `{r['command']}` and was measured for {r['window_s']:.0f} s after its start-up. "
  f"It followed {r['followed']} cgroups.\n")
o("## Machine\n")
o(f"- CPU: {E['R_CPU']}, `nproc` = {E['R_NPROC']}, memory {E['R_MEM']}")
o(f"- kernel: {E['R_KERNEL']} (hybrid: memory controller on cgroup v1); OS: {E['R_OS']}")
o(f"- plimsoll {E['R_VERSION']} (commit {E['R_COMMIT']}, release profile), {E['R_RUSTC']}\n")
o("## Results\n")
o("| figure | measured | goal | met? |")
o("|---|---:|---:|---|")
o(f"| CPU over the {r['window_s']:.0f} s window (utime+stime / wall) | {r['cpu_pct']:.2f} % of one core "
  f"({r['cpu_s']:.2f} s) | ≤ 1 % | {yes(r['cpu_pct'] <= 1.0)} |")
o(f"| peak RSS (VmHWM, start-up included) | {mib(r['hwm_kib']):.1f} MiB | ≤ 30 MB | {yes(r['hwm_kib'] * 1024 <= 30e6)} |")
if lat:
    o(f"| OOM kill → alert line, median of {len(lat)} | {statistics.median(lat):.0f} ms | ≤ 1 s | "
      f"{yes(statistics.median(lat) <= 1000)} |")
    o(f"| OOM kill → alert line, max of {len(lat)} | {max(lat):.0f} ms | ≤ 1 s | {yes(max(lat) <= 1000 and not missing)} |")
if missing:
    o(f"| kills without an alert within 10 s | {missing} | 0 | **no** |")
o("")
o("Other figures:\n")
o(f"- start-up (spawn → first full poll done: {r['followed']} cgroups discovered, an OOM "
  f"eventfd registered for each): {r['startup_s']:.2f} s; the usage thresholds (one v1 "
  f"registration per cgroup, each waiting for an RCU grace period in the kernel; written by "
  f"32 threads, which share grace periods) were done {r['registered_s']:.1f} s after the start "
  f"(`{r['registered_line'].split(': ', 1)[-1]}`); CPU used by the start-up: {r['startup_cpu_s']:.2f} s.")
if poll_ms:
    o(f"- polls in the window and around it: {len(poll_ms)}, {complete} of them accounted for every "
      f"followed cgroup; per poll (median) {med(4):.0f} cgroups read in full, {med(5):.0f} quickly, "
      f"{med(6):.0f} left to their notifications (each cgroup is read in full at one poll in 10, "
      f"`--full-every`); poll duration median {statistics.median(poll_ms):.1f} ms, max {max(poll_ms):.1f} ms "
      f"(interval {r['interval']} s).")
if r.get("compare"):
    c = r["compare"]
    o(f"- for comparison, the same cgroups watched with every poll reading every file of every "
      f"cgroup (`{c['command']}`, no kills): {c['cpu_pct']:.2f} % of one core over {c['window_s']:.0f} s.")
o(f"- OOM kill → alert, all {len(lat)} (ms, sorted): {', '.join(f'{x:.0f}' for x in lat)}; "
  f"measured from the hog's death instead of the counter: median "
  f"{statistics.median(lat_death) if lat_death else float('nan'):.0f} ms, max {max(lat_death) if lat_death else float('nan'):.0f} ms.")
o(f"- every alert had `count` 1, `threshold_bytes` 67108864 (the limit), the 12-hex container id, "
  f"and the kernel counted exactly one OOM kill per hog: {yes(good)}.")
o(f"- VmRSS at the end {mib(r['rss_kib']):.1f} MiB; {r['fds']} open descriptors (per cgroup two eventfds, "
  "OOM and the usage threshold, and a handle on its directory that the cgroup files are opened from; "
  f"with PSI on this kernel `memory.pressure_level` is not the pressure source and gets none); exit code on SIGTERM: {r['exit_code']}.")
o(f"- the rest of the machine used {r['other_cores']:.2f} cores during the window (the hogs "
  "themselves, the tight poller timing the kills, the other sleeping processes)"
  + (".\n" if r['other_cores'] < 0.2 else "; a busy machine slows the watch's wake-ups: rerun on a quiet one.\n"))
if r["warnings"]:
    o("Warnings the watch logged:\n")
    for l in r["warnings"]:
        o(f"- `{l}`")
    o("")
o("## Method\n")
o("- CPU: `/proc/PID/stat` utime+stime of the watch at the window's start and end, over the "
  "wall time between (monotonic clock); it includes the samples triggered by the OOM "
  "notifications and the writes of the alert lines, each batch fsynced by a thread of the watch "
  "(on this machine the 12 kills, about 3 alert lines each, cost a few milliseconds of CPU apiece, "
  "mostly in `fdatasync`).")
o("- Kill time: a poller reading the memcg's `memory.oom_control` every 0.5 ms from the hog's "
  "start records when `oom_kill` rises (the kernel counts the kill as it sends SIGKILL), so the "
  "latency is overstated by at most the poller's period. Alert time: the `oom_kill` line for "
  "that cgroup read from the `--events` file after an inotify `IN_MODIFY` wake-up; the watch "
  "writes the line (a thread of the watch then fsyncs it). The line's own `timestamp` has one-second resolution and is "
  "not used for the latency.")
o("- The hogs (`tail -n 1 < /dev/zero`) fill their cgroup's 64 MiB in tens of milliseconds; the "
  "kernel notifies the watch through the `memory.oom_control` eventfd when the cgroup goes "
  "under OOM, just before the kill, and the watch samples at once and again 250 ms, 1 s and 3 s "
  "later (the counter moves just after the notification).")
o("- `-v` adds one log line per poll (the poll figures above) and one per wake-up; nothing else "
  "differs from the default.")
print("\n".join(w))
PY

cat "$work/report.md"
if [ "$report_file" = "$root/BENCHMARKS.md" ]; then
  python3 "$root/bench/merge-section.py" node "$work/report.md" "$report_file"
else
  cp "$work/report.md" "$report_file"
fi
log "report written to $report_file"
