// Ordered target statistics of categorical columns (CatBoost's "CTR"
// features, Prokhorenkova et al. 2018): each categorical column, and each
// pair of them, becomes numeric features computed from the target.
//
// For a category c the statistic is (sum of targets of rows in c + prior) /
// (rows in c + 1), one value per output dimension (the target for
// regression, 1[y = 1] for binary, 1[y = k] per class for multiclass with at
// most kMaxCtrClasses classes), plus, for single columns, the share of
// training rows in c. The prior is the training mean of that dimension.
//
// Training rows get *ordered* statistics: the rows are visited in a random
// permutation and each row's value counts only the rows before it, so a row's
// own target never leaks into its features (plain mean encoding would let the
// booster memorize rare categories). Prediction uses the statistics of all
// training rows. The frequency holds no target, so training rows get the
// full share too: counted in order it would run from 0 to the category's
// share, values new rows never show (on Adult that mismatch cost the
// oblivious booster 0.005 of logloss). Missing codes (NaN) form a category of their own; a category
// not seen in training gets the prior.
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/matrix.h"
#include "data/task.h"
#include "learners/byte_io.h"

namespace tabpilot {

// Multiclass problems with more classes than this get frequency features only.
inline constexpr int kMaxCtrClasses = 10;
// Categorical columns whose pairs are combined (the first ones, in column order).
inline constexpr size_t kMaxPairedColumns = 10;

// The statistics of one source: a categorical column or a pair of them.
struct CtrTable {
  std::vector<uint32_t> columns;                   // 1 or 2 input columns
  std::unordered_map<uint64_t, uint32_t> slot_of;  // category key -> slot
  std::vector<float> counts;                       // per slot: training rows
  std::vector<double> sums;                        // per slot x dims: sum of the target dimension
};

class TargetStatistics {
 public:
  TargetStatistics() = default;

  // Builds the tables from training rows. `y` holds class indices (as floats)
  // for classification, values for regression; `categorical` the categorical
  // columns of `x` (codes 0..k-1, NaN missing). Fills `train_features` (rows x
  // num_features(), row-major) with the ordered statistics of every row,
  // averaged over `permutations` random orders drawn from `seed` (more
  // permutations: less noise in the rows visited early; never the row's own
  // target).
  static TargetStatistics Fit(const Matrix& x, const std::vector<float>& y, Task task, int num_classes,
                              const std::vector<size_t>& categorical, bool pairs, int permutations, uint64_t seed,
                              Matrix* train_features);

  // Renames input column j of every table to columns[j]: statistics fitted
  // on a matrix of the categorical columns alone then read rows of the whole
  // table. Throws InvalidInput when a table's column has no new name.
  void MapColumns(const std::vector<size_t>& columns);

  // Features of new rows from the full training statistics: writes
  // num_features() values per row of `x` into out (row-major, rows x num_features()).
  void Transform(const Matrix& x, size_t begin, size_t end, float* out) const;

  size_t num_features() const { return tables_.size() * dims_ + num_single_; }
  size_t num_tables() const { return tables_.size(); }
  // Human-readable name of feature i (e.g. "ctr(3,5)[0]", "freq(3)").
  std::string FeatureName(size_t i) const;
  // The input columns feature i is computed from (one, or a pair).
  std::vector<uint32_t> FeatureColumns(size_t i) const;

  void Write(ByteWriter& w) const;
  // Reads what Write wrote; `num_columns` bounds the column indices.
  static TargetStatistics Read(ByteReader& r, size_t num_columns);

 private:
  // Key of row `row` of x in `table` (codes of its columns; NaN -> a missing code).
  static uint64_t Key(const CtrTable& table, const float* row);
  // Writes the dims_ mean features of a category with `count` rows and target sums `sums`.
  void Values(float count, const double* sums, float* out) const;

  uint32_t dims_ = 0;         // target dimensions per table
  uint32_t num_single_ = 0;   // single-column tables (the first ones); they also get a frequency
  float total_rows_ = 0;      // training rows (for frequencies)
  std::vector<float> prior_;  // per dimension: training mean
  std::vector<CtrTable> tables_;
};

}  // namespace tabpilot
