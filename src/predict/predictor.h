// Predictor: a loaded model bundle turned into predictions for a Table.
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

namespace tabpilot {

class Predictor {
 public:
  struct Options {
    int threads = 1;  // threads used to transform features and score members
    // What Load verifies and caps (limits, a required signature key).
    BundleLoadOptions load;
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

  // rows × num_outputs: class probabilities (classification) or values (regression).
  // `table` must have every input column (matched by name); others are ignored.
  Matrix Predict(const Table& table) const;
  // The decided label per row: threshold on the positive class (binary), argmax
  // (multiclass), or the value formatted (regression).
  std::vector<std::string> Labels(const Matrix& predictions) const;
  // Class index per row (classification only).
  std::vector<int> ClassIndices(const Matrix& predictions) const;

 private:
  Predictor(Bundle bundle, const Options& options);
  Bundle bundle_;
  Options options_;
  // Members whose fold models feed level-2 members fold by fold
  // (BundleMember::stack_input_folds): name -> folds per bag.
  std::map<std::string, size_t> aligned_inputs_;
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
