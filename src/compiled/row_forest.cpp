#include "compiled/row_forest.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <optional>

#include "core/error.h"

namespace tabpilot {
namespace {

// Adds w x values[0..width) to a row's scores acc[0..width); in float (w
// is then 1) when float_sum, as XGBoost sums (the block walk's rule).
inline void AddRowLeaf(double* acc, const float* values, uint32_t width, double w, bool float_sum) {
  if (float_sum) {
    for (uint32_t k = 0; k < width; ++k) acc[k] = static_cast<double>(static_cast<float>(acc[k]) + values[k]);
    return;
  }
  for (uint32_t k = 0; k < width; ++k) acc[k] += w * static_cast<double>(values[k]);
}

// Trees stepped together: enough independent loads to hide their latency,
// few enough for their indices and node pointers to stay in registers. On
// the Adult 60 s bundle (2026-12-03, noisy machine) 8 gave the lowest
// per-member one-row times; 6 and 12 were within noise, 4, 16, 24 and 32
// slower.
constexpr size_t kGroup = 8;

// Codes of categories a small set can hold (bits 0..61 of its mask); bit
// 62 is NaN's code when a node sends it right (every small set holds it),
// bit 63 the code of NaN sent left and of everything no set holds.
constexpr uint32_t kSmallCodes = 62;
constexpr uint32_t kNanRightCode = 62;
constexpr uint32_t kNoCode = 63;

// EvalNode's key as an unsigned number of the same order (sign bit
// flipped): "key > threshold" is then one unsigned comparison, which the
// compiler adds to the child's distance with its carry (no setcc, no
// zero-extension).
constexpr uint32_t UnsignedKey(int32_t key) { return std::bit_cast<uint32_t>(key) ^ 0x80000000u; }

// The row's keys (EvalNode's: feature f at 2f with NaN largest, 2f + 1 with
// NaN smallest); its category codes (the integer part of a valid code,
// 0 <= v < 2^24, else UINT32_MAX, whose word lies past every set, so a
// categorical split sends it left); and, two per feature like the keys,
// each value's bit in a small set (2f: NaN sent right, 2f + 1: NaN sent
// left): its code when below kSmallCodes, else kNoCode; NaN kNanRightCode
// or kNoCode.
void FillRow(const float* row, size_t features, uint32_t* keys, uint32_t* codes, uint32_t* set_codes) {
  for (size_t f = 0; f < features; ++f) {
    const float v = row[f];
    const bool missing = std::isnan(v);
    const int32_t key = FloatKey(missing ? 0.0f : v);
    keys[2 * f] = missing ? UINT32_MAX : UnsignedKey(key);
    keys[2 * f + 1] = missing ? 0u : UnsignedKey(key);
    const bool valid = v >= 0.0f && v < 16777216.0f;  // false for NaN and infinities
    codes[f] = valid ? static_cast<uint32_t>(v) : UINT32_MAX;
    const uint32_t bit = valid && codes[f] < kSmallCodes ? codes[f] : kNoCode;
    set_codes[2 * f] = missing ? kNanRightCode : bit;
    set_codes[2 * f + 1] = missing ? kNoCode : bit;
  }
}

// The set of a categorical split as a 64-bit mask (bit 62 set: NaN's code
// when the node sends it right), or nothing when a code in it is
// kSmallCodes or more.
std::optional<uint64_t> SmallSet(const CompiledForest& forest, uint32_t split_index) {
  const CategoricalSplit& split = forest.categorical_splits().at(split_index);
  uint64_t mask = uint64_t{1} << kNanRightCode;
  for (uint32_t w = 0; w < split.words; ++w) {
    const uint64_t word = forest.category_words().at(split.word_begin + w);
    if (w >= 2 ? word != 0 : w == 1 && (word >> (kSmallCodes - 32)) != 0) return std::nullopt;
    if (w < 2) mask |= word << (32 * w);
  }
  return mask;
}

// One step in a tree with categorical splits (CompiledForest's rule, see
// compiled_forest.h) with no branch on the data: the numeric and the
// categorical decision are both computed and combined with masks.
inline uint32_t MixedRowStep(RowNode node, const float* row, const uint32_t* codes, const CategoricalSplit* splits,
                             const uint32_t* words) {
  const uint32_t feature = node.column & RowNode::kFeatureMask;
  const float v = row[feature];
  const uint32_t is_categorical = (node.column & RowNode::kCategorical) != 0 ? 1u : 0u;
  const uint32_t default_right = (node.column & RowNode::kDefaultLeft) != 0 ? 0u : 1u;
  const uint32_t numeric = static_cast<uint32_t>(!(v <= std::bit_cast<float>(node.test)));
  const CategoricalSplit split = splits[node.test & (0u - is_categorical)];
  const uint32_t code = codes[feature];
  const uint32_t w = code >> 5;
  const uint32_t in_range = static_cast<uint32_t>(w < split.words);
  const uint32_t word = words[(split.word_begin + w) & (0u - in_range)];
  const uint32_t categorical = in_range & (word >> (code & 31u));
  const uint32_t decided = (categorical & (0u - is_categorical)) | (numeric & (is_categorical - 1u));
  const uint32_t nan = static_cast<uint32_t>(std::isnan(v));
  const uint32_t right = (default_right & (0u - nan)) | (decided & (nan - 1u));
  return node.child + right;
}

// Steps the g trees from their nodes idx[i] (indices in `nodes`), level by
// level, until `depth` levels or no tree moved (leaves loop onto
// themselves, so the shallower trees of the group stay put). `step` gives
// the distance from a node to the next (0 at a leaf); one instantiation per
// kind of step.
template <typename Node, typename Step>
inline void WalkGroup(const Node* nodes, size_t g, uint32_t depth, uint32_t* idx, Step step) {
  for (uint32_t d = 0; d < depth; ++d) {
    uint32_t moved = 0;
    for (size_t i = 0; i < g; ++i) {
      const uint32_t delta = step(nodes[idx[i]]);
      moved |= delta;
      idx[i] += delta;
    }
    if (moved == 0) break;
  }
}

// WalkGroup for a full group: the kGroup indices stay in registers (the
// loop over the group unrolled).
template <typename Node, typename Step>
inline void WalkFullGroup(const Node* nodes, uint32_t depth, uint32_t* idx_io, Step step) {
  uint32_t idx[kGroup];
  for (size_t i = 0; i < kGroup; ++i) idx[i] = idx_io[i];
  for (uint32_t d = 0; d < depth; ++d) {
    uint32_t moved = 0;
#pragma GCC unroll 8
    for (size_t i = 0; i < kGroup; ++i) {
      const uint32_t delta = step(nodes[idx[i]]);
      moved |= delta;
      idx[i] += delta;
    }
    if (moved == 0) break;
  }
  for (size_t i = 0; i < kGroup; ++i) idx_io[i] = idx[i];
}

}  // namespace

std::shared_ptr<const RowForest> RowForest::Make(std::shared_ptr<const CompiledForest> owner) {
  const CompiledForest& forest = *owner;
  if (2 * forest.num_tree_features() + 1 > UINT16_MAX || forest.num_tree_features() > RowNode::kFeatureMask) {
    return nullptr;
  }
  std::shared_ptr<RowForest> row(new RowForest(std::move(owner)));  // NOLINT: private constructor
  const std::vector<CompiledNode>& nodes = forest.nodes();
  row->nodes_.resize(nodes.size());
  row->payload_.resize(nodes.size());
  row->leaf_value_.resize(nodes.size());
  for (const CompiledTree& tree : forest.trees()) {
    if (tree.kind == CompiledTree::Kind::kOblivious) {
      row->walks_.push_back(Walk::kOblivious);  // walked from the forest's level nodes
      continue;
    }
    if (tree.num_nodes > size_t{UINT16_MAX} + 1) return nullptr;
    // Small sets when every categorical split's set is.
    std::vector<std::optional<uint64_t>> sets(tree.num_nodes);
    bool all_small = true;
    for (size_t i = 0; i < tree.num_nodes; ++i) {
      const CompiledNode& node = nodes[tree.node_begin + i];
      if ((node.child & CompiledNode::kCategorical) == 0) continue;
      sets[i] = SmallSet(forest, node.payload);
      all_small = all_small && sets[i].has_value();
    }
    const Walk walk = !tree.has_categorical ? Walk::kNumeric : all_small ? Walk::kSmallSets : Walk::kMixed;
    row->walks_.push_back(walk);
    for (size_t i = 0; i < tree.num_nodes; ++i) {
      const CompiledNode& node = nodes[tree.node_begin + i];
      RowNode& r = row->nodes_[tree.node_begin + i];
      row->payload_[tree.node_begin + i] = node.payload;
      if (tree.leaf_width == 1 && (node.child & CompiledNode::kLeaf) != 0) {
        row->leaf_value_[tree.node_begin + i] = forest.leaf_values().at(node.payload);
      }
      const bool categorical = (node.child & CompiledNode::kCategorical) != 0;
      // Children come after their parent (leaves: the node itself); the
      // walk adds the distance.
      const uint32_t left = node.child & CompiledNode::kIndexMask;
      if (left < i || left - i >= UINT16_MAX) return nullptr;
      r.child = static_cast<uint16_t>(left - i);
      if (walk == Walk::kSmallSets) {
        if (row->set_nodes_.empty()) row->set_nodes_.resize(nodes.size());
        SetRowNode& n = row->set_nodes_[tree.node_begin + i];
        n.child = r.child;
        if (categorical) {
          const uint32_t default_left = (node.child & CompiledNode::kDefaultLeft) != 0 ? 1u : 0u;
          n.set = *sets[i];
          n.threshold = UINT32_MAX;
          n.column = static_cast<uint16_t>(2 * node.feature + default_left);
        } else {
          const EvalNode e = EvalNodeOf(node, forest.categorical_splits());
          n.threshold = UnsignedKey(e.threshold_key);
          n.column = static_cast<uint16_t>(e.column);
        }
        continue;
      }
      if (walk == Walk::kNumeric) {
        const EvalNode e = EvalNodeOf(node, forest.categorical_splits());
        r.test = UnsignedKey(e.threshold_key);
        r.column = static_cast<uint16_t>(e.column);
        continue;
      }
      r.test = categorical ? node.payload : std::bit_cast<uint32_t>(node.threshold);
      r.column = static_cast<uint16_t>(node.feature | (categorical ? RowNode::kCategorical : 0u) |
                                       ((node.child & CompiledNode::kDefaultLeft) != 0 ? RowNode::kDefaultLeft : 0u));
    }
  }
  for (size_t t = 0; t < row->walks_.size(); ++t) {
    row->by_walk_[static_cast<size_t>(row->walks_[t])].push_back(static_cast<uint32_t>(t));
  }
  // The leaf sums: runs of node trees of one float value a leaf summed
  // into the same score, every other tree alone.
  const std::vector<CompiledTree>& trees = forest.trees();
  for (uint32_t t = 0; t < trees.size();) {
    const auto fast = [&](uint32_t u) {
      return trees[u].float_sum && trees[u].leaf_width == 1 && row->walks_[u] != Walk::kOblivious;
    };
    LeafRun run{t, t + 1, trees[t].output, fast(t)};
    if (run.float_values) {
      while (run.end < trees.size() && fast(run.end) && trees[run.end].output == run.output) ++run.end;
    }
    row->runs_.push_back(run);
    t = run.end;
  }
  // Trees of like depth walked together: a group steps until its deepest
  // path ends, so a shallow tree beside deep ones would wait for them.
  for (std::vector<uint32_t>& list : row->by_walk_) {
    std::stable_sort(list.begin(), list.end(),
                     [&](uint32_t a, uint32_t b) { return forest.trees()[a].depth < forest.trees()[b].depth; });
  }
  return row;
}

void RowForest::Predict(const Matrix& x, Scratch& scratch, float* out) const {
  if (x.rows != 1 || x.cols != forest_.num_features()) {
    throw Internal("a row forest predicts one row of " + std::to_string(forest_.num_features()) + " features");
  }
  const float* row = x.row(0);
  if (!forest_.extensions().empty()) {
    // The row with every extension's features appended.
    scratch.row.resize(forest_.num_tree_features());
    std::copy_n(row, x.cols, scratch.row.data());
    size_t at = x.cols;
    for (const auto& ext : forest_.extensions()) {
      if (ext->count() > 0) ext->Compute(x, 0, 1, scratch.row.data() + at);
      at += ext->count();
    }
    row = scratch.row.data();
  }
  scratch.raw.resize(forest_.num_raw());
  Raw(row, scratch, scratch.raw.data());
  forest_.ApplyLinks(scratch.raw.data(), 1, out, scratch.work);
}

void RowForest::Raw(const float* row, Scratch& scratch, double* raw) const {
  const size_t features = forest_.num_tree_features();
  scratch.keys.resize(2 * features);
  scratch.codes.resize(features);
  scratch.set_codes.resize(2 * features);
  const uint32_t* keys = scratch.keys.data();
  const uint32_t* codes = scratch.codes.data();
  const uint32_t* set_codes = scratch.set_codes.data();
  FillRow(row, features, scratch.keys.data(), scratch.codes.data(), scratch.set_codes.data());
  for (const ScorePart& part : forest_.parts()) std::copy(part.base.begin(), part.base.end(), raw + part.raw_begin);
  static constexpr CategoricalSplit kNoSplit{};
  static constexpr uint32_t kNoWord = 0;
  const CategoricalSplit* splits =
      forest_.categorical_splits().empty() ? &kNoSplit : forest_.categorical_splits().data();
  const uint32_t* words = forest_.category_words().empty() ? &kNoWord : forest_.category_words().data();
  const std::vector<CompiledTree>& trees = forest_.trees();
  const float* leaf_values = forest_.leaf_values().data();
  // Each kind of tree walked in groups of kGroup (the order trees are
  // walked in does not matter), each tree's leaf kept...
  scratch.leaves.resize(trees.size());
  uint32_t* leaf = scratch.leaves.data();
  uint32_t idx[kGroup];
  for (size_t kind = 0; kind < by_walk_.size(); ++kind) {
    const auto walk = static_cast<Walk>(kind);
    const std::vector<uint32_t>& list = by_walk_[kind];
    for (size_t begin = 0; begin < list.size(); begin += kGroup) {
      const size_t g = std::min(kGroup, list.size() - begin);
      const uint32_t* group = list.data() + begin;
      std::fill(idx, idx + g, 0u);
      if (walk == Walk::kOblivious) {
        for (size_t i = 0; i < g; ++i) {
          const CompiledTree& tree = trees[group[i]];
          const CompiledNode* levels = forest_.nodes().data() + tree.node_begin;
          for (uint32_t d = 0; d < tree.depth; ++d) {
            idx[i] |= static_cast<uint32_t>(row[levels[d].feature] > levels[d].threshold) << d;
          }
          leaf[group[i]] = idx[i];
        }
        continue;
      }
      uint32_t depth = 0;
      for (size_t i = 0; i < g; ++i) {
        idx[i] = static_cast<uint32_t>(trees[group[i]].node_begin);
        depth = std::max(depth, trees[group[i]].depth);
      }
      auto walk_group = [&](auto step) {
        if (g == kGroup) {
          WalkFullGroup(nodes_.data(), depth, idx, step);
        } else {
          WalkGroup(nodes_.data(), g, depth, idx, step);
        }
      };
      if (walk == Walk::kNumeric) {
        walk_group(
            [&](const RowNode& node) { return node.child + static_cast<uint32_t>(keys[node.column] > node.test); });
      } else if (walk == Walk::kSmallSets) {
        // Both decisions, no branch on the data: a numeric node holds the
        // empty set, a set node a threshold no key exceeds, so at most one
        // is 1 and they add (the comparison through the carry).
        const auto step = [&](const SetRowNode& node) {
          const auto in_set = static_cast<uint32_t>((node.set >> set_codes[node.column]) & 1u);
          return node.child + in_set + static_cast<uint32_t>(keys[node.column] > node.threshold);
        };
        if (g == kGroup) {
          WalkFullGroup(set_nodes_.data(), depth, idx, step);
        } else {
          WalkGroup(set_nodes_.data(), g, depth, idx, step);
        }
      } else {
        walk_group([&](const RowNode& node) { return MixedRowStep(node, row, codes, splits, words); });
      }
      // The leaf's index in nodes_ (the leaf sums read their values by it).
      for (size_t i = 0; i < g; ++i) leaf[group[i]] = idx[i];
    }
  }
  // ...and the leaves added in the forest's order, as the block walk adds them.
  for (const LeafRun& run : runs_) {
    double* acc = raw + run.output;
    if (run.float_values) {
      // A run of float sums into one score kept in a float register:
      // double(float(double(s) + v)) is float(s + v), so the roundings are
      // those of adding tree by tree.
      auto sum = static_cast<float>(*acc);
      for (uint32_t t = run.begin; t < run.end; ++t) sum += leaf_value_[leaf[t]];
      *acc = static_cast<double>(sum);
      continue;
    }
    const CompiledTree& tree = trees[run.begin];
    const float* values = walks_[run.begin] == Walk::kOblivious
                              ? leaf_values + tree.leaf_begin + static_cast<size_t>(leaf[run.begin]) * tree.leaf_width
                              : leaf_values + payload_[leaf[run.begin]];
    if (tree.leaf_width == 1 && !tree.float_sum) {
      *acc += tree.weight * static_cast<double>(*values);
    } else {
      AddRowLeaf(acc, values, tree.leaf_width, tree.weight, tree.float_sum);
    }
  }
}

}  // namespace tabpilot
