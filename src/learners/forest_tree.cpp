#include "learners/forest_tree.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace tabpilot {
namespace {

// Rows scored together per tree: the tree's hot nodes stay in cache while a
// block of rows walks it.
constexpr size_t kRowBlock = 64;

[[noreturn]] void Corrupt(const std::string& what) { throw InvalidInput("corrupt forest model: " + what); }

// The leaf node `row` reaches in one tree (arrays offset to the tree's first node).
inline int32_t Walk(const int32_t* feature, const float* threshold, const int32_t* left, const int32_t* right,
                    const uint8_t* default_left, const float* row) {
  int32_t node = 0;
  while (feature[node] >= 0) {
    const float v = row[feature[node]];
    const bool go_left = std::isnan(v) ? default_left[node] != 0 : v <= threshold[node];
    node = go_left ? left[node] : right[node];
  }
  return node;
}

}  // namespace

FlatForest::FlatForest(int num_features, int values_per_leaf)
    : num_features_(num_features), values_per_leaf_(values_per_leaf) {}

void FlatTree::ShrinkToFit() {
  feature.shrink_to_fit();
  threshold.shrink_to_fit();
  left.shrink_to_fit();
  right.shrink_to_fit();
  default_left.shrink_to_fit();
  value_offset.shrink_to_fit();
  leaf_values.shrink_to_fit();
}

void FlatForest::Reserve(size_t nodes, size_t leaf_values, size_t trees) {
  const size_t n = feature_.size() + nodes;
  feature_.reserve(n);
  threshold_.reserve(n);
  left_.reserve(n);
  right_.reserve(n);
  default_left_.reserve(n);
  value_offset_.reserve(n);
  leaf_values_.reserve(leaf_values_.size() + leaf_values);
  tree_begin_.reserve(tree_begin_.size() + trees);
}

void FlatForest::AddTree(FlatTree tree) {
  const size_t n = tree.num_nodes();
  if (n == 0 || tree.threshold.size() != n || tree.left.size() != n || tree.right.size() != n ||
      tree.default_left.size() != n || tree.value_offset.size() != n) {
    throw Internal("forest: malformed tree from builder");
  }
  const auto base = static_cast<int32_t>(leaf_values_.size());
  for (size_t i = 0; i < n; ++i) {
    if (tree.feature[i] < 0) tree.value_offset[i] += base;
  }
  auto append = [](auto& dst, const auto& src) { dst.insert(dst.end(), src.begin(), src.end()); };
  append(feature_, tree.feature);
  append(threshold_, tree.threshold);
  append(left_, tree.left);
  append(right_, tree.right);
  append(default_left_, tree.default_left);
  append(value_offset_, tree.value_offset);
  append(leaf_values_, tree.leaf_values);
  tree_begin_.push_back(feature_.size());
}

void FlatForest::Validate() const {
  if (num_features_ < 1) Corrupt("no features");
  if (values_per_leaf_ < 1) Corrupt("values per leaf < 1");
  const size_t n = feature_.size();
  if (threshold_.size() != n || left_.size() != n || right_.size() != n || default_left_.size() != n ||
      value_offset_.size() != n) {
    Corrupt("node arrays differ in length");
  }
  if (tree_begin_.empty() || tree_begin_.front() != 0 || tree_begin_.back() != n) Corrupt("bad tree offsets");
  if (num_trees() == 0) Corrupt("no trees");
  const auto vpl = static_cast<size_t>(values_per_leaf_);
  for (size_t t = 0; t + 1 < tree_begin_.size(); ++t) {
    const uint64_t begin = tree_begin_[t];
    const uint64_t end = tree_begin_[t + 1];
    if (end <= begin || end > n) Corrupt("bad node range for tree " + std::to_string(t));
    const uint64_t size = end - begin;
    for (uint64_t i = begin; i < end; ++i) {
      const uint64_t local = i - begin;
      if (feature_[i] < 0) {
        if (feature_[i] != -1) Corrupt("bad feature index at node " + std::to_string(i));
        const int32_t off = value_offset_[i];
        if (off < 0 || static_cast<size_t>(off) + vpl > leaf_values_.size()) {
          Corrupt("leaf value offset out of range at node " + std::to_string(i));
        }
      } else {
        if (feature_[i] >= num_features_) Corrupt("feature index out of range at node " + std::to_string(i));
        if (left_[i] <= static_cast<int64_t>(local) || static_cast<uint64_t>(left_[i]) >= size ||
            right_[i] <= static_cast<int64_t>(local) || static_cast<uint64_t>(right_[i]) >= size) {
          Corrupt("child index out of range at node " + std::to_string(i));
        }
        if (std::isnan(threshold_[i])) Corrupt("NaN threshold at node " + std::to_string(i));
        if (default_left_[i] > 1) Corrupt("bad default direction at node " + std::to_string(i));
      }
    }
  }
}

const float* FlatForest::Leaf(size_t t, const float* row) const {
  const size_t base = tree_begin_[t];
  const int32_t node = Walk(feature_.data() + base, threshold_.data() + base, left_.data() + base, right_.data() + base,
                            default_left_.data() + base, row);
  return leaf_values_.data() + value_offset_[base + static_cast<size_t>(node)];
}

void FlatForest::PredictMean(const Matrix& x, size_t row_begin, size_t row_end, float* out) const {
  if (x.cols != static_cast<size_t>(num_features_)) {
    throw InvalidInput("forest model expects " + std::to_string(num_features_) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  const size_t vpl = static_cast<size_t>(values_per_leaf_);
  const size_t trees = num_trees();
  std::vector<double> acc(kRowBlock * vpl);
  for (size_t block = row_begin; block < row_end; block += kRowBlock) {
    const size_t count = std::min(kRowBlock, row_end - block);
    std::fill(acc.begin(), acc.end(), 0.0);
    for (size_t t = 0; t < trees; ++t) {
      const size_t base = tree_begin_[t];
      const int32_t* feature = feature_.data() + base;
      const float* threshold = threshold_.data() + base;
      const int32_t* left = left_.data() + base;
      const int32_t* right = right_.data() + base;
      const uint8_t* default_left = default_left_.data() + base;
      const int32_t* value_offset = value_offset_.data() + base;
      for (size_t i = 0; i < count; ++i) {
        const int32_t node = Walk(feature, threshold, left, right, default_left, x.row(block + i));
        const float* values = leaf_values_.data() + value_offset[node];
        double* a = acc.data() + i * vpl;
        for (size_t k = 0; k < vpl; ++k) a[k] += values[k];
      }
    }
    const double scale = 1.0 / static_cast<double>(trees);
    for (size_t i = 0; i < count; ++i) {
      for (size_t k = 0; k < vpl; ++k) {
        out[(block - row_begin + i) * vpl + k] = static_cast<float>(acc[i * vpl + k] * scale);
      }
    }
  }
}

FlatForest FlatForest::FromArrays(int num_features, int values_per_leaf, std::vector<uint64_t> tree_begin,
                                  std::vector<int32_t> feature, std::vector<float> threshold, std::vector<int32_t> left,
                                  std::vector<int32_t> right, std::vector<uint8_t> default_left,
                                  std::vector<int32_t> value_offset, std::vector<float> leaf_values) {
  FlatForest f(num_features, values_per_leaf);
  f.tree_begin_ = std::move(tree_begin);
  f.feature_ = std::move(feature);
  f.threshold_ = std::move(threshold);
  f.left_ = std::move(left);
  f.right_ = std::move(right);
  f.default_left_ = std::move(default_left);
  f.value_offset_ = std::move(value_offset);
  f.leaf_values_ = std::move(leaf_values);
  f.Validate();
  return f;
}

}  // namespace tabpilot
