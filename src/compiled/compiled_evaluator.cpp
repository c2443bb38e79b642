// Evaluation of a CompiledForest: blocks of rows, tree by tree, each tree's
// nodes stepped level by level for the whole block (the rows' walks are
// independent, so the processor overlaps their loads), then the links.
#include <algorithm>
#include <climits>
#include <cmath>
#include <vector>

#include "compiled/compiled_forest.h"
#include "compiled/eval_step.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

using compiled_detail::AddLeaf;
using compiled_detail::FillKeys;
using compiled_detail::MixedStep;

// Rows walked together through one tree: their features (up to a few hundred
// columns) and the tree's hot nodes stay in the first cache levels.
constexpr size_t kBlockRows = 64;

}  // namespace

void CompiledForest::PredictBlock(const float* rows, size_t stride, size_t n, double* raw,
                                  std::vector<int32_t>* key_buffer) const {
  uint32_t idx[kBlockRows];
  const size_t key_stride = 2 * num_tree_features_;
  key_buffer->resize(kBlockRows * key_stride);
  int32_t* keys = key_buffer->data();
  const bool numeric_trees = std::any_of(trees_.begin(), trees_.end(), [](const CompiledTree& t) {
    return t.kind == CompiledTree::Kind::kNodes && !t.has_categorical;
  });
  if (numeric_trees) FillKeys(rows, stride, n, num_tree_features_, keys);
  const size_t num_raw = num_raw_;
  for (const ScorePart& part : parts_) {
    for (size_t i = 0; i < n; ++i) std::copy(part.base.begin(), part.base.end(), raw + i * num_raw + part.raw_begin);
  }
  static constexpr CategoricalSplit kNoSplit{};
  static constexpr uint32_t kNoWord = 0;
  const CategoricalSplit* splits = categorical_splits_.empty() ? &kNoSplit : categorical_splits_.data();
  const uint32_t* words = category_words_.empty() ? &kNoWord : category_words_.data();
  for (const CompiledTree& tree : trees_) {
    const CompiledNode* nodes = nodes_.data() + tree.node_begin;
    std::fill(idx, idx + n, 0u);
    if (tree.kind == CompiledTree::Kind::kOblivious) {
      for (uint32_t d = 0; d < tree.depth; ++d) {
        const float* column = rows + nodes[d].feature;
        const float border = nodes[d].threshold;
        for (size_t i = 0; i < n; ++i) idx[i] |= static_cast<uint32_t>(column[i * stride] > border) << d;
      }
      const float* leaves = leaf_values_.data() + tree.leaf_begin;
      if (tree.leaf_width == 1 && !tree.float_sum) {
        double* out = raw + tree.output;
        for (size_t i = 0; i < n; ++i) out[i * num_raw] += tree.weight * static_cast<double>(leaves[idx[i]]);
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        AddLeaf(raw + i * num_raw + tree.output, leaves + static_cast<size_t>(idx[i]) * tree.leaf_width,
                tree.leaf_width, tree.weight, tree.float_sum);
      }
      continue;
    }
    const EvalNode* eval = eval_nodes_.data() + tree.node_begin;
    // Level by level until every row of the block is on a leaf (leaves
    // loop onto themselves, so then no index moves): a deep leaf-wise tree
    // costs the block its deepest path, not the tree's depth.
    if (tree.has_categorical) {
      for (uint32_t d = 0; d < tree.depth; ++d) {
        uint32_t moved = 0;
        for (size_t i = 0; i < n; ++i) {
          const CompiledNode& node = nodes[idx[i]];
          const uint32_t next = MixedStep(node, rows[i * stride + node.feature], splits, words);
          moved |= next ^ idx[i];
          idx[i] = next;
        }
        if (moved == 0) break;
      }
    } else {
      for (uint32_t d = 0; d < tree.depth; ++d) {
        uint32_t moved = 0;
        for (size_t i = 0; i < n; ++i) {
          const EvalNode& node = eval[idx[i]];
          const uint32_t next =
              node.child + static_cast<uint32_t>(keys[i * key_stride + node.column] > node.threshold_key);
          moved |= next ^ idx[i];
          idx[i] = next;
        }
        if (moved == 0) break;
      }
    }
    if (tree.leaf_width == 1 && tree.float_sum) {
      double* out = raw + tree.output;
      for (size_t i = 0; i < n; ++i) {
        out[i * num_raw] =
            static_cast<double>(static_cast<float>(out[i * num_raw]) + leaf_values_[eval[idx[i]].payload]);
      }
    } else if (tree.leaf_width == 1) {
      double* out = raw + tree.output;
      for (size_t i = 0; i < n; ++i) {
        out[i * num_raw] += tree.weight * static_cast<double>(leaf_values_[eval[idx[i]].payload]);
      }
    } else {
      for (size_t i = 0; i < n; ++i) {
        AddLeaf(raw + i * num_raw + tree.output, leaf_values_.data() + eval[idx[i]].payload, tree.leaf_width,
                tree.weight, tree.float_sum);
      }
    }
  }
}

void CompiledForest::ApplyLinks(const double* raw, size_t n, float* out, std::vector<double>& work) const {
  const auto outputs = static_cast<size_t>(num_outputs_);
  work.resize(2 * outputs);
  double* acc = work.data();
  double* one = acc + outputs;
  const bool single = parts_.size() == 1 && parts_[0].weight == 1.0;
  for (size_t i = 0; i < n; ++i) {
    const double* r = raw + i * num_raw_;
    float* o = out + i * outputs;
    std::fill(acc, acc + outputs, 0.0);
    for (const ScorePart& part : parts_) {
      const double* s = r + part.raw_begin;
      switch (part.link) {
        case ScoreLink::kIdentity:
          std::copy(s, s + part.raw_dims, one);
          break;
        case ScoreLink::kBinaryProbability:
          // As the forest writes it: p rounded to float first, then 1 - p.
          if (single) {
            const auto p = static_cast<float>(s[0]);
            o[0] = 1.0f - p;
            o[1] = p;
            continue;
          }
          one[0] = 1.0 - s[0];
          one[1] = s[0];
          break;
        case ScoreLink::kLogistic: {
          const double p = 1.0 / (1.0 + std::exp(-s[0]));
          one[0] = 1.0 - p;
          one[1] = p;
          break;
        }
        case ScoreLink::kSoftmax: {
          const double mx = *std::max_element(s, s + part.raw_dims);
          double sum = 0;
          for (uint32_t k = 0; k < part.raw_dims; ++k) sum += (one[k] = std::exp(s[k] - mx));
          for (uint32_t k = 0; k < part.raw_dims; ++k) one[k] /= sum;
          break;
        }
      }
      for (size_t k = 0; k < outputs; ++k) acc[k] += part.weight * one[k];
    }
    if (single && parts_[0].link == ScoreLink::kBinaryProbability) continue;
    for (size_t k = 0; k < outputs; ++k) o[k] = static_cast<float>(acc[k]);
  }
}

void CompiledForest::PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw) const {
  Scratch scratch;
  PredictRaw(x, begin, end, raw, scratch);
}

void CompiledForest::PredictSmall(const Matrix& x, Scratch& scratch, float* out) const {
  if (x.rows > kSmallRows) throw Internal("PredictSmall takes at most " + std::to_string(kSmallRows) + " rows");
  scratch.raw.resize(x.rows * num_raw_);
  PredictRaw(x, 0, x.rows, scratch.raw.data(), scratch);
  ApplyLinks(scratch.raw.data(), x.rows, out, scratch.work);
}

void CompiledForest::PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw, Scratch& scratch) const {
  if (x.cols != num_features_) {
    throw InvalidInput("compiled trees expect " + std::to_string(num_features_) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  std::vector<float>& extended = scratch.extended;
  std::vector<float>& computed = scratch.computed;
  for (size_t b = begin; b < end; b += kBlockRows) {
    const size_t n = std::min(kBlockRows, end - b);
    const float* rows = x.row(b);
    size_t stride = x.cols;
    if (!extensions_.empty()) {
      // The rows with every extension's features appended.
      stride = num_tree_features_;
      extended.assign(n * stride, 0.0f);
      for (size_t i = 0; i < n; ++i) std::copy(x.row(b + i), x.row(b + i) + x.cols, extended.data() + i * stride);
      size_t at = x.cols;
      for (const auto& ext : extensions_) {
        const size_t m = ext->count();
        computed.resize(n * m);
        if (m > 0) ext->Compute(x, b, b + n, computed.data());
        for (size_t i = 0; i < n; ++i) {
          std::copy(computed.data() + i * m, computed.data() + (i + 1) * m, extended.data() + i * stride + at);
        }
        at += m;
      }
      rows = extended.data();
    }
    PredictBlock(rows, stride, n, raw + (b - begin) * num_raw_, &scratch.keys);
  }
}

void CompiledForest::Predict(const Matrix& x, float* out, int threads) const {
  if (x.cols != num_features_) {
    throw InvalidInput("compiled trees expect " + std::to_string(num_features_) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  const size_t blocks = (x.rows + kBlockRows - 1) / kBlockRows;
  const auto outputs = static_cast<size_t>(num_outputs_);
  ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
    Scratch scratch;
    scratch.raw.resize(kBlockRows * num_raw_);
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kBlockRows;
      const size_t end = std::min(x.rows, begin + kBlockRows);
      PredictRaw(x, begin, end, scratch.raw.data(), scratch);
      ApplyLinks(scratch.raw.data(), end - begin, out + begin * outputs, scratch.work);
    }
  });
}

}  // namespace tabpilot
