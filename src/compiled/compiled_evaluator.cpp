// Evaluation of a CompiledForest: blocks of kBlockRows (64) rows, tree by
// tree, then the links. A block's values are first turned into integer keys,
// column-major (simd_walk.h: two order-preserving keys per feature so that
// NaN goes the default way with one integer compare, and, for categorical
// splits, one category code per feature), and its raw scores are kept
// column-major while the trees add to them.
//
// Each tree takes the whole block at once, by one of the kernels
// (TreeKernel; kAuto takes the widest the processor runs, and the scalar
// loops for blocks of fewer than 8 or 16 rows, such as one-row calls):
//   scalar    the fallback: numeric trees step the keys level by level
//             (EvalNode), trees with categorical splits step CompiledNodes
//             (MixedStep), oblivious trees compare the floats; the step loop
//             stops early once no row of the block moved.
//   AVX-512   trees of at most 128 leaves by leaf masks (QuickScorer's idea,
//             MaskSplit): every split tests the 64 rows with contiguous key
//             loads and clears, for the rows going right, the leaves under
//             its left child from their masks; a row's leaf is the lowest
//             one left. The leaf values then go straight into the scores in
//             vector code. Bigger trees: a gather walk of 16 rows a vector.
//   AVX2      the same leaf masks, 8 rows a vector (values added by scalar
//             code); gather walks of 8 rows a vector for bigger trees.
//   Oblivious trees, in both vector kernels: a comparison per level on 8 or
//   16 contiguous keys.
// Every kernel reaches the same leaf for every row, and the leaves are
// added tree by tree in order with the scalar code's roundings (double, or
// float when the part sums in float), so results are bit-identical across
// kernels (tests/compiled/test_compiled_forest.cpp compares them).
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "compiled/compiled_forest.h"
#include "compiled/simd_walk.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

// Rows walked together through one tree: their features (up to a few hundred
// columns) and the tree's hot nodes stay in the first cache levels.
constexpr size_t kBlockRows = kWalkRows;

// One step in a tree with categorical splits, without a branch on the node's
// kind or the value (both are unpredictable): the numeric and the
// categorical decision are both computed and the node's flag picks one.
// `words` has at least one word (a split's bits are read at index 0 when the
// code is out of its range, then ignored).
inline uint32_t MixedStep(const CompiledNode& node, float v, const CategoricalSplit* splits, const uint32_t* words) {
  const uint32_t base = node.child & CompiledNode::kIndexMask;
  const uint32_t default_right = ((node.child >> 31) & 1u) ^ 1u;
  const uint32_t numeric = static_cast<uint32_t>(!(v <= node.threshold));
  const uint32_t is_categorical = (node.child >> 30) & 1u;
  const CategoricalSplit split = splits[is_categorical != 0 ? node.payload : 0];
  const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
  const auto code = static_cast<uint32_t>(valid ? v : 0.0f);
  const uint32_t w = code >> 5;
  const bool in_range = valid && w < split.words;
  const uint32_t word = words[in_range ? split.word_begin + w : 0];
  const uint32_t categorical = in_range ? (word >> (code & 31u)) & 1u : 0u;
  const uint32_t right = std::isnan(v) ? default_right : (is_categorical != 0 ? categorical : numeric);
  return base + right;
}

// Adds w x values[0..width) to a row's scores acc[k x kBlockRows] (the
// block's score columns); in float (w is then 1) when float_sum.
inline void AddLeaf(double* acc, const float* values, uint32_t width, double w, bool float_sum) {
  if (float_sum) {
    for (uint32_t k = 0; k < width; ++k) {
      acc[k * kBlockRows] = static_cast<double>(static_cast<float>(acc[k * kBlockRows]) + values[k]);
    }
    return;
  }
  for (uint32_t k = 0; k < width; ++k) acc[k * kBlockRows] += w * static_cast<double>(values[k]);
}

// The block's values as keys (simd_walk.h): column c's keys of row i at
// keys[c * kBlockRows + i], two per feature (EvalNode) and, when `codes`,
// then one category code per feature and, for the AVX2 kernels (`avx2`),
// one category bit per feature.
void FillKeys(const float* rows, size_t stride, size_t n, size_t features, bool codes, int32_t* keys, bool avx2) {
  int32_t* code = keys + 2 * features * kBlockRows;
  int32_t* bits = code + features * kBlockRows;
  const size_t done = avx2 ? FillKeysAvx2(rows, stride, n, features, codes, keys) : 0;
  for (size_t i = done; i < n; ++i) {
    const float* row = rows + i * stride;
    for (size_t f = 0; f < features; ++f) {
      const float v = row[f];
      const bool missing = std::isnan(v);
      const int32_t key = FloatKey(missing ? 0.0f : v);
      keys[2 * f * kBlockRows + i] = missing ? INT32_MAX : key;
      keys[(2 * f + 1) * kBlockRows + i] = missing ? INT32_MIN : key;
      if (!codes) continue;
      const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
      const int32_t c = missing ? kMissingCode : valid ? static_cast<int32_t>(v) : kInvalidCode;
      code[f * kBlockRows + i] = c;
      if (!avx2) continue;
      bits[f * kBlockRows + i] = static_cast<int32_t>(missing ? 1u << 31 : c >= 0 && c < 31 ? 1u << c : 0u);
    }
  }
}

// The kernel to run: kAuto's choice, or `kernel` if this processor runs it;
// the scalar one for forests too wide for the vector kernels' offsets.
TreeKernel ResolveKernel(TreeKernel kernel, size_t tree_features) {
  if (kernel == TreeKernel::kAuto) kernel = FastestTreeKernel();
  if (!TreeKernelSupported(kernel)) {
    throw InvalidInput(std::string("this processor does not run the ") + TreeKernelName(kernel) + " tree kernel");
  }
  return tree_features > kMaxVectorFeatures ? TreeKernel::kScalar : kernel;
}

// The kernel kAuto gives a block of n rows: the vector kernels take all
// kBlockRows lanes whatever n, so blocks of a few rows (one-row calls) go
// faster through the scalar loops; same results either way.
TreeKernel BlockKernel(TreeKernel requested, TreeKernel resolved, size_t n) {
  if (requested != TreeKernel::kAuto) return resolved;
  const size_t min_rows = resolved == TreeKernel::kAvx512 ? 8 : 16;
  return n < min_rows ? TreeKernel::kScalar : resolved;
}

// Adds each row's leaf (leaf[i], a tree-local node index) to its raw scores.
void AddLeaves(const CompiledTree& tree, const EvalNode* eval, const float* leaf_values, const uint32_t* leaf, size_t n,
               double* scores) {
  double* out = scores + tree.output * kBlockRows;
  if (tree.leaf_width == 1 && tree.float_sum) {
    for (size_t i = 0; i < n; ++i) {
      out[i] = static_cast<double>(static_cast<float>(out[i]) + leaf_values[eval[leaf[i]].payload]);
    }
  } else if (tree.leaf_width == 1) {
    for (size_t i = 0; i < n; ++i) out[i] += tree.weight * static_cast<double>(leaf_values[eval[leaf[i]].payload]);
  } else {
    for (size_t i = 0; i < n; ++i) {
      AddLeaf(out + i, leaf_values + eval[leaf[i]].payload, tree.leaf_width, tree.weight, tree.float_sum);
    }
  }
}

}  // namespace

void CompiledForest::WalkTree(const CompiledTree& tree, const float* rows, size_t stride, size_t n, const int32_t* keys,
                              TreeKernel kernel, uint32_t* leaf) const {
  const CompiledNode* nodes = nodes_.data() + tree.node_begin;
  const EvalNode* eval = eval_nodes_.data() + tree.node_begin;
  const bool avx512 = kernel == TreeKernel::kAvx512;
  if (tree.kind == CompiledTree::Kind::kOblivious) {
    if (kernel != TreeKernel::kScalar) {
      (avx512 ? ObliviousLeavesAvx512 : ObliviousLeavesAvx2)(nodes, tree.depth, keys, leaf);
      return;
    }
    std::fill(leaf, leaf + n, 0u);
    for (uint32_t d = 0; d < tree.depth; ++d) {
      const float* column = rows + nodes[d].feature;
      const float border = nodes[d].threshold;
      for (size_t i = 0; i < n; ++i) leaf[i] |= static_cast<uint32_t>(column[i * stride] > border) << d;
    }
    return;
  }
  const auto code_offset = static_cast<int32_t>(2 * num_tree_features_ * kBlockRows);
  const uint32_t* words = category_words_.data();
  if (kernel != TreeKernel::kScalar && tree.mask_leaves != 0) {
    if (avx512) {
      MaskLeavesAvx512(mask_splits_.data() + tree.split_begin, tree.mask_numeric, tree.mask_short_sets,
                       static_cast<uint32_t>(tree.num_nodes - tree.mask_leaves), tree.mask_leaves, keys, code_offset,
                       words, leaf);
    } else {
      MaskWordsAvx2(tree, word_splits_.data() + tree.word_split_begin, keys, code_offset, words, leaf);
    }
    const uint32_t* order = leaf_order_.data() + tree.leaf_order_begin;
    for (size_t i = 0; i < kBlockRows; ++i) leaf[i] = order[leaf[i]];
    return;
  }
  if (tree.has_categorical && kernel != TreeKernel::kScalar) {
    (avx512 ? WalkMixedAvx512 : WalkMixedAvx2)(eval, tree.depth, keys, code_offset, words, leaf);
    return;
  }
  if (kernel != TreeKernel::kScalar) {
    (avx512 ? WalkNumericAvx512 : WalkNumericAvx2)(eval, tree.depth, keys, leaf);
    return;
  }
  // Level by level until every row of the block is on a leaf (leaves
  // loop onto themselves, so then no index moves): a deep leaf-wise tree
  // costs the block its deepest path, not the tree's depth.
  std::fill(leaf, leaf + n, 0u);
  if (tree.has_categorical) {
    static constexpr CategoricalSplit kNoSplit{};
    static constexpr uint32_t kNoWord = 0;
    const CategoricalSplit* splits = categorical_splits_.empty() ? &kNoSplit : categorical_splits_.data();
    const uint32_t* set_words = category_words_.empty() ? &kNoWord : category_words_.data();
    for (uint32_t d = 0; d < tree.depth; ++d) {
      uint32_t moved = 0;
      for (size_t i = 0; i < n; ++i) {
        const CompiledNode& node = nodes[leaf[i]];
        const uint32_t next = MixedStep(node, rows[i * stride + node.feature], splits, set_words);
        moved |= next ^ leaf[i];
        leaf[i] = next;
      }
      if (moved == 0) break;
    }
    return;
  }
  for (uint32_t d = 0; d < tree.depth; ++d) {
    uint32_t moved = 0;
    for (size_t i = 0; i < n; ++i) {
      const EvalNode& node = eval[leaf[i]];
      const uint32_t next = node.child + static_cast<uint32_t>(keys[node.column * kBlockRows + i] > node.threshold_key);
      moved |= next ^ leaf[i];
      leaf[i] = next;
    }
    if (moved == 0) break;
  }
}

void CompiledForest::PredictBlock(const float* rows, size_t stride, size_t n, double* raw, TreeKernel kernel,
                                  Scratch& scratch) const {
  std::vector<int32_t>* key_buffer = &scratch.keys;
  std::vector<double>* score_buffer = &scratch.scores;
  const bool vector = kernel != TreeKernel::kScalar;
  const bool categorical = vector && !categorical_splits_.empty();
  const bool need_keys = vector || std::any_of(trees_.begin(), trees_.end(), [](const CompiledTree& t) {
                           return t.kind == CompiledTree::Kind::kNodes && !t.has_categorical;
                         });
  // Rows past n keep valid keys: stale ones, or zeros.
  const bool avx2 = kernel == TreeKernel::kAvx2;
  key_buffer->resize(kBlockRows * (categorical ? (avx2 ? 4 : 3) : 2) * num_tree_features_, 0);
  int32_t* keys = key_buffer->data();
  if (need_keys) FillKeys(rows, stride, n, num_tree_features_, categorical, keys, avx2);
  // The block's raw scores, column-major (raw score r of row i at
  // scores[r * kBlockRows + i]) while the trees add to them.
  const size_t num_raw = num_raw_;
  score_buffer->resize(num_raw * kBlockRows);
  double* scores = score_buffer->data();
  for (const ScorePart& part : parts_) {
    for (uint32_t k = 0; k < part.raw_dims; ++k) {
      std::fill(scores + (part.raw_begin + k) * kBlockRows, scores + (part.raw_begin + k) * kBlockRows + n,
                part.base[k]);
    }
  }
  uint32_t leaf[kBlockRows];
  const auto code_offset = static_cast<int32_t>(2 * num_tree_features_ * kBlockRows);
  // AVX2: a score column that only float-summed trees add to is kept in
  // float while they do (in_float[r]), which gives the same bits as
  // rounding the double to float and back at every tree, without doing so.
  scratch.float_scores.resize(num_raw * kBlockRows);
  scratch.in_float.assign(num_raw, 0);
  float* float_scores = scratch.float_scores.data();
  uint8_t* in_float = scratch.in_float.data();
  const auto to_double = [&](uint32_t first, uint32_t count) {
    for (uint32_t r = first; r < first + count; ++r) {
      if (in_float[r] == 0) continue;
      for (size_t i = 0; i < n; ++i) scores[r * kBlockRows + i] = float_scores[r * kBlockRows + i];
      in_float[r] = 0;
    }
  };
  for (const CompiledTree& tree : trees_) {
    if (kernel == TreeKernel::kAvx2 && tree.leaf_width == 1 && tree.mask_leaves != 0 && tree.float_sum) {
      float* out = float_scores + tree.output * kBlockRows;
      if (in_float[tree.output] == 0) {
        const double* from = scores + tree.output * kBlockRows;
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(from[i]);
        in_float[tree.output] = 1;
      }
      MaskWordsAvx2(tree, word_splits_.data() + tree.word_split_begin, keys, code_offset, category_words_.data(), leaf);
      AddNumberedFloatsAvx2(leaf_order_values_.data() + tree.leaf_order_begin, tree.mask_leaves, leaf, n, out);
      continue;
    }
    to_double(tree.output, tree.leaf_width);
    if (tree.kind == CompiledTree::Kind::kOblivious) {
      WalkTree(tree, rows, stride, n, keys, kernel, leaf);
      const float* leaves = leaf_values_.data() + tree.leaf_begin;
      double* out = scores + tree.output * kBlockRows;
      if (tree.leaf_width == 1 && !tree.float_sum) {
        for (size_t i = 0; i < n; ++i) out[i] += tree.weight * static_cast<double>(leaves[leaf[i]]);
        continue;
      }
      for (size_t i = 0; i < n; ++i) {
        AddLeaf(out + i, leaves + static_cast<size_t>(leaf[i]) * tree.leaf_width, tree.leaf_width, tree.weight,
                tree.float_sum);
      }
      continue;
    }
    if (kernel == TreeKernel::kAvx512 && tree.leaf_width == 1 && tree.mask_leaves != 0) {
      // Leaf masks straight to the leaves' values, left to right.
      MaskLeavesAvx512(mask_splits_.data() + tree.split_begin, tree.mask_numeric, tree.mask_short_sets,
                       static_cast<uint32_t>(tree.num_nodes - tree.mask_leaves), tree.mask_leaves, keys, code_offset,
                       category_words_.data(), leaf);
      AddNumberedLeavesAvx512(leaf_order_values_.data() + tree.leaf_order_begin, tree.mask_leaves, leaf, n,
                              tree.float_sum, tree.weight, scores + tree.output * kBlockRows);
      continue;
    }
    if (kernel == TreeKernel::kAvx512 && tree.leaf_width == 1) {
      WalkTree(tree, rows, stride, n, keys, kernel, leaf);
      AddLeavesAvx512(eval_nodes_.data() + tree.node_begin, leaf_values_.data(), leaf, n, tree.float_sum, tree.weight,
                      scores + tree.output * kBlockRows);
      continue;
    }
    if (kernel == TreeKernel::kAvx2 && tree.leaf_width == 1 && tree.mask_leaves != 0) {
      // Summed in double (the float-summed trees took the branch above).
      MaskWordsAvx2(tree, word_splits_.data() + tree.word_split_begin, keys, code_offset, category_words_.data(), leaf);
      AddWeightedLeavesAvx2(leaf_order_values_.data() + tree.leaf_order_begin, leaf, n, tree.weight,
                            scores + tree.output * kBlockRows);
      continue;
    }
    WalkTree(tree, rows, stride, n, keys, kernel, leaf);
    AddLeaves(tree, eval_nodes_.data() + tree.node_begin, leaf_values_.data(), leaf, n, scores);
  }
  to_double(0, static_cast<uint32_t>(num_raw));
  for (size_t r = 0; r < num_raw; ++r) {
    for (size_t i = 0; i < n; ++i) raw[i * num_raw + r] = scores[r * kBlockRows + i];
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

void CompiledForest::PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw, TreeKernel kernel) const {
  Scratch scratch;
  PredictRaw(x, begin, end, raw, kernel, scratch);
}

void CompiledForest::PredictSmall(const Matrix& x, Scratch& scratch, float* out) const {
  if (x.rows > kSmallRows) throw Internal("PredictSmall takes at most " + std::to_string(kSmallRows) + " rows");
  scratch.raw.resize(x.rows * num_raw_);
  PredictRaw(x, 0, x.rows, scratch.raw.data(), TreeKernel::kAuto, scratch);
  ApplyLinks(scratch.raw.data(), x.rows, out, scratch.work);
}

void CompiledForest::PredictRaw(const Matrix& x, size_t begin, size_t end, double* raw, TreeKernel kernel,
                                Scratch& scratch) const {
  if (x.cols != num_features_) {
    throw InvalidInput("compiled trees expect " + std::to_string(num_features_) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  const TreeKernel resolved = ResolveKernel(kernel, num_tree_features_);
  std::vector<float>& extended = scratch.extended;
  std::vector<float>& computed = scratch.computed;
  for (size_t b = begin; b < end; b += kBlockRows) {
    const size_t n = std::min(kBlockRows, end - b);
    const float* rows = x.row(b);
    size_t stride = x.cols;
    // The next block's rows towards the cache while this one walks the
    // trees (its key block reads them row by row, stride floats apart).
    if (b + kBlockRows < end) {
      const auto* next = reinterpret_cast<const char*>(x.row(b + kBlockRows));
      const size_t bytes = std::min(kBlockRows, end - b - kBlockRows) * x.cols * sizeof(float);
      for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(next + at, 0, 2);
    }
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
    PredictBlock(rows, stride, n, raw + (b - begin) * num_raw_, BlockKernel(kernel, resolved, n), scratch);
  }
}

void CompiledForest::Predict(const Matrix& x, float* out, int threads, TreeKernel kernel) const {
  if (x.cols != num_features_) {
    throw InvalidInput("compiled trees expect " + std::to_string(num_features_) + " feature columns, got " +
                       std::to_string(x.cols));
  }
  ResolveKernel(kernel, num_tree_features_);  // throws here, not on a worker thread
  const size_t blocks = (x.rows + kBlockRows - 1) / kBlockRows;
  const auto outputs = static_cast<size_t>(num_outputs_);
  ParallelFor(blocks, threads, [&](size_t b0, size_t b1, int) {
    Scratch scratch;
    scratch.raw.resize(kBlockRows * num_raw_);
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kBlockRows;
      const size_t end = std::min(x.rows, begin + kBlockRows);
      PredictRaw(x, begin, end, scratch.raw.data(), kernel, scratch);
      ApplyLinks(scratch.raw.data(), end - begin, out + begin * outputs, scratch.work);
    }
  });
}

}  // namespace tabpilot
