// k-fold bagging: fit one model per fold on the other folds, predict the
// held-out fold, so every training row gets an out-of-fold (OOF) prediction.
// The bagged model predicts by averaging its fold models. Families that can
// predict a row without it from one fit (out-of-bag trees) may skip the folds.
#pragma once

#include <memory>
#include <vector>

#include "automl/fit_journal.h"
#include "automl/fold_executor.h"
#include "core/deadline.h"
#include "data/matrix.h"
#include "learners/learner.h"

namespace tabpilot {

struct BaggedFit {
  std::vector<std::unique_ptr<Model>> folds;
  Matrix oof;                  // rows × num_outputs
  double fit_seconds = 0;      // summed over folds
  bool complete = false;       // false: the deadline passed before every fold was fitted
  bool own_oof = false;        // one model on all rows, OOF from the model itself (see below)
  Json info = Json::object();  // per-fold Model::Info()
};

struct BaggingOptions {
  int num_folds = 5;
  // Each fold's fit stops at min(deadline, its share of the remaining time);
  // folds not started when it passes leave the fit incomplete.
  Deadline deadline = Deadline::Never();
  // Give each remaining fold an equal share of the time left.
  bool split_remaining_time = false;
  // Fit every fold even when the deadline has passed (each fit then stops as
  // early as its family allows, e.g. one boosting round). The run's first
  // candidate uses it: a model must come out of any budget.
  bool must_complete = false;
  // Folds fitted at once by the local executor, each on fit.threads / concurrent_folds threads
  // (at least one). Several one-thread fits beat one fit on several threads
  // on small data: no OpenMP barrier per tree level, where a passive wait
  // costs far more than the work (car, 2 threads: 79 s against 4.1 s). The
  // result is the same as fitting the folds one after another on the same
  // per-fit thread count; only the deadline each fold gets differs.
  int concurrent_folds = 1;
  // A learner that has_own_oof() (a bootstrapped forest: out-of-bag trees) is
  // fitted once on all rows with every thread, and its own out-of-sample
  // predictions are the OOF: k times cheaper to fit and to serve. Not for a
  // holdout, whose model must not see the held-out rows, nor for grouped rows
  // (a bootstrap draws rows, not groups).
  bool allow_own_oof = false;
  // Where the fold fits run (not owned); null: on threads of this process,
  // concurrent_folds at once.
  FoldExecutor* executor = nullptr;
  // When set, each finished fold fit is recorded in it, and a fit it already
  // holds (an interrupted run's) is taken from it instead of fitted again.
  FitJournal* journal = nullptr;
};

// What one fold's fit holds at its peak beside the shared matrix, per cell of
// its training rows: their float copy, and a booster's quantized matrix and
// gradients (kRefitBytesPerCell in sampled_refit.h, 6 bytes). The estimate
// for a family that gives none of its own (fit_memory_plan.h).
inline constexpr double kFoldBytesPerCell = 4.0 + 6.0;

// `folds[i]` is row i's fold. `fit` carries task/classes/threads/seed/feature
// metadata; its deadline is replaced per fold (a wave of concurrent folds
// shares the time of as many sequential folds).
BaggedFit FitBagged(const Learner& learner, const Matrix& x, const std::vector<float>& y, const std::vector<int>& folds,
                    const FitOptions& fit, const BaggingOptions& options);

}  // namespace tabpilot
