#!/usr/bin/env bash
# The main job: build tabpilot and run the seed workflow on UCI Adult
# (examples/adult/pipeline.yaml): add headers -> AutoML -> model -> batch
# transform -> evaluate -> register if F1 >= threshold. Records and the
# registry live in .tabpilot/ in the repository root.
# Usage: scripts/run_pipeline.sh [--param k=v ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OMP_WAIT_POLICY=PASSIVE
BUILD_TARGETS=tabpilot bash "$root/scripts/build.sh" "$root/build"
cd "$root"
"$root/build/src/cli/tabpilot" pipeline run examples/adult/pipeline.yaml \
  --param model_registration_metric_threshold=0.68 "$@"
echo
"$root/build/src/cli/tabpilot" registry versions AutoMLModelPackageGroup
