#include "automl/deployed_cost.h"

#include <algorithm>

#include "model/served_copy.h"
#include "predict/predict_cost.h"

namespace tabpilot {

double DeployedCostSeconds(double us_per_row) {
  return 4.0 * std::max(0.0, us_per_row) * static_cast<double>(kCostRows) * 1e-6;
}

std::unique_ptr<Predictor> ServedPredictor(const Bundle& bundle, const LearnerRegistry& learners, int threads) {
  Predictor::Options options;
  options.threads = threads;
  return Predictor::FromBundle(ServedCopy(bundle, BundleForm::kDefault, learners), options);
}

DeployedCost MeasureDeployedCost(const Predictor& served, const Bundle& bundle, const Table& table, int threads,
                                 Deadline deadline) {
  PredictCostOptions timing;
  timing.threads = threads;
  timing.deadline = deadline;
  const BundleCost cost = MeasureBundleCost(served, CostRows(table), timing);
  DeployedCost out;
  for (size_t m = 0; m < bundle.members.size(); ++m) out.member_us[bundle.members[m].name] = cost.members[m];
  out.transform_us = cost.pipelines;
  out.ensemble_us = cost.total;
  return out;
}

}  // namespace tabpilot
