#include "explain/shap_trees.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/parallel.h"
#include "explain/tree_rows.h"

namespace tabpilot {
namespace {

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
// Background rows taken together (their extension features computed at once).
constexpr size_t kBackgroundBlock = 64;

// k's lowest `bits` bits in reverse order.
uint32_t ReverseBits(uint32_t k, uint32_t bits) {
  uint32_t r = 0;
  for (uint32_t b = 0; b < bits; ++b) r |= ((k >> b) & 1u) << (bits - 1 - b);
  return r;
}

}  // namespace

ShapTrees::ShapTrees(const CompiledForest& forest, const Matrix* background, ShapCovers covers, int threads)
    : num_raw_(forest.num_raw()), num_features_(forest.num_features()), num_tree_features_(forest.num_tree_features()) {
  std::vector<double> node_covers;
  std::vector<uint8_t> count(forest.trees().size(), 0);
  for (size_t t = 0; t < forest.trees().size(); ++t) {
    const CompiledTree& tree = forest.trees()[t];
    if (tree.output + tree.leaf_width > num_raw_) throw InvalidInput("SHAP: a tree's outputs lie past the raw scores");
    if (tree.kind == CompiledTree::Kind::kOblivious) {
      AddObliviousTree(forest, tree, &node_covers);
    } else {
      AddNodeTree(forest, tree, &node_covers);
    }
    const ShapTree& added = trees_.back();
    const auto first = node_covers.begin() + static_cast<std::ptrdiff_t>(added.node_begin);
    const bool unknown = std::any_of(first, first + static_cast<std::ptrdiff_t>(added.num_nodes),
                                     [](double c) { return std::isnan(c); });
    count[t] = covers == ShapCovers::kBackground || unknown ? 1 : 0;
  }
  const auto needing = std::find(count.begin(), count.end(), uint8_t{1});
  if (needing != count.end()) {
    if (background == nullptr) {
      throw InvalidInput("SHAP: tree " + std::to_string(needing - count.begin()) +
                         " keeps no node covers (our forests and the oblivious booster keep none): "
                         "give background rows to count them");
    }
    if (background->cols != num_features_ || background->rows == 0) {
      throw InvalidInput("SHAP: background rows must be at least one row of " + std::to_string(num_features_) +
                         " columns, got " + std::to_string(background->rows) + " x " +
                         std::to_string(background->cols));
    }
    CountBackground(forest, *background, count, threads, &node_covers);
  }
  SetFractions(node_covers);
  ComputeBias(forest);
}

void ShapTrees::AddNodeTree(const CompiledForest& forest, const CompiledTree& tree, std::vector<double>* covers) {
  ShapTree out;
  out.node_begin = nodes_.size();
  out.num_nodes = tree.num_nodes;
  out.depth = tree.depth;
  out.output = tree.output;
  out.leaf_width = tree.leaf_width;
  for (size_t i = 0; i < tree.num_nodes; ++i) {
    const CompiledNode& from = forest.nodes()[tree.node_begin + i];
    ShapNode node;
    node.feature = from.feature;
    node.threshold = from.threshold;
    node.child = from.child & CompiledNode::kIndexMask;
    if ((from.child & CompiledNode::kDefaultLeft) != 0) node.child |= ShapNode::kDefaultLeft;
    if ((from.child & CompiledNode::kLeaf) != 0) {
      node.child |= ShapNode::kLeaf;
      node.payload = static_cast<uint32_t>(values_.size());
      for (uint32_t k = 0; k < tree.leaf_width; ++k) {
        values_.push_back(tree.weight * static_cast<double>(forest.leaf_values()[from.payload + k]));
      }
    } else if ((from.child & CompiledNode::kCategorical) != 0) {
      const CategoricalSplit& split = forest.categorical_splits()[from.payload];
      node.child |= ShapNode::kCategorical;
      node.payload = static_cast<uint32_t>(category_words_.size());
      node.words = split.words;
      const auto words = forest.category_words().begin() + split.word_begin;
      category_words_.insert(category_words_.end(), words, words + split.words);
    }
    nodes_.push_back(node);
    covers->push_back(static_cast<double>(forest.covers()[tree.node_begin + i]));
  }
  max_depth_ = std::max(max_depth_, out.depth);
  trees_.push_back(out);
}

void ShapTrees::AddObliviousTree(const CompiledForest& forest, const CompiledTree& tree, std::vector<double>* covers) {
  const uint32_t depth = tree.depth;
  if (depth > kMaxObliviousDepth) {
    throw InvalidInput("SHAP: an oblivious tree of depth " + std::to_string(depth) + " (at most " +
                       std::to_string(kMaxObliviousDepth) + ")");
  }
  // Level l's node k at (2^l - 1) + k; its children at level l + 1, 2k
  // (x <= border or NaN: bit l of the leaf index 0) and 2k + 1. A leaf k at
  // level `depth` took bit l of the compiled leaf index at level l, so the
  // compiled index is k with its bits reversed.
  ShapTree out;
  out.node_begin = nodes_.size();
  out.num_nodes = (size_t{2} << depth) - 1;
  out.depth = depth;
  out.output = tree.output;
  out.leaf_width = tree.leaf_width;
  for (uint32_t level = 0; level < depth; ++level) {
    const CompiledNode& test = forest.nodes()[tree.node_begin + level];
    for (uint32_t k = 0; k < (1u << level); ++k) {
      ShapNode node;
      node.feature = test.feature;
      node.threshold = test.threshold;
      node.child = ((2u << level) - 1 + 2 * k) | ShapNode::kDefaultLeft;
      nodes_.push_back(node);
    }
  }
  for (uint32_t k = 0; k < (1u << depth); ++k) {
    ShapNode leaf;
    leaf.child = static_cast<uint32_t>(nodes_.size() - out.node_begin) | ShapNode::kLeaf | ShapNode::kDefaultLeft;
    leaf.payload = static_cast<uint32_t>(values_.size());
    const size_t at = tree.leaf_begin + static_cast<size_t>(ReverseBits(k, depth)) * tree.leaf_width;
    for (uint32_t j = 0; j < tree.leaf_width; ++j) {
      values_.push_back(tree.weight * static_cast<double>(forest.leaf_values()[at + j]));
    }
    nodes_.push_back(leaf);
  }
  covers->resize(nodes_.size(), kUnknown);
  max_depth_ = std::max(max_depth_, depth);
  trees_.push_back(out);
}

void ShapTrees::CountBackground(const CompiledForest& forest, const Matrix& background,
                                const std::vector<uint8_t>& count, int threads, std::vector<double>* covers) const {
  const size_t blocks = (background.rows + kBackgroundBlock - 1) / kBackgroundBlock;
  const auto workers = static_cast<size_t>(std::max(1, std::min(threads, static_cast<int>(blocks))));
  std::vector<std::vector<double>> counts(workers, std::vector<double>(nodes_.size(), 0.0));
  const uint32_t* words = category_words_.data();
  ParallelFor(blocks, static_cast<int>(workers), [&](size_t b0, size_t b1, int worker) {
    TreeRowsScratch scratch;
    double* mine = counts[static_cast<size_t>(worker)].data();
    for (size_t b = b0; b < b1; ++b) {
      const size_t begin = b * kBackgroundBlock;
      const size_t end = std::min(background.rows, begin + kBackgroundBlock);
      const float* rows = TreeRows(background, begin, end, forest.extensions(), num_tree_features_, scratch);
      for (size_t i = 0; i < end - begin; ++i) {
        const float* row = rows + i * num_tree_features_;
        for (size_t t = 0; t < trees_.size(); ++t) {
          if (count[t] == 0) continue;
          const ShapNode* nodes = nodes_.data() + trees_[t].node_begin;
          double* tree_counts = mine + trees_[t].node_begin;
          uint32_t j = 0;
          for (;;) {
            tree_counts[j] += 1.0;
            if (nodes[j].leaf()) break;
            j = nodes[j].left() + (GoesRight(nodes[j], row[nodes[j].feature], words) ? 1u : 0u);
          }
        }
      }
    }
  });
  for (size_t t = 0; t < trees_.size(); ++t) {
    if (count[t] == 0) continue;
    for (size_t j = trees_[t].node_begin; j < trees_[t].node_begin + trees_[t].num_nodes; ++j) {
      double sum = 0;
      for (const auto& c : counts) sum += c[j];
      (*covers)[j] = sum;
    }
  }
}

void ShapTrees::SetFractions(const std::vector<double>& covers) {
  for (const ShapTree& tree : trees_) {
    ShapNode* nodes = nodes_.data() + tree.node_begin;
    const double* cover = covers.data() + tree.node_begin;
    nodes[0].fraction = 1.0;
    for (size_t j = 0; j < tree.num_nodes; ++j) {
      if (nodes[j].leaf()) continue;
      const uint32_t left = nodes[j].left();
      for (const uint32_t c : {left, left + 1}) {
        nodes[c].fraction = cover[j] > 0 ? std::max(0.0, cover[c]) / cover[j] : 0.5;
      }
    }
  }
}

void ShapTrees::ComputeBias(const CompiledForest& forest) {
  bias_.assign(num_raw_, 0.0);
  for (const ScorePart& part : forest.parts()) {
    for (uint32_t k = 0; k < part.raw_dims; ++k) bias_[part.raw_begin + k] = part.base[k];
  }
  // Each node's weight in the expectation: the product of the fractions
  // from the root (children come after their parent in both numberings).
  std::vector<double> reach;
  for (const ShapTree& tree : trees_) {
    const ShapNode* nodes = nodes_.data() + tree.node_begin;
    reach.assign(tree.num_nodes, 0.0);
    reach[0] = 1.0;
    for (size_t j = 0; j < tree.num_nodes; ++j) {
      if (!nodes[j].leaf()) {
        const uint32_t left = nodes[j].left();
        reach[left] = reach[j] * nodes[left].fraction;
        reach[left + 1] = reach[j] * nodes[left + 1].fraction;
        continue;
      }
      for (uint32_t k = 0; k < tree.leaf_width; ++k) {
        bias_[tree.output + k] += reach[j] * values_[nodes[j].payload + k];
      }
    }
  }
}

}  // namespace tabpilot
