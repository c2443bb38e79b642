#include "learners/forest_binning.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>

#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

// Beyond this many non-missing values the cut points come from an evenly
// strided sample: quantiles of 200k values are plenty for 255 bins and keep the
// sort off the critical path for very tall data.
constexpr size_t kMaxSortedValues = 200000;

// A cut strictly separating a < b: their midpoint when it is representable
// strictly below b, else a itself (v <= a still separates them).
float CutBetween(float a, float b) {
  float mid = static_cast<float>(0.5 * (static_cast<double>(a) + static_cast<double>(b)));
  return (mid >= a && mid < b) ? mid : a;
}

std::vector<float> ComputeCuts(std::vector<float>& values, int max_bins) {
  std::vector<float> cuts;
  if (values.empty()) return cuts;
  std::sort(values.begin(), values.end());
  std::vector<float> distinct;
  distinct.reserve(std::min<size_t>(values.size(), static_cast<size_t>(max_bins) + 1));
  for (float v : values) {
    if (distinct.empty() || v != distinct.back()) {
      distinct.push_back(v);
      if (distinct.size() > static_cast<size_t>(max_bins)) break;
    }
  }
  if (distinct.size() <= static_cast<size_t>(max_bins)) {
    for (size_t i = 0; i + 1 < distinct.size(); ++i) cuts.push_back(CutBetween(distinct[i], distinct[i + 1]));
  } else {
    const size_t m = values.size();
    for (int j = 1; j < max_bins; ++j) {
      size_t pos = static_cast<size_t>(static_cast<double>(j) * static_cast<double>(m) / max_bins);
      if (pos >= m) break;
      float v = values[pos];
      auto next = std::upper_bound(values.begin() + static_cast<std::ptrdiff_t>(pos), values.end(), v);
      if (next == values.end()) break;
      float cut = CutBetween(v, *next);
      if (cuts.empty() || cut > cuts.back()) cuts.push_back(cut);
    }
  }
  return cuts;
}

}  // namespace

BinnedMatrix BinFeatures(const Matrix& x, int max_bins, int threads) {
  if (max_bins < 2 || max_bins > BinnedMatrix::kMaxValueBins) {
    throw InvalidInput("forest: max_bins must be in [2, 255], got " + std::to_string(max_bins));
  }
  BinnedMatrix b;
  b.rows = x.rows;
  b.cols = x.cols;
  b.codes.resize(x.rows * x.cols);
  b.cuts.resize(x.cols);
  ParallelFor(x.cols, threads, [&](size_t begin, size_t end, int) {
    std::vector<float> column(x.rows);
    std::vector<float> values;
    for (size_t f = begin; f < end; ++f) {
      for (size_t r = 0; r < x.rows; ++r) column[r] = x.at(r, f);  // the only strided pass
      values.clear();
      for (float v : column) {
        if (!std::isnan(v)) values.push_back(v);
      }
      if (values.size() > kMaxSortedValues) {
        const size_t stride = (values.size() + kMaxSortedValues - 1) / kMaxSortedValues;
        size_t kept = 0;
        for (size_t i = 0; i < values.size(); i += stride) values[kept++] = values[i];
        values.resize(kept);
      }
      std::vector<float> cuts = ComputeCuts(values, max_bins);
      // Branchless lower_bound over the cuts padded to 256 with +inf: eight
      // halving steps, no unpredictable branches (NaN compares false, so it
      // is mapped separately).
      float padded[256];
      std::fill(std::begin(padded), std::end(padded), std::numeric_limits<float>::infinity());
      std::copy(cuts.begin(), cuts.end(), padded);
      uint8_t* codes = b.codes.data() + f * x.rows;
      for (size_t r = 0; r < x.rows; ++r) {
        const float v = column[r];
        size_t pos = 0;
        for (size_t step = 128; step > 0; step >>= 1) pos += padded[pos + step - 1] < v ? step : 0;
        codes[r] = std::isnan(v) ? BinnedMatrix::kMissingBin : static_cast<uint8_t>(pos);
      }
      b.cuts[f] = std::move(cuts);
    }
  });
  return b;
}

}  // namespace tabpilot
