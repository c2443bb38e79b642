#include "automl/ensemble_choice.h"

#include <cstdio>

#include "automl/ensemble_selection.h"
#include "core/error.h"

namespace tabpilot {
namespace {

std::vector<size_t> Members(const std::vector<double>& weights) {
  std::vector<size_t> members;
  for (size_t m = 0; m < weights.size(); ++m) {
    if (weights[m] > 0) members.push_back(m);
  }
  return members;
}

// The candidate that is cheapest to serve on its own.
size_t Cheapest(const InferenceCosts& costs) {
  size_t best = 0;
  for (size_t c = 1; c < costs.size(); ++c) {
    if (costs.SetCost({c}) < costs.SetCost({best})) best = c;
  }
  return best;
}

// Under `limit`: the chosen set's cost and the candidates that would not fit beside it.
void RecordLimit(const InferLimit& limit, EnsembleChoice& out) {
  std::vector<size_t> members = Members(out.weights);
  out.cost_us = limit.costs->SetCost(members);
  for (size_t c = 0; c < out.weights.size(); ++c) {
    if (out.weights[c] > 0) continue;
    members.push_back(c);
    if (limit.costs->SetCost(members) > limit.us_per_row) out.over_limit.push_back(c);
    members.pop_back();
  }
}

// The weighted sum of the candidates' predictions by out.weights, its score and threshold.
void Weigh(const std::vector<const Matrix*>& oofs, const OofScorer& scorer, EnsembleChoice& out) {
  out.oof = Matrix(oofs[0]->rows, oofs[0]->cols, 0.0f);
  for (size_t m = 0; m < oofs.size(); ++m) {
    const double w = out.weights[m];
    if (w <= 0) continue;
    for (size_t j = 0; j < out.oof.values.size(); ++j) out.oof.values[j] += static_cast<float>(w * oofs[m]->values[j]);
  }
  out.score = scorer.Score(out.oof, &out.threshold);
}

}  // namespace

std::vector<size_t> EnsembleMembers(const EnsembleChoice& ensemble) { return Members(ensemble.weights); }

EnsembleChoice ChooseEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer, int rounds,
                              const InferLimit* limit) {
  if (oofs.empty()) throw Internal("no candidate to build an ensemble from");
  if (limit != nullptr && (limit->costs == nullptr || limit->costs->size() != oofs.size())) {
    throw Internal("the infer limit needs one cost per candidate");
  }
  EnsembleChoice out;
  const size_t cheapest = limit != nullptr ? Cheapest(*limit->costs) : 0;
  if (limit != nullptr && limit->costs->SetCost({cheapest}) > limit->us_per_row) {
    out.cheapest_only = true;
    out.weights.assign(oofs.size(), 0.0);
    out.weights[cheapest] = 1.0;
  } else {
    EnsembleSelectionOptions es;
    es.rounds = rounds;
    if (limit != nullptr) {
      es.admissible = [limit](size_t c, const std::vector<size_t>& picks) {
        std::vector<size_t> with = picks;
        with.push_back(c);
        return limit->costs->SetCost(with) <= limit->us_per_row;
      };
    }
    EnsembleSelectionResult selection = SelectEnsemble(
        oofs, [&](const float* pred) { return scorer.SelectionLoss(pred); }, es);
    out.weights = std::move(selection.weights);
  }
  Weigh(oofs, scorer, out);
  if (limit != nullptr) RecordLimit(*limit, out);
  return out;
}

EnsembleChoice WeighedEnsemble(const std::vector<const Matrix*>& oofs, const OofScorer& scorer,
                               std::vector<double> weights) {
  if (oofs.empty() || weights.size() != oofs.size()) throw Internal("an ensemble needs one weight per candidate");
  EnsembleChoice out;
  out.weights = std::move(weights);
  Weigh(oofs, scorer, out);
  return out;
}

std::string CheapestOnlyWarning(const std::vector<Candidate>& done, const EnsembleChoice& ensemble, double limit_us) {
  std::string name;
  for (size_t m = 0; m < done.size(); ++m) {
    if (ensemble.weights[m] > 0) name = done[m].config.name;
  }
  char text[512];
  std::snprintf(text, sizeof text,
                "--infer-limit %.4g us/row: even the cheapest model, %s, is estimated at %.4g us/row with its "
                "features; keeping it alone",
                limit_us, name.c_str(), ensemble.cost_us);
  return text;
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
