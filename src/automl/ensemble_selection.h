// Greedy forward ensemble selection with replacement (Caruana et al. 2004,
// "Ensemble Selection from Libraries of Models"), as AutoGluon's
// WeightedEnsemble does: start from an empty ensemble; each round add the
// candidate (repeats allowed) whose addition gives the lowest loss of the
// averaged predictions. The caller scores through a callback so any metric
// works, including one evaluated at a tuned threshold.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "data/matrix.h"

namespace tabpilot {

struct EnsembleSelectionOptions {
  // Greedy additions; AutoGluon's default is 25.
  int rounds = 25;
  // Stop once this many consecutive rounds have not lowered the best loss;
  // 0 runs every round.
  int early_stop_rounds = 0;
  // Keep the ensemble as it was at the round with the lowest loss (the
  // earliest such round: the smaller ensemble), as Caruana and AutoGluon do.
  // When false the weights are counts over every round run.
  bool use_best_round = true;
  // Whether candidate `c` may be added to the ensemble picked so far
  // (`picks`, in order); null admits every candidate. A round in which no
  // candidate is admissible ends the selection (train --infer-limit keeps
  // the ensemble's cost within a limit this way, ensemble_choice.h).
  std::function<bool(size_t c, const std::vector<size_t>& picks)> admissible;
};

struct EnsembleSelectionResult {
  // One weight per candidate, in candidate order; sums to 1, zero for unused.
  std::vector<double> weights;
  // Candidate added at each round run.
  std::vector<size_t> picks;
  // Loss of the averaged ensemble after each round run.
  std::vector<double> loss_trajectory;
  // Rounds whose picks make up `weights` (the best round's index + 1 when
  // use_best_round) and the loss of that ensemble.
  size_t rounds_used = 0;
  double loss = 0;
};

// Scores a rows x k prediction matrix (row-major); lower is better. It must
// not keep the pointer: the buffer is reused. NaN counts as worse than any
// number.
using EnsembleLossFn = std::function<double(const float* pred)>;

// `candidates` are the members' out-of-fold prediction matrices (borrowed for
// the call), all of the same rows x k shape. Ties between candidates go to the
// lowest index. Each round costs one O(rows x k) averaging plus one loss call
// per candidate; memory is two rows x k buffers.
// Throws InvalidInput when there are no candidates, a candidate is null, empty
// or shaped differently from the first, rounds < 1, or the loss is NaN for
// every candidate, or when no candidate is admissible in the first round.
// `loss` and `admissible` are called from the calling thread only.
EnsembleSelectionResult SelectEnsemble(const std::vector<const Matrix*>& candidates, const EnsembleLossFn& loss,
                                       const EnsembleSelectionOptions& options = {});

}  // namespace tabpilot
