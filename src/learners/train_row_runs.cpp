#include "learners/train_row_runs.h"

#include <cmath>

namespace tabpilot {

uint8_t BinCode(const std::vector<float>& cuts, float v) {
  return std::isnan(v) ? BinnedMatrix::kMissingBin
                       : static_cast<uint8_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
}

BinnedMatrix BinTrainRows(const TrainData& train, const FitOptions& options, const std::string& where, int max_bins,
                          int threads) {
  if (train.blocks == nullptr && train.rows == nullptr) return BinFeatures(*train.x, max_bins, threads);
  const size_t n = train.num_rows();
  const size_t cols = train.num_cols();
  BinnedMatrix out =
      BinFeatures(CutSampleRows(train, options, where, [](size_t, size_t, const float*) {}), max_bins, threads);
  out.rows = n;
  out.codes.assign(n * cols, 0);
  ForEachTrainRowRun(train, options, where, [&](size_t begin, size_t count, const float* values) {
    for (size_t col = 0; col < cols; ++col) {
      uint8_t* codes = out.codes.data() + col * n + begin;
      for (size_t i = 0; i < count; ++i) codes[i] = BinCode(out.cuts[col], values[i * cols + col]);
    }
  });
  return out;
}

}  // namespace tabpilot
