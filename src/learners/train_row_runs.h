// Reading a fit's training rows a run at a time, whatever holds them: a
// whole matrix, a view of a matrix's rows (TrainData::rows) or blocks read
// on demand (TrainData::blocks). Learners that take a row view
// (Learner::takes_row_view) read their rows through these instead of copying
// them: once for an even spread of rows to cut bins from, once to code every
// row.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/matrix.h"
#include "learners/forest_binning.h"
#include "learners/learner.h"
#include "learners/train_data_check.h"

namespace tabpilot {

// Rows read at a time, and the most rows bin cuts are taken from.
inline constexpr size_t kTrainReadRows = 65536;
inline constexpr size_t kCutSampleRows = 200000;

// Calls fn(first_row, count, values) for consecutive runs of the training
// rows (count x cols values, row-major). Rows read from blocks are checked
// as they are read (CheckRowValues, messages starting with `where`); a matrix
// or a view was checked whole by CheckFitData.
template <typename Fn>
void ForEachTrainRowRun(const TrainData& train, const FitOptions& options, const std::string& where, Fn&& fn) {
  const size_t n = train.num_rows();
  const size_t cols = train.num_cols();
  std::vector<float> buffer;
  for (size_t begin = 0; begin < n; begin += kTrainReadRows) {
    const size_t count = std::min(kTrainReadRows, n - begin);
    if (train.blocks != nullptr) {
      train.blocks->Read(begin, count, &buffer);
      CheckRowValues(buffer.data(), count, cols, begin, where, options);
    } else {
      buffer.resize(count * cols);
      for (size_t i = 0; i < count; ++i) std::copy_n(train.row(begin + i), cols, buffer.data() + i * cols);
    }
    fn(begin, count, static_cast<const float*>(buffer.data()));
  }
}

// An even spread of at most kCutSampleRows of the training rows (every row
// when there are no more), in their order, read in one pass over the rows;
// `also(first_row, count, values)` sees every run of that pass.
template <typename Fn>
Matrix CutSampleRows(const TrainData& train, const FitOptions& options, const std::string& where, Fn&& also) {
  const size_t n = train.num_rows();
  const size_t cols = train.num_cols();
  const size_t step = std::max<size_t>(1, (n + kCutSampleRows - 1) / kCutSampleRows);
  Matrix sample((n + step - 1) / step, cols);
  ForEachTrainRowRun(train, options, where, [&](size_t begin, size_t count, const float* values) {
    for (size_t r = (begin + step - 1) / step * step; r < begin + count; r += step) {
      std::copy_n(values + (r - begin) * cols, cols, sample.row(r / step));
    }
    also(begin, count, values);
  });
  return sample;
}

// The bin of value v among strictly increasing `cuts` (BinnedMatrix's code:
// the number of cuts below v, kMissingBin for NaN).
uint8_t BinCode(const std::vector<float>& cuts, float v);

// The training rows' bin codes (BinnedMatrix, at most `max_bins` a column).
// A whole matrix is binned as it is (BinFeatures); a view of a matrix's rows,
// or rows read a block at a time, is read twice instead of copied: once for
// the cuts (CutSampleRows), once to code every row.
BinnedMatrix BinTrainRows(const TrainData& train, const FitOptions& options, const std::string& where, int max_bins,
                          int threads);

}  // namespace tabpilot
