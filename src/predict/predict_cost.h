// The prediction engine's measured cost per row: how long the compiled
// engine (a family's own predict where it does not compile) takes on a batch
// of rows, as the median of a few timed runs. The trainer records it on the
// leaderboard and keeps an ensemble within `train --infer-limit`
// (automl/inference_cost.h); bench/tree_bench.cpp times the same calls on
// larger batches.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/deadline.h"
#include "data/matrix.h"
#include "data/table.h"
#include "learners/learner.h"
#include "predict/predictor.h"

namespace tabpilot {

// Rows of the batch every predict cost is measured on.
inline constexpr size_t kCostRows = 1000;

// The kCostRows row indices of a batch drawn from `rows` rows: the first
// kCostRows, repeated when there are fewer.
std::vector<size_t> CostRowIndices(size_t rows);
// kCostRows rows of `table` (CostRowIndices).
Table CostRows(const Table& table);

struct PredictCostOptions {
  int threads = 1;  // threads each timed call uses (the predictor's own count)
  int repeats = 5;  // timed runs after the first; the figure is their median
  // A first run slower than this (20 us per row on 1,000 rows) is the
  // figure, warm-up included: it is not repeated, so timing a slow member
  // costs one call and the noise is small beside its time anyway.
  double max_repeat_seconds = 0.02;
  // Once it has passed, every figure is one run (the trainer's budget).
  Deadline deadline = Deadline::Never();
};

// The median over options.repeats runs of `fn` after a first, warm-up run
// (or that first run alone, see above), in microseconds per row of a batch
// of `rows` rows (rows > 0).
double MedianMicrosPerRow(const std::function<void()>& fn, size_t rows, const PredictCostOptions& options);

// The cost of `model` (of learner family `family`) on the rows of `x`: its
// compiled forest when the family compiles (compiled/model_compiler.h; the
// conversion is not timed), else its own Predict.
double ModelMicrosPerRow(const Model& model, const std::string& family, const Matrix& x,
                         const PredictCostOptions& options);

struct BundleCost {
  // Each feature pipeline's transform, by pipeline id.
  std::map<std::string, double> pipelines;
  // Each member's own cost, in the bundle's order: its served models on its
  // features (plus its stack columns at level 2), without its pipeline's
  // transform or its stack inputs' cost.
  std::vector<double> members;
  // The whole Predictor::Predict: every transform, member and the stacking.
  double total = 0;
};

// Times `predictor` on `rows` (the bundle's input columns; rows.num_rows() > 0)
// the way it serves them: its compiled cells or fold models.
BundleCost MeasureBundleCost(const Predictor& predictor, const Table& rows, const PredictCostOptions& options);

}  // namespace tabpilot
