#include "automl/inference_cost.h"

#include <set>

#include "automl/refit.h"

namespace tabpilot {
namespace {

// Whether `c` would get a model on all rows from the refit (else it serves
// its fold models in the full form too).
bool WouldRefit(const TrainingRun& run, const Candidate& c) {
  if (!run.options().refit_full) return false;
  try {
    return RefitParams(run.learners(), c.config.family, run.board()[c.leaderboard_row].params, c.fit.info).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

InferenceCosts::InferenceCosts(std::vector<Item> items, std::map<std::string, double> transform_us)
    : items_(std::move(items)), transform_us_(std::move(transform_us)) {}

double InferenceCosts::SetCost(const std::vector<size_t>& members) const {
  return SetCost(members, std::vector<char>(items_.size(), 1));
}

double InferenceCosts::SetCost(const std::vector<size_t>& members, const std::vector<char>& one_model) const {
  std::set<size_t> served;
  for (size_t m : members) {
    served.insert(m);
    for (size_t input : items_[m].stack_inputs) served.insert(input);
  }
  std::set<std::string> pipelines;
  double total = 0;
  for (size_t m : served) {
    total += one_model.at(m) != 0 ? items_[m].own_us : items_[m].bagged_us;
    pipelines.insert(items_[m].pipeline);
  }
  for (const std::string& p : pipelines) total += transform_us_.at(p);
  return total;
}

InferenceCosts MeasureCandidateCosts(const TrainingRun& run) {
  PredictCostOptions timing;
  timing.threads = run.options().threads;
  timing.deadline = run.options().deadline;
  const Table rows = CostRows(run.data().features);
  std::vector<InferenceCosts::Item> items;
  std::map<std::string, double> transform_us;
  for (const Candidate& c : run.done()) {
    InferenceCosts::Item item;
    item.pipeline = PipelineId(c.config.features);
    item.stack_inputs = c.input_index;
    if (!transform_us.count(item.pipeline)) {
      const FeaturePipeline& pipeline = run.features().at(item.pipeline).pipeline;
      transform_us[item.pipeline] =
          MedianMicrosPerRow([&] { (void)pipeline.Transform(rows, timing.threads); }, rows.num_rows(), timing);
    }
    // One model on all rows already (own OOF): the deployed model itself.
    item.measured = c.fit.own_oof;
    const bool one_model = c.fit.own_oof || WouldRefit(run, c);
    item.bagged_us = c.fit.own_oof ? c.fold_predict_us : c.fold_predict_us * static_cast<double>(c.fit.folds.size());
    item.own_us = one_model ? c.fold_predict_us : item.bagged_us;
    items.push_back(std::move(item));
  }
  return InferenceCosts(std::move(items), std::move(transform_us));
}

}  // namespace tabpilot
