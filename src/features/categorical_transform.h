// Categorical columns. Levels are matched by their string, so the input
// table's own code order does not matter. At fit time levels seen fewer than
// the rare threshold times are grouped into one bucket ("rare" / "other");
// levels never seen in training also go to that bucket, or - when training
// had no grouped levels - to an all-zero one-hot row (NaN code). Never an error.
//
// Modes (chosen at fit time from FeatureOptions):
//   onehot  (kTree, few levels): one 0/1 column per level, "#rare" column if
//           any grouped levels; missing -> NaN in every column.
//   ordinal (kTree, many levels): "#code" (most frequent = 0, grouped = k)
//           and "#freq" (the level's share of training rows, 0 if unseen);
//           missing -> NaN in both.
//   native  (kTree + native_categorical): one code column as in ordinal,
//           reported as a categorical feature with k (+1 if grouped) categories.
//   dense   (kDense): one-hot over the max_dense_levels most frequent levels,
//           "#other" for the rest, "#missing" if training had missing values;
//           no NaN.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "features/column_transform.h"
#include "features/feature_options.h"

namespace tabpilot {

class CategoricalTransform : public ColumnTransform {
 public:
  static constexpr const char* kKind = "categorical";
  enum class Mode { kOneHot, kOrdinal, kNative, kDense };

  static std::unique_ptr<ColumnTransform> Fit(const Column& train, const FeatureOptions& options);
  static std::unique_ptr<ColumnTransform> FromJson(const Json& j);

  // Prefer Fit/FromJson; public so that std::make_unique can build it.
  // `levels` are all training levels: the `num_kept` with their own output
  // first (most frequent first), then the grouped ones. Throws InvalidInput
  // if the sizes disagree or a level repeats.
  CategoricalTransform(std::string column, Mode mode, std::vector<std::string> levels, std::vector<int64_t> counts,
                       size_t num_kept, int64_t train_rows, bool missing_indicator);

  const char* kind() const override { return kKind; }
  const std::string& column() const override { return column_; }
  const std::vector<std::string>& output_names() const override { return names_; }
  std::vector<size_t> categorical_outputs() const override;
  std::vector<int> categorical_output_sizes() const override;
  RowWriter Bind(const Column& input) const override;
  Json ToJson() const override;

  Mode mode() const { return mode_; }

 private:
  bool grouped() const { return levels_.size() > num_kept_; }

  std::string column_;
  Mode mode_;
  std::vector<std::string> levels_;
  std::vector<int64_t> counts_;
  size_t num_kept_;
  int64_t train_rows_;
  bool missing_indicator_;  // kDense only

  // Derived at construction: level string -> index into levels_.
  std::unordered_map<std::string, int32_t> lookup_;
  std::vector<std::string> names_;
};

// The rare-level threshold actually used for a training table of `rows` rows:
// min(rare_min_count, max(2, rows / 100)), or 1 (no grouping) when
// rare_min_count <= 1.
int64_t EffectiveRareMinCount(size_t rows, int rare_min_count);

}  // namespace tabpilot
