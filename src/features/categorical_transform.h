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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
  ColumnType fitted_type() const override { return ColumnType::kCategorical; }
  void WriteCell(const TypedCell& cell, float* out) const override;
  Json ToJson() const override;

  Mode mode() const { return mode_; }

 private:
  // A value's slot: 0..num_kept-1 its own output, kGrouped the shared
  // bucket (a grouped training level, or an unseen one when a bucket
  // exists), kNone no output.
  static constexpr int32_t kGrouped = -2;
  static constexpr int32_t kNone = -3;
  struct Slot {
    int32_t slot = kNone;
    float freq = 0.0f;  // the level's share of training rows (0 if unseen)
  };

  bool grouped() const { return levels_.size() > num_kept_; }
  // The slot of a (non-missing) value.
  Slot SlotOf(std::string_view value) const;
  // The outputs of one value: missing, or in `slot`.
  void Write(bool missing, Slot slot, float* out) const;

  // Hashes std::string and std::string_view alike, so lookup_ is searched
  // by a view with no copy.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::string column_;
  Mode mode_;
  std::vector<std::string> levels_;
  std::vector<int64_t> counts_;
  size_t num_kept_;
  int64_t train_rows_;
  bool missing_indicator_;  // kDense only

  // Derived at construction: level string -> index into levels_.
  std::unordered_map<std::string, int32_t, Hash, std::equal_to<>> lookup_;
  std::vector<std::string> names_;
};

// The rare-level threshold actually used for a training table of `rows` rows:
// min(rare_min_count, max(2, rows / 100)), or 1 (no grouping) when
// rare_min_count <= 1.
int64_t EffectiveRareMinCount(size_t rows, int rare_min_count);

}  // namespace tabpilot
