// FeaturePipeline: the preprocessing fitted on training rows that turns any
// Table with the same input columns into the float Matrix learners consume.
// It is saved inside the model bundle (ToJson/FromJson) and runs on every
// prediction request, so Transform does per-table work once per column and
// then a tight loop over rows.
//
// Immutable after Fit/FromJson: Transform is const and safe to call from many
// threads at once. Copies are cheap (the fitted transforms are shared).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/matrix.h"
#include "data/table.h"
#include "features/column_transform.h"
#include "features/feature_options.h"

namespace tabpilot {

class FeaturePipeline {
 public:
  // The JSON format version written by ToJson; FromJson rejects newer ones.
  static constexpr int kFormatVersion = 1;

  // An empty pipeline (no inputs, no features); assign a fitted one later.
  FeaturePipeline() = default;

  // Fits on every row of `train` using only the columns in `columns` (names,
  // in the order the features should appear; the target must not be among
  // them). Throws InvalidInput for invalid options, an empty table, a
  // repeated name or a name `train` lacks.
  static FeaturePipeline Fit(const Table& train, const std::vector<std::string>& columns,
                             const FeatureOptions& options);

  // Transforms any table that has the fitted input columns (matched by name,
  // other columns ignored) into table.num_rows() x feature_names().size().
  // A missing input column -> InvalidInput "missing required column 'X'"; a
  // column of another type is converted where sensible (see
  // column_conversion.h), otherwise InvalidInput naming it. Rows are split
  // over up to `threads` threads (small tables, e.g. one request row, run
  // on the calling thread).
  Matrix Transform(const Table& table, int threads) const;

  // One row, for the one-row path (predict/row_predictor.h): `cells[i]` is
  // the value of input_columns()[i], typed by input_type(i); writes
  // feature_names().size() values to `out`, the same as Transform writes for
  // that row. Allocates nothing (a text column may, for long words).
  void TransformRow(const TypedCell* cells, float* out) const;

  // The fitted input column names, in order.
  const std::vector<std::string>& input_columns() const { return input_columns_; }
  // The type input column i was fitted on (the TypedCell field TransformRow reads).
  ColumnType input_type(size_t i) const { return transforms_.at(i)->fitted_type(); }
  // One name per Matrix column, e.g. "workclass=Private", "age".
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  // For each Matrix column, the index in input_columns() of the column it
  // was made from (a one-hot or derived feature folds back to its source).
  std::vector<size_t> feature_sources() const;
  // Matrix columns holding native categorical codes (only with native_categorical).
  const std::vector<size_t>& categorical_feature_indices() const { return categorical_indices_; }
  // Number of categories of each of those features (same order), for XGBoost.
  const std::vector<int>& categorical_feature_sizes() const { return categorical_sizes_; }
  const FeatureOptions& options() const { return options_; }

  Json ToJson() const;
  // Throws InvalidInput (naming what is wrong) on malformed or newer JSON,
  // e.g. from a corrupt bundle.
  static FeaturePipeline FromJson(const Json& j);

 private:
  // Derives names and categorical indices from transforms_.
  void Index();

  FeatureOptions options_;
  std::vector<std::shared_ptr<const ColumnTransform>> transforms_;  // one per input column
  std::vector<std::string> input_columns_;
  std::vector<std::string> feature_names_;
  std::vector<size_t> offsets_;  // first Matrix column of each transform
  std::vector<size_t> categorical_indices_;
  std::vector<int> categorical_sizes_;
};

}  // namespace tabpilot
