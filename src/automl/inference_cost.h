// Each candidate's predict cost as it would be deployed, known before the
// ensemble is chosen, and the cost of serving a set of candidates: what
// `train --infer-limit` keeps the ensemble within (ensemble_choice.h) and
// what the leaderboard shows for candidates the final bundle does not hold.
//
// Costs are microseconds per row on a batch of kCostRows training rows with
// the run's threads, in the compiled engine (predict/predict_cost.h). A
// candidate's deployed models are not all built yet (the refit comes after
// the choice), so its first fold model is timed right after its fit, inside
// the search's time (Candidate::fold_predict_us), and stands for the one
// refit model in the full form, or times the fold count for the bagged form:
// estimates. A candidate that is one model on all rows already (own OOF)
// deploys that model: measured. The feature pipelines' transforms are
// measured.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "automl/training_run.h"
#include "predict/predict_cost.h"

namespace tabpilot {

class InferenceCosts {
 public:
  struct Item {
    double own_us = 0;                 // its models alone (not its inputs, not its transform)
    double bagged_us = 0;              // the same in the bagged form: its fold models (own_us when one model)
    bool measured = false;             // the deployed model itself was timed (else estimated)
    std::string pipeline;              // the feature pipeline it reads
    std::vector<size_t> stack_inputs;  // indices of the candidates it stacks on
  };

  InferenceCosts() = default;
  InferenceCosts(std::vector<Item> items, std::map<std::string, double> transform_us);

  size_t size() const { return items_.size(); }
  const Item& item(size_t c) const { return items_[c]; }
  double transform_us(const std::string& pipeline) const { return transform_us_.at(pipeline); }
  // Serving the candidates `members` (indices, repeats allowed): each of them
  // and each of their stack inputs once, and each pipeline these read once.
  double SetCost(const std::vector<size_t>& members) const;
  // The same with each candidate c served as one model (own_us) where
  // one_model[c], else as its fold models (bagged_us): the cost of the form
  // actually built, once the refit has run.
  double SetCost(const std::vector<size_t>& members, const std::vector<char>& one_model) const;

 private:
  std::vector<Item> items_;
  std::map<std::string, double> transform_us_;
};

// The cost of every candidate in run.done() from the one fold model each
// had timed when it was fitted (Candidate::fold_predict_us), and each
// feature pipeline's transform timed now on CostRows of the training table,
// with run.options().threads.
InferenceCosts MeasureCandidateCosts(const TrainingRun& run);

}  // namespace tabpilot
