// The ensemble phase: weighted greedy selection (ensemble_selection.h) over
// the candidates' out-of-fold predictions, the ensemble's own OOF
// predictions and score, and the binary decision threshold tuned on them.
// Under `train --infer-limit` the selection only adds a candidate when the
// set it makes (with its stack inputs and feature transforms, each once)
// stays within the limit by the candidates' costs (inference_cost.h).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "automl/inference_cost.h"
#include "automl/oof_scorer.h"
#include "automl/training_run.h"
#include "data/matrix.h"

namespace tabpilot {

struct EnsembleChoice {
  std::vector<double> weights;  // one per candidate, summing to 1
  Matrix oof;                   // the weighted sum of the candidates' OOF predictions
  double score = 0;             // the objective on `oof`
  double threshold = 0.5;       // tuned on `oof` for binary threshold metrics, else 0.5
  // Under an infer limit: the chosen set's cost by the candidates' costs
  // (InferenceCosts::SetCost, microseconds per row), the candidates left out
  // because adding any of them to the chosen set would exceed the limit, and
  // whether even the cheapest candidate alone exceeded it (it is then the
  // whole ensemble).
  double cost_us = 0;
  std::vector<size_t> over_limit;
  bool cheapest_only = false;
  // Set when the cost trade-off (cost_tradeoff.h) kept this ensemble in
  // place of the most accurate one, which costs more to serve.
  struct CheaperWithinNoise {
    double accurate_cost_us = 0, cost_us = 0;  // estimated serving costs (InferenceCosts::SetCost)
    double accurate_loss = 0, loss = 0;        // selection losses on the OOF rows
    double loss_se = 0;                        // standard error of accurate_loss (cost_tradeoff.h)
    size_t rows = 0;              // the rows the losses are measured on (OOF, or held out after a sampled search)
    double tolerance_se = 0;      // train --cost-tolerance
    std::vector<size_t> dropped;  // members of the most accurate ensemble left out
  };
  std::optional<CheaperWithinNoise> traded;
};

// Indices of the candidates with weight in `ensemble`, in order.
std::vector<size_t> EnsembleMembers(const EnsembleChoice& ensemble);

// `train --infer-limit`: a bound on the ensemble's predict cost per row.
struct InferLimit {
  double us_per_row = 0;                  // the bound, > 0
  const InferenceCosts* costs = nullptr;  // one per candidate, in the oofs' order
};

// `oofs`: each candidate's OOF predictions (the scored rows x outputs, at
// least one candidate). `rounds`: greedy selection rounds. `limit`: null for
// no limit; else each round adds only candidates that keep the chosen set's
// cost within it, and when no single candidate fits, the cheapest one alone
// is the ensemble.
EnsembleChoice ChooseEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer, int rounds,
                              const InferLimit* limit = nullptr);

// The ensemble of `weights` (one per candidate, summing to 1) over `oofs`
// (each candidate's predictions on the scored rows): its weighted
// predictions, their score and the decision threshold tuned on them.
EnsembleChoice WeighedEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer,
                               std::vector<double> weights);

// The one-line warning for an ensemble that is the cheapest candidate alone
// because none fitted within `limit_us` (ensemble.cheapest_only).
std::string CheapestOnlyWarning(const std::vector<Candidate>& done, const EnsembleChoice& ensemble, double limit_us);

// Names of the candidates the ensemble needs at prediction time: those with
// weight (`weights` parallel to `done`) and the level-1 candidates they stack on.
std::set<std::string> NeededCandidates(const std::vector<Candidate>& done, const std::vector<double>& weights);

}  // namespace tabpilot
