#include "automl/held_out_ensemble.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "compiled/model_compiler.h"
#include "core/error.h"

namespace tabpilot {

Matrix MeanPrediction(const std::vector<const Model*>& models, const std::string& family, const Matrix& x,
                      int threads) {
  const int outputs = models.front()->num_outputs();
  Matrix mean(x.rows, static_cast<size_t>(outputs), 0.0f);
  std::vector<float> one(mean.values.size());
  const ModelCompiler compile = FindModelCompiler(family);
  for (const Model* m : models) {
    if (compile != nullptr) {
      compile(m->Serialize()).Predict(x, one.data(), threads);
    } else {
      m->Predict(x, one.data(), threads);
    }
    for (size_t i = 0; i < one.size(); ++i) mean.values[i] += one[i] / static_cast<float>(models.size());
  }
  return mean;
}

namespace {

// The members' costs alone, indexed as `members` (a sampled search has no
// stacked candidates).
InferenceCosts MemberCosts(const InferenceCosts& costs, const std::vector<size_t>& members) {
  std::vector<InferenceCosts::Item> items;
  std::map<std::string, double> transforms;
  for (size_t m : members) {
    const InferenceCosts::Item& item = costs.item(m);
    if (!item.stack_inputs.empty()) throw Internal("a held-out choice among stacked candidates");
    items.push_back(item);
    transforms[item.pipeline] = costs.transform_us(item.pipeline);
  }
  return InferenceCosts(std::move(items), std::move(transforms));
}

// Each member's held-out predictions from the models it serves by default.
std::vector<Matrix> HeldOutPredictions(TrainingRun& run, const TrainingData& all, const RefitRows& split,
                                       const std::vector<size_t>& members) {
  const int threads = run.options().threads;
  const Table held_table = all.features.SelectRows(split.choice);
  std::map<std::string, Matrix> encoded;  // by pipeline id
  std::vector<Matrix> predictions;
  predictions.reserve(members.size());
  for (size_t m : members) {
    const Candidate& c = run.done()[m];
    const std::string id = PipelineId(c.config.features);
    auto x = encoded.find(id);
    if (x == encoded.end()) {
      x = encoded.emplace(id, run.features().Encode(c.config.features).pipeline.Transform(held_table, threads)).first;
    }
    std::vector<const Model*> models;
    if (c.full) {
      models.push_back(c.full.get());
    } else {
      for (const auto& f : c.fit.folds) models.push_back(f.get());
    }
    predictions.push_back(MeanPrediction(models, c.config.family, x->second, threads));
  }
  return predictions;
}

// The log line of the held-out choice: each member's weight on the sample
// and on the held-out rows, and the share of resamples that picked it.
void LogHeldOutChoice(TrainingRun& run, const RefitRows& split, const EnsembleChoice& chosen,
                      const std::vector<size_t>& members, const BaggedSelection& bagged, double score) {
  std::string text;
  for (size_t i = 0; i < members.size(); ++i) {
    char part[200];
    const bool challenger = !(chosen.weights[members[i]] > 0);
    std::snprintf(part, sizeof part, "%s%s%s %.2f -> %.2f (in %.0f%%)", text.empty() ? "" : ", ",
                  run.done()[members[i]].config.name.c_str(), challenger ? " (challenger)" : "",
                  chosen.weights[members[i]], bagged.weights[i], 100.0 * bagged.picked_share[i]);
    text += part;
  }
  char how[160];
  if (bagged.resamples > 0) {
    std::snprintf(how, sizeof how,
                  " (%zu %s; weights averaged over %d resamples of them, members in under half left out)", bagged.units,
                  bagged.units == split.choice.size() ? "rows" : "groups", bagged.resamples);
  } else {
    std::snprintf(how, sizeof how, " (no time left to resample them)");
  }
  char score_text[64];
  std::snprintf(score_text, sizeof score_text, "; %s there %.5f", run.problem().metric.c_str(), score);
  run.options().logger.Info(run.Clock(false) + "ensemble weighed again on " + std::to_string(split.choice.size()) +
                            " held-out rows" + how + " with the refit models: " + text + score_text);
}

}  // namespace

EnsembleChoice ChooseOnHeldOut(TrainingRun& run, const TrainingData& all, const RefitRows& split,
                               const EnsembleChoice& chosen, const HeldOutChoiceOptions& options) {
  std::vector<size_t> members = EnsembleMembers(chosen);
  members.insert(members.end(), options.challengers.begin(), options.challengers.end());
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  if (split.choice.empty() || members.size() < 2) return chosen;
  const std::vector<Matrix> predictions = HeldOutPredictions(run, all, split, members);
  std::vector<const Matrix*> inputs;
  for (const Matrix& p : predictions) inputs.push_back(&p);
  const OofScorer scorer(run.problem(), split.choice_y);
  const BaggedSelection bagged = SelectEnsembleBagged(inputs, split.choice_y, scorer, options.selection);
  const EnsembleChoice best = WeighedEnsemble(inputs, scorer, bagged.weights);
  EnsembleChoice held = best;
  if (options.tradeoff && options.costs) {
    held = TradeCostForNoise(inputs, split.choice_y, scorer, MemberCosts(*options.costs, members), best,
                             *options.tradeoff);
  }
  LogHeldOutChoice(run, split, chosen, members, bagged, best.score);
  for (size_t i = 0; i < members.size(); ++i) {
    run.board()[run.done()[members[i]].leaderboard_row].info["held_out_choice"] = {
        {"weight", held.weights[i]}, {"picked_share", bagged.picked_share[i]}, {"resamples", bagged.resamples}};
  }
  EnsembleChoice out = chosen;
  std::fill(out.weights.begin(), out.weights.end(), 0.0);
  for (size_t i = 0; i < members.size(); ++i) out.weights[members[i]] = held.weights[i];
  out.threshold = held.threshold;
  out.traded = held.traded;
  if (out.traded) {
    for (size_t& d : out.traded->dropped) d = members[d];
    run.options().logger.Info(DescribeTradeoff(run.done(), out) + " (on the held-out rows)");
  }
  return out;
}

}  // namespace tabpilot
