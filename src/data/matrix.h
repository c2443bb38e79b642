// Dense row-major float matrix: what features produce and learners consume.
// Missing values are NaN (learners that cannot take NaN get imputed features).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace tabpilot {

// A missing feature value in a Matrix.
inline constexpr float kMissingFeature = std::numeric_limits<float>::quiet_NaN();

struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<float> values;  // rows * cols, row-major

  Matrix() = default;
  Matrix(size_t r, size_t c, float fill = 0.0f) : rows(r), cols(c), values(r * c, fill) {}
  float& at(size_t r, size_t c) { return values[r * cols + c]; }
  float at(size_t r, size_t c) const { return values[r * cols + c]; }
  const float* row(size_t r) const { return values.data() + r * cols; }
  float* row(size_t r) { return values.data() + r * cols; }
  // Rows `idx` in order, as a new matrix.
  Matrix SelectRows(const std::vector<size_t>& idx) const;
};

}  // namespace tabpilot
