#!/usr/bin/env bash
# The search over MPI ranks on several hosts: four network namespaces made by
# this test (mpirun in one, rank 0 and the two worker ranks in the others,
# each its own address and host name, all traffic between the namespaces),
# and the same leaderboard and predictions as one process.
# Usage: netns_search_test.sh TABPILOT_BINARY DATASETS_DIR
# Exits 77 (skipped) when namespaces cannot be made here, unless
# TABPILOT_REQUIRE_NETNS=1 (CI sets it: there the test must run).
set -euo pipefail
bin=$1
adult=${TABPILOT_DATASETS:-$2}/adult/adult.data
root=$(cd "$(dirname "$0")/../.." && pwd)
hosts="$root/scripts/netns_hosts.sh"
name="tpt$$"
work=$(mktemp -d)
cleanup() {
  "$hosts" down "$name" 4
  rm -rf "$work"
}
trap cleanup EXIT

[[ -f $adult ]] || { echo "missing dataset $adult" >&2; exit 1; }
rc=0
"$hosts" up "$name" 4 || rc=$?
if ((rc == 3)); then
  if [[ ${TABPILOT_REQUIRE_NETNS:-0} == 1 ]]; then
    echo "FAIL: network namespaces cannot be made, and TABPILOT_REQUIRE_NETNS=1" >&2
    exit 1
  fi
  echo "SKIPPED: network namespaces cannot be made here (needs root)"
  exit 77
fi
((rc == 0)) || exit "$rc"

header="age,workclass,fnlwgt,education,education_num,marital,occupation,relationship,race,sex,gain,loss,hours,country,income"
{ echo "$header"; head -n 3000 "$adult"; } > "$work/train.csv"
{ echo "$header"; sed -n 3001,4000p "$adult"; } > "$work/test.csv"
args=(train --data "$work/train.csv" --target income --time-limit 600 --max-models 5 --threads 1 --seed 11)

"$bin" "${args[@]}" --quiet --output "$work/one"
# Rank 0 on host 1, the worker ranks on hosts 2 and 3 (one slot each).
printf '10.77.0.11 slots=1\n10.77.0.12 slots=1\n10.77.0.13 slots=1\n' > "$work/hostfile"
"$hosts" mpirun "$name" --hostfile "$work/hostfile" -np 3 "$bin" "${args[@]}" --output "$work/three" \
  > "$work/three.log" 2>&1 || { cat "$work/three.log"; exit 1; }
grep -q "fitting folds on 2 worker rank(s) on 2 host(s) ($name-h2, $name-h3)" "$work/three.log" || {
  echo "FAIL: the workers did not run on the two other hosts:" >&2
  cat "$work/three.log" >&2
  exit 1
}

for m in one three; do
  "$bin" predict --quiet --model "$work/$m" --data "$work/test.csv" --output "$work/$m.csv"
done
cmp "$work/one.csv" "$work/three.csv" || { echo "FAIL: predictions differ" >&2; exit 1; }
/usr/bin/python3 - "$work/one/leaderboard.json" "$work/three/leaderboard.json" <<'EOF'
import json, sys
rows = [[(r["model"], r["score_val"], r.get("ensemble_weight"), r["status"]) for r in json.load(open(p))]
        for p in sys.argv[1:]]
assert len(rows[0]) == 6, rows[0]
assert rows[0] == rows[1], rows
EOF
echo "OK: 3 ranks on 3 namespaces ($(wc -l < "$work/test.csv") test rows): same leaderboard and predictions"
