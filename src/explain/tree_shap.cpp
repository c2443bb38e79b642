#include "explain/tree_shap.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {

// A feature on the unique path: the fractions of the subsets in which it is
// unknown (zero) and known (one), and `weight`, the weight of the subsets of
// the position's size (the position is the element's index).
struct ShapPathElement {
  double zero = 0;
  double one = 0;
  double weight = 0;
  int32_t feature = -1;
};

namespace {

using PathElement = ShapPathElement;

// Rows whose extension features are computed together.
constexpr size_t kRowBlock = 64;

// What one tree's walk for one row reads.
struct Walk {
  const ShapNode* nodes;
  const double* values;   // leaf values x tree weight
  const uint32_t* words;  // category sets
  const float* row;       // the row's tree features
  const double* inverse;  // inverse[k] = 1 / k
  double* phi;            // the row's values for the tree's first raw score
  size_t stride;          // values per raw score (features + bias)
  uint32_t width;         // raw scores per leaf
};

// EXTEND: appends (zero, one, feature) to the `len` elements of `path`,
// updating the subset-size weights.
inline void Extend(PathElement* path, uint32_t len, double zero, double one, int32_t feature, const double* inverse) {
  path[len].zero = zero;
  path[len].one = one;
  path[len].feature = feature;
  path[len].weight = len == 0 ? 1.0 : 0.0;
  const double scale = inverse[len + 1];
  for (uint32_t i = len; i-- > 0;) {
    path[i + 1].weight += one * path[i].weight * static_cast<double>(i + 1) * scale;
    path[i].weight = zero * path[i].weight * static_cast<double>(len - i) * scale;
  }
}

// UNWIND: takes element i out of the path of elements [0, last].
inline void Unwind(PathElement* path, uint32_t last, uint32_t i, const double* inverse) {
  const double one = path[i].one;
  const double zero = path[i].zero;
  const auto size = static_cast<double>(last + 1);
  double next = path[last].weight;
  if (one != 0) {
    const double per_one = size / one;
    for (uint32_t j = last; j-- > 0;) {
      const double kept = path[j].weight;
      path[j].weight = next * per_one * inverse[j + 1];
      next = kept - path[j].weight * zero * static_cast<double>(last - j) / size;
    }
  } else {
    const double per_zero = size / zero;  // zero > 0: subtrees with both 0 are never entered
    for (uint32_t j = last; j-- > 0;) path[j].weight *= per_zero * inverse[last - j];
  }
  for (uint32_t j = i; j < last; ++j) {
    path[j].zero = path[j + 1].zero;
    path[j].one = path[j + 1].one;
    path[j].feature = path[j + 1].feature;
  }
}

// The total weight the path of elements [0, last] would have after
// unwinding element i, without unwinding it.
inline double UnwoundSum(const PathElement* path, uint32_t last, uint32_t i, const double* inverse) {
  const double one = path[i].one;
  const double zero = path[i].zero;
  const auto size = static_cast<double>(last + 1);
  double total = 0;
  if (one != 0) {
    const double per_one = size / one;
    const double zero_step = zero / size;
    double next = path[last].weight;
    for (uint32_t j = last; j-- > 0;) {
      const double w = next * per_one * inverse[j + 1];
      total += w;
      next = path[j].weight - w * zero_step * static_cast<double>(last - j);
    }
    return total;
  }
  for (uint32_t j = last; j-- > 0;) total += path[j].weight * inverse[last - j];
  return total * size / zero;
}

// RECURSE: node j entered with (zero, one) for `feature` (the parent's
// split) on a path whose first `len` elements are the parent's.
void Recurse(const Walk& walk, uint32_t j, PathElement* path, uint32_t len, double zero, double one, int32_t feature) {
  Extend(path, len, zero, one, feature, walk.inverse);
  ++len;
  const ShapNode& node = walk.nodes[j];
  if (node.leaf()) {
    const uint32_t last = len - 1;
    const double* values = walk.values + node.payload;
    for (uint32_t i = 1; i <= last; ++i) {
      const double scale = UnwoundSum(path, last, i, walk.inverse) * (path[i].one - path[i].zero);
      double* phi = walk.phi + path[i].feature;
      for (uint32_t k = 0; k < walk.width; ++k) phi[k * walk.stride] += scale * values[k];
    }
    return;
  }
  const uint32_t left = node.left();
  const uint32_t hot = left + (GoesRight(node, walk.row[node.feature], walk.words) ? 1u : 0u);
  const uint32_t cold = 2 * left + 1 - hot;
  // A feature split on before leaves the path and comes back with the
  // product of its fractions.
  double in_zero = 1;
  double in_one = 1;
  const auto split_feature = static_cast<int32_t>(node.feature);
  for (uint32_t k = 1; k < len; ++k) {
    if (path[k].feature != split_feature) continue;
    in_zero = path[k].zero;
    in_one = path[k].one;
    Unwind(path, len - 1, k, walk.inverse);
    --len;
    break;
  }
  PathElement* next = path + len;
  const double hot_zero = in_zero * walk.nodes[hot].fraction;
  if (hot_zero != 0 || in_one != 0) {
    std::copy(path, path + len, next);
    Recurse(walk, hot, next, len, hot_zero, in_one, split_feature);
  }
  const double cold_zero = in_zero * walk.nodes[cold].fraction;
  if (cold_zero != 0) {
    std::copy(path, path + len, next);
    Recurse(walk, cold, next, len, cold_zero, 0.0, split_feature);
  }
}

}  // namespace

TreeShap::TreeShap(ShapTrees trees, FeatureExtensions extensions)
    : trees_(std::move(trees)), extensions_(std::move(extensions)) {
  inverse_.assign(trees_.max_depth() + 3, 0.0);
  for (size_t k = 1; k < inverse_.size(); ++k) inverse_[k] = 1.0 / static_cast<double>(k);
}

std::unique_ptr<TreeShap> TreeShap::Create(const CompiledForest& forest, const Options& options) {
  ShapTrees trees(forest, options.background, options.covers, options.threads);
  return std::unique_ptr<TreeShap>(new TreeShap(std::move(trees), forest.extensions()));
}

size_t TreeShap::PathCapacity() const {
  const size_t depth = trees_.max_depth();
  return (depth + 2) * (depth + 3) / 2;
}

void TreeShap::ExplainRow(const float* row, double* out, ShapPathElement* path) const {
  const size_t stride = num_features() + 1;
  std::fill(out, out + row_width(), 0.0);
  for (uint32_t r = 0; r < num_raw(); ++r) out[r * stride + num_features()] = bias()[r];
  Walk walk{};
  walk.values = trees_.values().data();
  walk.words = trees_.category_words().data();
  walk.row = row;
  walk.inverse = inverse_.data();
  walk.stride = stride;
  for (const ShapTree& tree : trees_.trees()) {
    if (tree.num_nodes == 1) continue;  // a lone leaf: all bias
    walk.nodes = trees_.nodes().data() + tree.node_begin;
    walk.phi = out + tree.output * stride;
    walk.width = tree.leaf_width;
    Recurse(walk, 0, path, 0, 1.0, 1.0, -1);
  }
}

void TreeShap::Explain(const Matrix& x, double* out, int threads) const {
  if (x.cols != trees_.num_features()) {
    throw InvalidInput("SHAP: the model takes " + std::to_string(trees_.num_features()) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  const size_t blocks = (x.rows + kRowBlock - 1) / kRowBlock;
  const size_t width = row_width();
  const size_t features = num_features();
  ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
    std::vector<ShapPathElement> path(PathCapacity());
    TreeRowsScratch scratch;
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kRowBlock;
      const size_t end = std::min(x.rows, begin + kRowBlock);
      const float* rows = TreeRows(x, begin, end, extensions_, features, scratch);
      for (size_t i = begin; i < end; ++i) ExplainRow(rows + (i - begin) * features, out + i * width, path.data());
    }
  });
}

}  // namespace tabpilot
