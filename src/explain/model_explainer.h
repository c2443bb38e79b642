// SHAP values of a whole model bundle: every member explained by the best
// method its family allows (unit_explainer.h: exact TreeSHAP for trees,
// exact for linear models, sampling for the rest), folded onto the input
// columns, and combined the way the predictor combines the members.
//
// How the pieces combine (docs/architecture.md, "Explanations"):
//   - a unit's attributions are in its output space (probabilities for
//     classification, values for regression), summing to its output minus
//     its base;
//   - a member's are the mean over its fold models (a merged compiled cell
//     counts once per fold model in it), as its prediction is;
//   - a level-2 member's attributions to its stack features are handed back
//     to the input columns through the stacked member's own attributions
//     for the same row (link_attribution.h, Distribute), per stack group;
//   - the ensemble's are the weighted mean of its members', and its base the
//     weighted mean of theirs;
//   - in log-odds (classification's default) each value is the probability
//     attribution times the secant slope of the log-odds between the base
//     and the prediction, so they sum to the prediction's log-odds minus the
//     base's.
// So for every row and output the values sum to the prediction minus the
// base (up to rounding), the prediction being the predictor's own.
//
// Thread safety: immutable once created; Explain is const and re-entrant.
// The predictor must outlive the explainer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/table.h"
#include "explain/sampling_unit.h"
#include "explain/unit_explainer.h"
#include "predict/predictor.h"

namespace tabpilot {

// What scale the values are in.
enum class ExplainScale {
  kLogOdds,      // classification: log(p / (1 - p)) of each class
  kProbability,  // classification: the class probability
  kRaw,          // regression: the predicted value
};
const char* ExplainScaleName(ExplainScale scale);

struct Explanation {
  ExplainScale scale = ExplainScale::kRaw;
  size_t rows = 0;
  size_t outputs = 0;  // classes (classification) or 1
  size_t columns = 0;  // the model's input columns
  // Row i, output c, column j at (i * outputs + c) * columns + j.
  std::vector<double> values;
  std::vector<double> base;        // per output
  std::vector<double> prediction;  // rows x outputs: base + the row's values, in `scale`
  // The model's own predictions (rows x outputs; probabilities or values).
  Matrix predicted;

  double at(size_t i, size_t c, size_t j) const { return values[(i * outputs + c) * columns + j]; }
};

class ModelExplainer {
 public:
  struct Options {
    int threads = 1;  // threads used while creating
    // Background rows the sampled members use (the first ones of the
    // background given; every given row counts for means and covers).
    size_t sampling_rows = 32;
    // Per member: a bagged member's orderings are split over its fold
    // models (at least 2 each, every fold model its own seed).
    SamplingOptions sampling;
  };

  // Prepares every member's explainers. `background`: rows with the model's
  // input columns (training rows, or a sample of the rows to explain):
  // the reference of linear and sampled members and the covers of trees
  // that keep none. Throws InvalidInput when the background has no rows or
  // lacks an input column.
  static std::unique_ptr<ModelExplainer> Create(const Predictor& predictor, const Table& background,
                                                const Options& options);

  // The values for every row of `table` (with the model's input columns).
  // `scale`: kLogOdds or kProbability for classification, kRaw for
  // regression (else InvalidInput). Runs on up to `threads` threads.
  Explanation Explain(const Table& table, ExplainScale scale, int threads) const;

  // The input columns, in the order of Explanation's.
  const std::vector<std::string>& columns() const { return columns_; }
  // Per member: name, level, weight, and how its units were explained.
  Json Methods() const;

 private:
  struct WeightedUnit {
    std::unique_ptr<UnitExplainer> unit;
    double weight = 1;  // fold models it stands for
  };
  struct StackSlot {
    size_t member = 0;  // the stacked member (bundle index)
    size_t output = 0;  // its output the stack column holds
  };
  struct MemberUnits {
    std::vector<std::vector<WeightedUnit>> cells;  // parallel to the plan's cells
    FeaturePlayers players;                        // the input columns, then the stack slots
    std::vector<StackSlot> slots;
  };

  explicit ModelExplainer(const Predictor& predictor) : predictor_(predictor) {}

  const Predictor& predictor_;
  std::vector<std::string> columns_;
  std::vector<MemberUnits> members_;
};

}  // namespace tabpilot
