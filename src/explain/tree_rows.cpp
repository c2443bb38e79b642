#include "explain/tree_rows.h"

#include <algorithm>

namespace tabpilot {

const float* TreeRows(const Matrix& x, size_t begin, size_t end, const FeatureExtensions& extensions,
                      size_t tree_features, TreeRowsScratch& scratch) {
  if (extensions.empty()) return x.row(begin);
  const size_t n = end - begin;
  scratch.rows.assign(n * tree_features, 0.0f);
  float* rows = scratch.rows.data();
  for (size_t i = 0; i < n; ++i) std::copy(x.row(begin + i), x.row(begin + i) + x.cols, rows + i * tree_features);
  size_t at = x.cols;
  for (const auto& extension : extensions) {
    const size_t m = extension->count();
    if (m == 0) continue;
    scratch.computed.resize(n * m);
    extension->Compute(x, begin, end, scratch.computed.data());
    for (size_t i = 0; i < n; ++i) {
      std::copy(scratch.computed.data() + i * m, scratch.computed.data() + (i + 1) * m, rows + i * tree_features + at);
    }
    at += m;
  }
  return rows;
}

}  // namespace tabpilot
