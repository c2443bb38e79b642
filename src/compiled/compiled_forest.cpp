#include "compiled/compiled_forest.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

[[noreturn]] void Bad(const std::string& what) { throw InvalidInput("compiled trees: " + what); }

// Category codes at or above this go left in XGBoost 1.7 (its OutOfRangeCat),
// so their bits are never read.
constexpr uint32_t kCategoryLimit = 1u << 24;

}  // namespace

ScoreLink MarginLink(Task task) {
  switch (task) {
    case Task::kBinary:
      return ScoreLink::kLogistic;
    case Task::kMulticlass:
      return ScoreLink::kSoftmax;
    case Task::kRegression:
      break;
  }
  return ScoreLink::kIdentity;
}

int LinkOutputs(ScoreLink link, int raw_dims) {
  return link == ScoreLink::kBinaryProbability || link == ScoreLink::kLogistic ? 2 : raw_dims;
}

float ThresholdBelow(float c) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  return c == -kInf ? std::numeric_limits<float>::quiet_NaN() : std::nextafter(c, -kInf);
}

int32_t FloatKey(float v) {
  const auto i = std::bit_cast<int32_t>(v == 0.0f ? 0.0f : v);
  return i >= 0 ? i : i ^ INT32_MAX;
}

EvalNode EvalNodeOf(const CompiledNode& node, const std::vector<CategoricalSplit>& splits) {
  EvalNode e;
  e.child = node.child & CompiledNode::kIndexMask;
  e.payload = node.payload;
  if ((node.child & CompiledNode::kLeaf) != 0) {
    e.threshold_key = INT32_MAX;
    return e;
  }
  if ((node.child & CompiledNode::kCategorical) != 0) {
    if (node.payload >= splits.size()) Bad("internal: a categorical node before its split");
    const CategoricalSplit& split = splits[node.payload];
    e.child |= EvalNode::kCategorical;
    if ((node.child & CompiledNode::kDefaultLeft) != 0) e.child |= EvalNode::kDefaultLeft;
    e.threshold_key = static_cast<int32_t>(split.words * 32);  // words <= 2^19 + 1
    e.column = node.feature;
    e.payload = split.word_begin;
    return e;
  }
  // A NaN threshold (nothing goes left but missing values): below every key.
  e.threshold_key = std::isnan(node.threshold) ? INT32_MIN : FloatKey(node.threshold);
  e.column = 2 * node.feature + ((node.child & CompiledNode::kDefaultLeft) != 0 ? 1 : 0);
  return e;
}

void CompiledForest::PushNode(const CompiledNode& node) {
  nodes_.push_back(node);
  eval_nodes_.push_back(EvalNodeOf(node, categorical_splits_));
}

void SourceTree::Resize(size_t n, uint32_t width) {
  left.assign(n, -1);
  right.assign(n, -1);
  feature.assign(n, 0);
  threshold.assign(n, 0.0f);
  default_left.assign(n, 0);
  right_categories.assign(n, {});
  categorical.assign(n, 0);
  leaf_values.assign(n * width, 0.0f);
  cover.clear();
  leaf_width = width;
}

CompiledForest::CompiledForest(size_t num_features, int num_outputs)
    : num_features_(num_features), num_tree_features_(num_features), num_outputs_(num_outputs) {
  if (num_features == 0 || num_features > CompiledNode::kIndexMask / 2) {
    Bad("a forest over " + std::to_string(num_features) + " features");
  }
  if (num_outputs < 1) Bad("a forest with no outputs");
}

uint32_t CompiledForest::AddPart(ScoreLink link, std::vector<double> base, double weight) {
  const auto dims = static_cast<int>(base.size());
  if (dims < 1 || LinkOutputs(link, dims) != num_outputs_ ||
      ((link == ScoreLink::kLogistic || link == ScoreLink::kBinaryProbability) && dims != 1)) {
    Bad("a part of " + std::to_string(dims) + " raw scores does not give " + std::to_string(num_outputs_) + " outputs");
  }
  ScorePart part;
  part.raw_begin = num_raw_;
  part.raw_dims = static_cast<uint32_t>(dims);
  part.link = link;
  part.weight = weight;
  part.base = std::move(base);
  num_raw_ += part.raw_dims;
  parts_.push_back(std::move(part));
  return parts_.back().raw_begin;
}

void CompiledForest::SetFloatSum(uint32_t raw) {
  for (ScorePart& p : parts_) {
    if (raw >= p.raw_begin && raw < p.raw_begin + p.raw_dims) p.float_sum = true;
  }
}

uint32_t CompiledForest::AddExtension(std::shared_ptr<const FeatureExtension> extension) {
  const auto first = static_cast<uint32_t>(num_tree_features_);
  num_tree_features_ += extension->count();
  if (num_tree_features_ > CompiledNode::kIndexMask / 2) Bad("too many features");
  extensions_.push_back(std::move(extension));
  return first;
}

namespace {

// The part holding raw scores [output, output + width); nullptr when none does.
const ScorePart* PartHolding(const std::vector<ScorePart>& parts, uint32_t output, uint32_t width) {
  for (const ScorePart& p : parts) {
    if (output >= p.raw_begin && width >= 1 && output + width <= p.raw_begin + p.raw_dims) return &p;
  }
  return nullptr;
}

}  // namespace

void CompiledForest::AddTree(const SourceTree& tree) {
  const size_t n = tree.num_nodes();
  const size_t width = tree.leaf_width;
  if (n == 0 || n > CompiledNode::kIndexMask || tree.right.size() != n || tree.feature.size() != n ||
      tree.threshold.size() != n || tree.default_left.size() != n || tree.categorical.size() != n ||
      tree.right_categories.size() != n || tree.leaf_values.size() != n * width ||
      (!tree.cover.empty() && tree.cover.size() != n)) {
    Bad("a tree's node arrays differ in length");
  }
  const ScorePart* part = PartHolding(parts_, tree.output, tree.leaf_width);
  if (part == nullptr) Bad("a tree's outputs lie outside every part");
  // Breadth-first numbering with siblings adjacent; every node reached once.
  std::vector<uint32_t> order{0};
  std::vector<uint32_t> new_index(n, UINT32_MAX);
  std::vector<uint32_t> level(n, 0);
  new_index[0] = 0;
  uint32_t depth = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const uint32_t u = order[k];
    depth = std::max(depth, level[u]);
    const int32_t l = tree.left[u], r = tree.right[u];
    if (l < 0 && r < 0) continue;
    for (const int32_t c : {l, r}) {
      if (c < 0 || static_cast<size_t>(c) >= n || new_index[static_cast<size_t>(c)] != UINT32_MAX) {
        Bad("node " + std::to_string(u) + " has a child that is out of range or reached twice");
      }
      new_index[static_cast<size_t>(c)] = static_cast<uint32_t>(order.size());
      level[static_cast<size_t>(c)] = level[u] + 1;
      order.push_back(static_cast<uint32_t>(c));
    }
  }
  CompiledTree t;
  t.kind = CompiledTree::Kind::kNodes;
  t.depth = depth;
  t.output = tree.output;
  t.leaf_width = tree.leaf_width;
  t.node_begin = nodes_.size();
  t.num_nodes = order.size();
  t.weight = tree.weight;
  t.float_sum = part->float_sum;
  for (size_t k = 0; k < order.size(); ++k) {
    const uint32_t u = order[k];
    CompiledNode node;
    if (tree.left[u] < 0) {
      node.feature = 0;
      node.threshold = std::numeric_limits<float>::infinity();
      node.child = static_cast<uint32_t>(k) | CompiledNode::kLeaf | CompiledNode::kDefaultLeft;
      node.payload = static_cast<uint32_t>(leaf_values_.size());
      if (leaf_values_.size() + width > UINT32_MAX) Bad("too many leaf values");
      leaf_values_.insert(leaf_values_.end(), tree.leaf_values.begin() + u * width,
                          tree.leaf_values.begin() + (u + 1) * width);
    } else {
      if (tree.feature[u] >= num_tree_features_) Bad("node " + std::to_string(u) + " tests a feature out of range");
      node.feature = tree.feature[u];
      node.threshold = tree.threshold[u];
      node.child = new_index[static_cast<size_t>(tree.left[u])];
      if (new_index[static_cast<size_t>(tree.right[u])] != node.child + 1) Bad("internal: siblings apart");
      if (tree.default_left[u] != 0) node.child |= CompiledNode::kDefaultLeft;
      if (tree.categorical[u] != 0) {
        t.has_categorical = true;
        node.child |= CompiledNode::kCategorical;
        node.threshold = 0;
        uint32_t max = 0;
        for (uint32_t c : tree.right_categories[u]) {
          if (c < kCategoryLimit) max = std::max(max, c);
        }
        CategoricalSplit split;
        split.word_begin = static_cast<uint32_t>(category_words_.size());
        split.words = max / 32 + 1;
        category_words_.resize(category_words_.size() + split.words, 0u);
        for (uint32_t c : tree.right_categories[u]) {
          if (c < kCategoryLimit) category_words_[split.word_begin + c / 32] |= 1u << (c % 32);
        }
        node.payload = static_cast<uint32_t>(categorical_splits_.size());
        categorical_splits_.push_back(split);
      }
    }
    PushNode(node);
    covers_.push_back(tree.cover.empty() ? std::numeric_limits<float>::quiet_NaN() : tree.cover[u]);
  }
  IndexTree(&t);
  trees_.push_back(t);
}

namespace {

// A set of at most kMaxMaskLeaves leaves, bit k of word k / 64 for leaf k.
struct LeafSet {
  uint64_t word[2] = {0, 0};
};

// Numbers the leaves under `node` left to right from *next_leaf, appending
// them to `order` and their splits to `splits`; returns the set of its leaves.
LeafSet IndexSubtree(const CompiledNode* nodes, const EvalNode* eval, uint32_t node, uint32_t* next_leaf,
                     std::vector<uint32_t>* order, std::vector<MaskSplit>* splits) {
  LeafSet set;
  if ((nodes[node].child & CompiledNode::kLeaf) != 0) {
    order->push_back(node);
    const uint32_t k = (*next_leaf)++;
    set.word[k / 64] = uint64_t{1} << (k % 64);
    return set;
  }
  const size_t at = splits->size();
  splits->emplace_back();
  const uint32_t left = nodes[node].child & CompiledNode::kIndexMask;
  const LeafSet left_leaves = IndexSubtree(nodes, eval, left, next_leaf, order, splits);
  const LeafSet right_leaves = IndexSubtree(nodes, eval, left + 1, next_leaf, order, splits);
  MaskSplit& split = (*splits)[at];
  for (int w = 0; w < 2; ++w) {
    split.keep[w] = ~left_leaves.word[w];
    set.word[w] = left_leaves.word[w] | right_leaves.word[w];
  }
  split.threshold_key = eval[node].threshold_key;
  split.column = eval[node].column;
  split.flags = eval[node].child & ~EvalNode::kIndexMask;
  split.word_begin = eval[node].payload;
  return set;
}

MaskSplitKind SplitKind(const MaskSplit& split) {
  if ((split.flags & EvalNode::kCategorical) == 0) return kNumericSplit;
  return split.threshold_key <= static_cast<int32_t>(32 * kShortSetWords) ? kShortSetSplit : kLongSetSplit;
}

}  // namespace

void CompiledForest::IndexTree(CompiledTree* tree) {
  tree->mask_leaves = 0;
  if (tree->kind != CompiledTree::Kind::kNodes) return;
  const CompiledNode* nodes = nodes_.data() + tree->node_begin;
  uint32_t leaves = 0;
  for (size_t i = 0; i < tree->num_nodes; ++i) leaves += (nodes[i].child & CompiledNode::kLeaf) != 0 ? 1 : 0;
  if (leaves > kMaxMaskLeaves) return;  // then also depth < 128: the recursion is shallow
  tree->split_begin = mask_splits_.size();
  tree->leaf_order_begin = leaf_order_.size();
  uint32_t next_leaf = 0;
  IndexSubtree(nodes, eval_nodes_.data() + tree->node_begin, 0, &next_leaf, &leaf_order_, &mask_splits_);
  const auto first = mask_splits_.begin() + static_cast<std::ptrdiff_t>(tree->split_begin);
  std::stable_sort(first, mask_splits_.end(),
                   [&](const MaskSplit& a, const MaskSplit& b) { return SplitKind(a) < SplitKind(b); });
  tree->mask_numeric = static_cast<uint32_t>(
      std::count_if(first, mask_splits_.end(), [&](const MaskSplit& m) { return SplitKind(m) == kNumericSplit; }));
  tree->mask_short_sets = static_cast<uint32_t>(
      std::count_if(first, mask_splits_.end(), [&](const MaskSplit& m) { return SplitKind(m) == kShortSetSplit; }));
  IndexWords(tree);
  for (size_t k = tree->leaf_order_begin; k < leaf_order_.size(); ++k) {
    leaf_order_values_.push_back(leaf_values_.at(nodes[leaf_order_[k]].payload));
  }
  tree->mask_leaves = leaves;
}

void CompiledForest::IndexWords(CompiledTree* tree) {
  tree->word_split_begin = word_splits_.size();
  tree->word_end = {};
  tree->word_numeric = {};
  tree->word_tiny_sets = {};
  tree->word_short_sets = {};
  const size_t count = mask_splits_.size() - tree->split_begin;
  const size_t leaves = tree->num_nodes - count;
  constexpr uint32_t kTop = 1u << 31;
  const auto kind = [&](const MaskSplit& split) {
    const MaskSplitKind k = SplitKind(split);
    const bool one_word = split.threshold_key == 32 && (category_words_[split.word_begin] & kTop) == 0;
    return k == kShortSetSplit && one_word ? kTinySetSplit : k;
  };
  for (size_t w = 0; w * 32 < leaves; ++w) {
    for (const MaskSplitKind want : {kNumericSplit, kTinySetSplit, kShortSetSplit, kLongSetSplit}) {
      for (size_t i = tree->split_begin; i < mask_splits_.size(); ++i) {
        const MaskSplit& split = mask_splits_[i];
        const auto clear = static_cast<uint32_t>(~split.keep[w / 2] >> (32 * (w % 2)));
        if (clear == 0 || kind(split) != want) continue;
        if (split.word_begin >= kTop) Bad("too many categorical set words");
        const bool default_left = (split.flags & EvalNode::kDefaultLeft) != 0;
        WordSplit word;
        word.threshold_key = split.threshold_key;
        word.column = split.column;
        word.clear = clear;
        word.set = want == kTinySetSplit ? category_words_[split.word_begin] | (default_left ? 0u : kTop)
                                         : split.word_begin << 1 | (default_left ? 1u : 0u);
        word_splits_.push_back(word);
        if (want == kNumericSplit) ++tree->word_numeric[w];
        if (want == kTinySetSplit) ++tree->word_tiny_sets[w];
        if (want == kShortSetSplit) ++tree->word_short_sets[w];
      }
    }
    tree->word_end[w] = static_cast<uint16_t>(word_splits_.size() - tree->word_split_begin);
  }
}

void CompiledForest::AddObliviousTree(const std::vector<uint32_t>& features, const std::vector<float>& thresholds,
                                      const std::vector<float>& leaves, uint32_t output, uint32_t leaf_width,
                                      double weight) {
  const size_t depth = features.size();
  if (thresholds.size() != depth || depth > 24 || leaves.size() != (size_t{1} << depth) * leaf_width) {
    Bad("an oblivious tree's arrays do not match its depth");
  }
  const ScorePart* part = PartHolding(parts_, output, leaf_width);
  if (part == nullptr) Bad("a tree's outputs lie outside every part");
  CompiledTree t;
  t.kind = CompiledTree::Kind::kOblivious;
  t.depth = static_cast<uint32_t>(depth);
  t.output = output;
  t.leaf_width = leaf_width;
  t.node_begin = nodes_.size();
  t.num_nodes = depth;
  t.leaf_begin = leaf_values_.size();
  t.weight = weight;
  t.float_sum = part->float_sum;
  for (size_t d = 0; d < depth; ++d) {
    if (features[d] >= num_tree_features_) Bad("an oblivious level tests a feature out of range");
    CompiledNode node;
    node.feature = features[d];
    node.threshold = thresholds[d];
    PushNode(node);
    covers_.push_back(std::numeric_limits<float>::quiet_NaN());
  }
  leaf_values_.insert(leaf_values_.end(), leaves.begin(), leaves.end());
  trees_.push_back(t);
}

}  // namespace tabpilot
