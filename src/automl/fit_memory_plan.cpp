#include "automl/fit_memory_plan.h"

#include <algorithm>
#include <cmath>

#include "automl/bagging.h"

namespace tabpilot {
namespace {

// `params` with the count parameter set to `count`.
Params WithCount(const LearnerRegistry::Entry& entry, const Params& params, long long count) {
  Json values = params.values();
  values[entry.count_param] = count;
  return Params::Validate(entry.params, values, entry.family);
}

}  // namespace

double FitBytes(const LearnerRegistry::Entry& entry, size_t rows, size_t cols, int outputs, const Params& params) {
  if (entry.fit_bytes) return entry.fit_bytes(rows, cols, outputs, params);
  return static_cast<double>(rows) * static_cast<double>(cols) * kFoldBytesPerCell;
}

FitMemoryPlan PlanFitMemory(const LearnerRegistry::Entry& entry, const Params& params, size_t rows, size_t cols,
                            int outputs, int fits, int threads, double room, bool limited) {
  FitMemoryPlan plan;
  const bool counted = !entry.count_param.empty() && params.Has(entry.count_param);
  if (counted) plan.count = params.Int(entry.count_param);
  plan.fit_bytes = FitBytes(entry, rows, cols, outputs, params);
  if (limited && plan.fit_bytes > room) {
    const long long least = std::min(plan.count, kMinPlannedCount);
    if (!counted || FitBytes(entry, rows, cols, outputs, WithCount(entry, params, least)) > room) {
      // The smallest fit, for a caller that fits it anyway.
      plan.fits = false;
      plan.capped = true;
      if (counted && least < plan.count) {
        plan.count = least;
        plan.cut = true;
        plan.fit_bytes = FitBytes(entry, rows, cols, outputs, WithCount(entry, params, least));
      }
      return plan;
    }
    // The most that fit: fit_bytes grows with the count.
    long long lo = least, hi = plan.count;
    while (hi - lo > 1) {
      const long long mid = lo + (hi - lo) / 2;
      (FitBytes(entry, rows, cols, outputs, WithCount(entry, params, mid)) <= room ? lo : hi) = mid;
    }
    plan.count = lo;
    plan.cut = true;
    plan.fit_bytes = FitBytes(entry, rows, cols, outputs, WithCount(entry, params, lo));
  }
  const int most = std::max(1, std::min(threads, fits));
  const double by_memory = std::floor(room / std::max(1.0, plan.fit_bytes));
  plan.capped = by_memory < most;
  plan.concurrent_folds = plan.capped ? std::max(1, static_cast<int>(by_memory)) : most;
  return plan;
}

}  // namespace tabpilot
