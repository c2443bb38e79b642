// Quantile pre-binning of a feature matrix for the forest tree builder.
//
// Every feature is cut once per Fit into at most `max_bins` value bins; a value
// v falls in bin b = (number of cut points < v), so "v <= cuts[b]" holds exactly
// for the values in bins 0..b. That makes a split "bin <= b" on the codes
// identical to the split "v <= cuts[b]" on raw floats, which is what the saved
// trees store (prediction never needs the bins).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/matrix.h"

namespace tabpilot {

struct BinnedMatrix {
  // Code of a missing (NaN) value; value bins use 0..kMissingBin-1.
  static constexpr uint8_t kMissingBin = 255;
  static constexpr int kMaxValueBins = 255;

  size_t rows = 0;
  size_t cols = 0;
  // Feature-major codes: codes[f * rows + r]. Feature-major because the builder
  // scans one feature over a node's (sorted) rows at a time.
  std::vector<uint8_t> codes;
  // cuts[f] is strictly increasing; feature f has cuts[f].size() + 1 value bins.
  std::vector<std::vector<float>> cuts;

  const uint8_t* feature_codes(size_t f) const { return codes.data() + f * rows; }
};

// Bins `x` (NaN = missing) into at most `max_bins` (2..255) quantile bins per
// feature; a feature with at most max_bins distinct values gets one bin per
// value, cut at the midpoints. Deterministic; uses up to `threads` threads.
BinnedMatrix BinFeatures(const Matrix& x, int max_bins, int threads);

}  // namespace tabpilot
