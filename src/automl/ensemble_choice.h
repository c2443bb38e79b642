// The ensemble phase: weighted greedy selection (ensemble_selection.h) over
// the candidates' out-of-fold predictions, the ensemble's own OOF
// predictions and score, and the binary decision threshold tuned on them.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "automl/oof_scorer.h"
#include "automl/training_run.h"
#include "data/matrix.h"

namespace tabpilot {

struct EnsembleChoice {
  std::vector<double> weights;  // one per candidate, summing to 1
  Matrix oof;                   // the weighted sum of the candidates' OOF predictions
  double score = 0;             // the objective on `oof`
  double threshold = 0.5;       // tuned on `oof` for binary threshold metrics, else 0.5
};

// `oofs`: each candidate's OOF predictions (the scored rows x outputs, at
// least one candidate). `rounds`: greedy selection rounds.
EnsembleChoice ChooseEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer, int rounds);

// Names of the candidates the ensemble needs at prediction time: those with
// weight (`weights` parallel to `done`) and the level-1 candidates they stack on.
std::set<std::string> NeededCandidates(const std::vector<Candidate>& done, const std::vector<double>& weights);

}  // namespace tabpilot
