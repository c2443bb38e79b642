#include "automl/ensemble_choice.h"

#include "automl/ensemble_selection.h"
#include "core/error.h"

namespace tabpilot {

EnsembleChoice ChooseEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer, int rounds) {
  if (oofs.empty()) throw Internal("no candidate to build an ensemble from");
  EnsembleSelectionOptions es;
  es.rounds = rounds;
  EnsembleSelectionResult selection = SelectEnsemble(
      oofs, [&](const float* pred) { return scorer.SelectionLoss(pred); }, es);
  EnsembleChoice out;
  out.weights = std::move(selection.weights);
  out.oof = Matrix(oofs[0]->rows, oofs[0]->cols, 0.0f);
  for (size_t m = 0; m < oofs.size(); ++m) {
    const double w = out.weights[m];
    if (w <= 0) continue;
    for (size_t j = 0; j < out.oof.values.size(); ++j) out.oof.values[j] += static_cast<float>(w * oofs[m]->values[j]);
  }
  out.score = scorer.Score(out.oof, &out.threshold);
  return out;
}

std::set<std::string> NeededCandidates(const std::vector<Candidate>& done, const std::vector<double>& weights) {
  std::set<std::string> needed;
  for (size_t m = 0; m < done.size(); ++m) {
    if (weights[m] <= 0) continue;
    needed.insert(done[m].config.name);
    for (const std::string& input : done[m].stack_inputs) needed.insert(input);
  }
  return needed;
}

}  // namespace tabpilot
