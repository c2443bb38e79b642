// The trained bundle's measured predict cost as it is deployed: its default
// form (full where refit) in the compiled engine, on kCostRows training rows
// with the training's threads (inference_cost.h has the batch and the
// estimates made before the ensemble was chosen).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/deadline.h"
#include "data/table.h"
#include "learners/learner_registry.h"
#include "model/bundle.h"
#include "predict/predictor.h"

namespace tabpilot {

struct DeployedCost {
  std::map<std::string, double> member_us;     // each member's own models, by name (microseconds per row)
  std::map<std::string, double> transform_us;  // each feature pipeline's transform, by id
  double ensemble_us = 0;                      // the whole Predictor::Predict
};

// Seconds MeasureDeployedCost is expected to take on a bundle whose predict
// cost is about `us_per_row`: each member's models once and the whole
// predictor once (two predicts of kCostRows rows once past the deadline,
// when nothing is repeated), and building the served copy (serializing,
// loading and compiling every model, about one predict more): three
// predicts, and a fourth as a margin. An estimate: on small bundles
// building the served copy dominates (0.2-0.3 s timed against 0.1 s
// expected for 3,000 rows), which the write reserve absorbs. What the
// trainer keeps back from the refit's time, and the time it must have left
// to time the bundle at all.
double DeployedCostSeconds(double us_per_row);

// The predictor of a copy of `bundle`'s default form (model/served_copy.h)
// with `threads`: what is timed here, and what the explainability report
// explains (bundle_reports.h), built once for both.
std::unique_ptr<Predictor> ServedPredictor(const Bundle& bundle, const LearnerRegistry& learners, int threads);

// Times `served` (ServedPredictor of `bundle`) on CostRows(`table`) with
// `threads`; once `deadline` has passed, every figure is one run.
DeployedCost MeasureDeployedCost(const Predictor& served, const Bundle& bundle, const Table& table, int threads,
                                 Deadline deadline);

}  // namespace tabpilot
