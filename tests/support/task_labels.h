// Synthetic labels for generated test tables, one rule for every task.
#pragma once

#include "data/task.h"

namespace tabpilot::testing {

// The label of a row whose hidden score is z: z itself (regression), z > 0
// (binary), or three classes cut at `low` and `high` (multiclass).
inline float TaskLabel(Task task, float z, float low, float high) {
  if (task == Task::kRegression) return z;
  if (task == Task::kBinary) return z > 0 ? 1.0f : 0.0f;
  return z < low ? 0.0f : z < high ? 1.0f : 2.0f;
}

}  // namespace tabpilot::testing
