// Predictor: a loaded model bundle turned into predictions for a Table.
// Tree models are converted to compiled forests when the predictor is made
// (predict/member_plan.h); the fold models of a member are merged into one.
// Immutable after Load(); Predict* are const and safe to call concurrently.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/log.h"
#include "data/csv_reader.h"
#include "data/matrix.h"
#include "data/table.h"
#include "data/type_inference.h"
#include "model/bundle.h"
#include "predict/member_plan.h"

namespace tabpilot {

class Predictor {
 public:
  struct Options {
    int threads = 1;  // threads used to transform features and score members
    // What Load verifies and caps (limits, a required signature key).
    BundleLoadOptions load;
    // Every fold model predicts with its family's own code (XGBoost's
    // predict, the forest's walk), not the compiled trees: the reference the
    // compiled form is checked against.
    bool reference = false;
  };

  // Loads MODEL/ (see model/bundle.h). Throws NotFound / InvalidInput.
  static std::unique_ptr<Predictor> Load(const std::filesystem::path& dir, const Options& options);
  // Takes ownership of an in-memory bundle (used by the trainer and tests).
  // Throws InvalidInput when a member's output count does not match the
  // problem or a member names a missing pipeline or stack input.
  static std::unique_ptr<Predictor> FromBundle(Bundle bundle, const Options& options);

  const ProblemInfo& problem() const { return bundle_.problem; }
  const Schema& input_schema() const { return bundle_.input_schema; }
  const Bundle& bundle() const { return bundle_; }
  // How each member (in the bundle's order) is evaluated.
  const std::vector<MemberPlan>& plans() const { return plans_; }

  // rows × num_outputs: class probabilities (classification) or values (regression).
  // `table` must have every input column (matched by name); others are ignored.
  Matrix Predict(const Table& table) const { return Predict(table, options_.threads); }
  // The same on `threads` threads (the streaming transform predicts whole
  // chunks side by side, each on one).
  Matrix Predict(const Table& table, int threads) const;
  // What Predict computes before the ensemble: each member's predictions
  // (rows x num_outputs), in the bundle's order. `bagged` is the mean over
  // all its fold models; `by_fold[p]` (only for a member whose level-2
  // consumers align their inputs by fold, BundleMember::stack_input_folds)
  // the mean over its bags of the fold models with fold index p.
  struct MemberOutput {
    Matrix bagged;
    std::vector<Matrix> by_fold;
    // The predictions a level-2 fold model of stack group g sees.
    const Matrix& ForFold(size_t g) const { return by_fold.empty() ? bagged : by_fold[g % by_fold.size()]; }
  };
  std::vector<MemberOutput> MemberOutputs(const Table& table, int threads) const;
  // The ensemble's predictions from the members': their weighted mean.
  Matrix Combine(const std::vector<MemberOutput>& outputs) const;
  // The rows level-2 member `m` (in the bundle's order) takes for stack
  // group `group`: `features` (its pipeline's) with its stack inputs'
  // predictions appended (`outputs` as MemberOutputs gives them); a
  // level-1 member's are `features` themselves.
  Matrix StackedRows(size_t m, const Matrix& features, const std::vector<MemberOutput>& outputs, size_t group) const;

  // The decided label per row: threshold on the positive class (binary), argmax
  // (multiclass), or the value formatted (regression).
  std::vector<std::string> Labels(const Matrix& predictions) const;
  // Class index per row (classification only).
  std::vector<int> ClassIndices(const Matrix& predictions) const;

 private:
  Predictor(Bundle bundle, const Options& options);
  Bundle bundle_;
  Options options_;
  // One per member, in the bundle's order: how its fold models are evaluated.
  std::vector<MemberPlan> plans_;
};

// Types the raw cells of a CSV to predict on by `schema`: columns not in the
// schema are ignored, a missing schema column is InvalidInput naming it, and
// cells that do not parse as their column's type become missing (with a
// warning via `logger`).
Table BuildPredictionInput(const RawTable& raw, const Schema& schema, const Logger& logger);

// BuildPredictionInput for one chunk of a file read in chunks: typed on
// `threads` workers (0 = all), with the coerced cells counted into `report`
// (summed over the chunks) instead of logged.
Table BuildPredictionChunk(const RawTable& raw, const Schema& schema, int threads, BuildReport& report);

// The warnings BuildPredictionInput logs: one per column of `report`, with
// its count of cells made missing, naming `source`.
void WarnCoercedCells(const std::string& source, const BuildReport& report, const Logger& logger);

}  // namespace tabpilot
