#include "automl/ensemble_selection.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

// a < b with NaN above every number.
bool Better(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

}  // namespace

EnsembleSelectionResult SelectEnsemble(const std::vector<const Matrix*>& candidates, const EnsembleLossFn& loss,
                                       const EnsembleSelectionOptions& options) {
  if (candidates.empty()) throw InvalidInput("ensemble selection: no candidate models");
  for (size_t c = 0; c < candidates.size(); ++c) {
    if (candidates[c] == nullptr) throw InvalidInput("ensemble selection: candidate " + std::to_string(c) + " is null");
  }
  const size_t rows = candidates[0]->rows, k = candidates[0]->cols;
  if (rows == 0 || k == 0) throw InvalidInput("ensemble selection: empty prediction matrices");
  if (options.rounds < 1) throw InvalidInput("ensemble selection: rounds must be at least 1");
  if (options.early_stop_rounds < 0) throw InvalidInput("ensemble selection: early_stop_rounds must be >= 0");
  if (!loss) throw InvalidInput("ensemble selection: no loss function");
  const size_t n = rows * k;
  for (size_t c = 0; c < candidates.size(); ++c) {
    const Matrix& m = *candidates[c];
    if (m.rows != rows || m.cols != k || m.values.size() != n) {
      throw InvalidInput("ensemble selection: candidate " + std::to_string(c) + " has " + std::to_string(m.rows) +
                         " x " + std::to_string(m.cols) + " predictions, expected " + std::to_string(rows) + " x " +
                         std::to_string(k));
    }
  }

  EnsembleSelectionResult result;
  std::vector<double> sum(n, 0.0);  // running sum of the chosen members' predictions
  std::vector<float> trial(n);      // (sum + candidate) / (size + 1), reused
  double best_loss = std::numeric_limits<double>::quiet_NaN();
  size_t best_rounds = 0;
  int stale = 0;

  for (int round = 0; round < options.rounds; ++round) {
    const double inv = 1.0 / static_cast<double>(round + 1);
    size_t pick = candidates.size();
    double pick_loss = std::numeric_limits<double>::quiet_NaN();
    for (size_t c = 0; c < candidates.size(); ++c) {
      if (options.admissible && !options.admissible(c, result.picks)) continue;
      const float* cand = candidates[c]->values.data();
      for (size_t i = 0; i < n; ++i) trial[i] = static_cast<float>((sum[i] + static_cast<double>(cand[i])) * inv);
      double l = loss(trial.data());
      if (pick == candidates.size() || Better(l, pick_loss)) {
        pick = c;
        pick_loss = l;
      }
    }
    if (pick == candidates.size()) {
      if (round == 0) throw InvalidInput("ensemble selection: no candidate is admissible");
      break;  // nothing more may be added
    }
    if (std::isnan(pick_loss)) {
      throw InvalidInput("ensemble selection: the loss is NaN for every candidate in round " +
                         std::to_string(round + 1));
    }
    const float* chosen = candidates[pick]->values.data();
    for (size_t i = 0; i < n; ++i) sum[i] += static_cast<double>(chosen[i]);
    result.picks.push_back(pick);
    result.loss_trajectory.push_back(pick_loss);

    if (Better(pick_loss, best_loss)) {
      best_loss = pick_loss;
      best_rounds = result.picks.size();
      stale = 0;
    } else if (options.early_stop_rounds > 0 && ++stale >= options.early_stop_rounds) {
      break;
    }
  }

  result.rounds_used = options.use_best_round ? best_rounds : result.picks.size();
  result.loss = result.loss_trajectory[result.rounds_used - 1];
  result.weights.assign(candidates.size(), 0.0);
  for (size_t r = 0; r < result.rounds_used; ++r) result.weights[result.picks[r]] += 1.0;
  for (double& w : result.weights) w /= static_cast<double>(result.rounds_used);
  return result;
}

}  // namespace tabpilot
