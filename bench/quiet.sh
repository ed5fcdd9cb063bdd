#!/usr/bin/env bash
# bench/quiet.sh SECONDS [LOG] — waits for SECONDS consecutive seconds in
# which the whole machine uses under 0.1 CPU, within the waiting budget
# left in the file $QUIET_BUDGET_FILE (seconds; what is spent is taken off,
# so the budget covers a whole bench script), and warns once it is spent.
# With LOG (hyperfine's --prepare), it appends the machine's CPU counters
# when a run starts and, at the next call, when it ended, so a report can
# say how much CPU the rest of the machine used during the runs themselves.
# Used through bench/lib.sh (bench_quiet_init, bench_hf, bench_time_runs).
set -u
need=$1 log=${2:-}
budget_file=${QUIET_BUDGET_FILE:?QUIET_BUDGET_FILE is not set (bench_quiet_init)}
snap() {  # busy-jiffies steal-jiffies seconds
  local _c user nice system idle iowait irq softirq steal _rest
  read -r _c user nice system idle iowait irq softirq steal _rest < /proc/stat
  echo "$((user + nice + system + irq + softirq)) $steal $(date +%s.%N)"
}
[ -z "$log" ] || [ ! -s "$log" ] || echo "end $(snap)" >> "$log"
limit=$(( $(getconf CLK_TCK) / 10 ))
budget=$(cat "$budget_file")
quiet=0 waited=0
while [ "$quiet" -lt "$need" ] && [ "$waited" -lt "$budget" ]; do
  a=$(snap); sleep 1; b=$(snap)
  if [ $(( ${b%% *} - ${a%% *} )) -le "$limit" ]; then quiet=$((quiet + 1)); else quiet=0; fi
  waited=$((waited + 1))
done
echo $((budget - waited)) > "$budget_file"
if [ "$quiet" -lt "$need" ] && [ "$waited" -gt 0 ]; then
  echo "${BENCH_NAME:-bench}: warning: the machine stays busy and the QUIET_BUDGET is spent; measuring anyway" >&2
fi
[ -z "$log" ] || echo "start $(snap)" >> "$log"
