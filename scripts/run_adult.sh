#!/usr/bin/env bash
# Adult without the pipeline: train on UCI Adult (official split), batch-predict the test
# set, write the model-quality report and print the leaderboard.
# Usage: scripts/run_adult.sh [TIME_LIMIT_SECONDS] [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
limit=${1:-60}
out=${2:-"$root/out/adult"}
bin="$root/build/src/cli/tabpilot"
export OMP_WAIT_POLICY=PASSIVE

BUILD_TARGETS=tabpilot bash "$root/scripts/build.sh" "$root/build"
mkdir -p "$out"
python3 "$root/bench/prepare_adult.py" "$out/data"
"$bin" train --data "$out/data/adult_train.csv" --target income --time-limit "$limit" --output "$out/model"
"$bin" predict --model "$out/model" --data "$out/data/adult_test.csv" --output "$out/predictions.csv"
"$bin" evaluate --model "$out/model" --data "$out/data/adult_test.csv" --output "$out/report.json"
echo
echo "model:       $out/model"
echo "predictions: $out/predictions.csv"
echo "report:      $out/report.json"
