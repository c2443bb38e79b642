// How a candidate's fits are planned against train --memory-limit, before
// they start: how many of its folds are fitted at once, whether a family
// whose model grows with a count (a forest's trees) gets fewer of them, and
// whether the config is tried at all. From the family's fit_bytes estimate
// (learners/learner_registry.h) and the room the limit leaves beside what the
// process holds now (its resident memory: the search's models are on disk,
// model_spill.h, and freed memory goes back to the system,
// core/process_memory.h, so that is what the next fit adds to).
#pragma once

#include <cstddef>

#include "core/params.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// Fewer trees than this (or the config's count when it asks for fewer) are
// not worth a forest: the config is skipped instead.
inline constexpr long long kMinPlannedCount = 20;

struct FitMemoryPlan {
  int concurrent_folds = 1;  // fits at once, at least one
  bool capped = false;       // fewer than one a thread: the room holds no more
  bool fits = true;          // false: not one fit fits, even at kMinPlannedCount; the
                             // plan is then the smallest: one fit at a time, the least count
  long long count = 0;       // the count parameter to fit with (0: the family has none)
  bool cut = false;          // `count` is below the config's
  double fit_bytes = 0;      // one fit's estimate, at `count`
};

// What one fit of `entry`'s learners holds at its peak (its fit_bytes, or
// kFoldBytesPerCell a cell of its rows when the family gives none).
double FitBytes(const LearnerRegistry::Entry& entry, size_t rows, size_t cols, int outputs, const Params& params);

// The plan for `fits` fits (the folds; 1 for a fit that is its own
// out-of-fold, a bootstrapped forest) of `rows` x `cols` each, with the
// config's validated `params`, on `threads` threads, when `room` bytes are
// left (may be <= 0: none). With `limited` false (no --memory-limit) nothing
// is cut or skipped: `room` then only caps the folds fitted at once.
FitMemoryPlan PlanFitMemory(const LearnerRegistry::Entry& entry, const Params& params, size_t rows, size_t cols,
                            int outputs, int fits, int threads, double room, bool limited);

}  // namespace tabpilot
