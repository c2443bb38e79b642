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

// A worker's buffers, sized for trees of depth up to `depth`: the unique
// paths of a walk's levels (each level's copy after its parent's, at most
// depth + 2 elements deep) and AddLeaf's chains.
struct ShapWorkspace {
  explicit ShapWorkspace(size_t depth) : path((depth + 2) * (depth + 3) / 2), chains(3 * (depth + 2)) {}
  std::vector<ShapPathElement> path;
  std::vector<double> chains;
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
  // Scratch of max depth + 2 values each for AddLeaf's chains.
  double* hot_zero;
  double* hot_next;
  double* hot_total;
};

// EXTEND, written into the child's slot: `to` gets the `len` elements of
// `from` (the parent's path, left as it is for the other child) and
// (zero, one, feature), with the subset-size weights updated:
//   weight'[m] = (zero (len - m) weight[m] + one m weight[m - 1]) / (len + 1).
// Each new weight reads only old ones, so the steps do not wait on each other.
inline void ExtendInto(PathElement* to, const PathElement* from, uint32_t len, double zero, double one, int32_t feature,
                       const double* inverse) {
  to[len].zero = zero;
  to[len].one = one;
  to[len].feature = feature;
  if (len == 0) {
    to[0].weight = 1.0;
    return;
  }
  const double scale = inverse[len + 1];
  const double zero_scale = zero * scale;
  const double one_scale = one * scale;
  to[len].weight = one_scale * from[len - 1].weight * static_cast<double>(len);
  for (uint32_t m = 1; m < len; ++m) {
    to[m].zero = from[m].zero;
    to[m].one = from[m].one;
    to[m].feature = from[m].feature;
    to[m].weight = zero_scale * from[m].weight * static_cast<double>(len - m) +
                   one_scale * from[m - 1].weight * static_cast<double>(m);
  }
  to[0].zero = from[0].zero;
  to[0].one = from[0].one;
  to[0].feature = from[0].feature;
  to[0].weight = zero_scale * from[0].weight * static_cast<double>(len);
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

// A leaf's contributions: element i of the path [0, last] (0 is the
// root's placeholder) adds (one_i - zero_i) x the total weight of the path
// with i unwound x the leaf's values. `one` is exactly 0 or 1 (the root's
// 1, then 1 on the row's branches, 0 on the others, or a repeated feature's
// earlier value), so:
//   one = 0: the unwound total is (last + 1) / zero_i x sum over j < last of
//            weight_j / (last - j), the same sum for every such element, and
//            (one - zero) cancels zero_i: each adds -(last + 1) x that sum.
//   one = 1: back-substitution from the last weight down, one chain per
//            element; the chains are independent and stepped together so
//            the processor overlaps their latencies.
inline void AddLeaf(const Walk& walk, const ShapNode& leaf, const PathElement* path, uint32_t last) {
  const auto size = static_cast<double>(last + 1);
  const double* inverse = walk.inverse;
  double cold = 0;
  for (uint32_t j = 0; j < last; ++j) cold += path[j].weight * inverse[last - j];
  cold *= -size;
  double* hot_zero = walk.hot_zero;
  double* hot_next = walk.hot_next;
  double* hot_total = walk.hot_total;
  uint32_t hot = 0;
  for (uint32_t i = 1; i <= last; ++i) {
    if (path[i].one == 0) continue;
    hot_zero[hot] = path[i].zero;
    hot_next[hot] = path[last].weight;
    hot_total[hot] = 0;
    ++hot;
  }
  const double per_size = inverse[last + 1];
  for (uint32_t j = last; j-- > 0;) {
    const double up = size * inverse[j + 1];
    const double down = static_cast<double>(last - j) * per_size;
    const double weight = path[j].weight;
    for (uint32_t e = 0; e < hot; ++e) {
      const double t = hot_next[e] * up;
      hot_total[e] += t;
      hot_next[e] = weight - t * hot_zero[e] * down;
    }
  }
  const double* values = walk.values + leaf.payload;
  uint32_t e = 0;
  for (uint32_t i = 1; i <= last; ++i) {
    const double scale = path[i].one == 0 ? cold : hot_total[e] * (1.0 - hot_zero[e]);
    e += path[i].one == 0 ? 0 : 1;
    double* phi = walk.phi + path[i].feature;
    for (uint32_t k = 0; k < walk.width; ++k) phi[k * walk.stride] += scale * values[k];
  }
}

// RECURSE: node j, reached with the `len` elements of `path` (the last one
// for the split that led here).
void Recurse(const Walk& walk, uint32_t j, PathElement* path, uint32_t len) {
  const ShapNode& node = walk.nodes[j];
  if (node.leaf()) {
    AddLeaf(walk, node, path, len - 1);
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
    ExtendInto(next, path, len, hot_zero, in_one, split_feature, walk.inverse);
    Recurse(walk, hot, next, len + 1);
  }
  const double cold_zero = in_zero * walk.nodes[cold].fraction;
  if (cold_zero != 0) {
    ExtendInto(next, path, len, cold_zero, 0.0, split_feature, walk.inverse);
    Recurse(walk, cold, next, len + 1);
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

void TreeShap::ExplainRow(const float* row, double* out, ShapWorkspace& workspace) const {
  const size_t stride = num_features() + 1;
  std::fill(out, out + row_width(), 0.0);
  for (uint32_t r = 0; r < num_raw(); ++r) out[r * stride + num_features()] = bias()[r];
  Walk walk{};
  walk.values = trees_.values().data();
  walk.words = trees_.category_words().data();
  walk.row = row;
  walk.inverse = inverse_.data();
  walk.stride = stride;
  const size_t chain = trees_.max_depth() + 2;
  walk.hot_zero = workspace.chains.data();
  walk.hot_next = walk.hot_zero + chain;
  walk.hot_total = walk.hot_next + chain;
  for (const ShapTree& tree : trees_.trees()) {
    if (tree.num_nodes == 1) continue;  // a lone leaf: all bias
    walk.nodes = trees_.nodes().data() + tree.node_begin;
    walk.phi = out + tree.output * stride;
    walk.width = tree.leaf_width;
    ExtendInto(workspace.path.data(), nullptr, 0, 1.0, 1.0, -1, walk.inverse);  // the root's placeholder
    Recurse(walk, 0, workspace.path.data(), 1);
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
    ShapWorkspace workspace(trees_.max_depth());
    TreeRowsScratch scratch;
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kRowBlock;
      const size_t end = std::min(x.rows, begin + kRowBlock);
      const float* rows = TreeRows(x, begin, end, extensions_, features, scratch);
      for (size_t i = begin; i < end; ++i) ExplainRow(rows + (i - begin) * features, out + i * width, workspace);
    }
  });
}

}  // namespace tabpilot
