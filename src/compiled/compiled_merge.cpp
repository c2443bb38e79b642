#include "compiled/compiled_merge.h"

#include <string>

#include "core/error.h"

namespace tabpilot {

class CompiledForestMerger {
 public:
  static CompiledForest Merge(const std::vector<WeightedForest>& forests) {
    if (forests.empty() || forests[0].forest == nullptr) throw InvalidInput("compiled trees: nothing to merge");
    const CompiledForest& first = *forests[0].forest;
    CompiledForest out(first.num_features(), first.num_outputs());
    // The total weight of the P(class 1) parts: their shared part has it as
    // its weight and averages p with their relative weights, so its outputs
    // W [1 - P / W, P / W] = [W - P, P] are their weighted sum.
    double binary_total = 0;
    for (const WeightedForest& w : forests) {
      if (w.forest == nullptr || w.forest->num_features() != first.num_features() ||
          w.forest->num_outputs() != first.num_outputs()) {
        throw InvalidInput("compiled trees: merged forests must read the same columns and write the same outputs");
      }
      for (const ScorePart& p : w.forest->parts()) {
        if (p.link == ScoreLink::kBinaryProbability) binary_total += w.weight * p.weight;
      }
    }
    for (const WeightedForest& w : forests) Append(*w.forest, w.weight, binary_total, &out);
    return out;
  }

 private:
  static size_t PartOf(const CompiledForest& f, uint32_t raw) {
    size_t p = 0;
    while (raw >= f.parts_[p].raw_begin + f.parts_[p].raw_dims) ++p;
    return p;
  }

  static bool Shares(ScoreLink link, double binary_total) {
    return link == ScoreLink::kIdentity || (link == ScoreLink::kBinaryProbability && binary_total > 0);
  }

  static void Append(const CompiledForest& in, double weight, double binary_total, CompiledForest* out) {
    // Raw score offset and tree scale of each of in's parts in `out`.
    std::vector<uint32_t> raw_at(in.parts_.size());
    std::vector<double> scale(in.parts_.size(), 1.0);
    for (size_t p = 0; p < in.parts_.size(); ++p) {
      const ScorePart& part = in.parts_[p];
      const bool binary = part.link == ScoreLink::kBinaryProbability;
      const double part_weight = binary ? binary_total : 1.0;
      const double w = weight * part.weight / part_weight;
      ScorePart* shared = nullptr;
      if (Shares(part.link, binary_total)) {
        for (ScorePart& q : out->parts_) {
          if (q.link == part.link && q.raw_dims == part.raw_dims && !q.float_sum && q.weight == part_weight) {
            shared = &q;
          }
        }
      }
      if (shared != nullptr) {
        for (uint32_t k = 0; k < part.raw_dims; ++k) shared->base[k] += w * part.base[k];
        raw_at[p] = shared->raw_begin;
        scale[p] = w;
      } else if (Shares(part.link, binary_total)) {
        std::vector<double> base(part.base);
        for (double& b : base) b *= w;
        raw_at[p] = out->AddPart(part.link, std::move(base), part_weight);
        scale[p] = w;
      } else {
        raw_at[p] = out->AddPart(part.link, part.base, w);
        out->parts_.back().float_sum = part.float_sum;
      }
    }
    // Extension features move to after the ones already in `out`.
    const auto ext_from = static_cast<uint32_t>(in.num_features_);
    const auto ext_to = static_cast<uint32_t>(out->num_tree_features_);
    for (const auto& e : in.extensions_) out->AddExtension(e);
    const auto leaf_shift = static_cast<uint32_t>(out->leaf_values_.size());
    const auto split_shift = static_cast<uint32_t>(out->categorical_splits_.size());
    const auto word_shift = static_cast<uint32_t>(out->category_words_.size());
    const size_t node_shift = out->nodes_.size();
    const size_t first_tree = out->trees_.size();
    for (CompiledTree t : in.trees_) {
      size_t p = 0;
      while (!(t.output >= in.parts_[p].raw_begin && t.output < in.parts_[p].raw_begin + in.parts_[p].raw_dims)) ++p;
      t.output = t.output - in.parts_[p].raw_begin + raw_at[p];
      t.weight *= scale[p];
      t.float_sum = out->parts_[PartOf(*out, t.output)].float_sum;
      t.node_begin += node_shift;
      t.leaf_begin += leaf_shift;
      out->trees_.push_back(t);
    }
    // Splits first: a categorical node's EvalNode reads its split.
    for (CategoricalSplit s : in.categorical_splits_) {
      s.word_begin += word_shift;
      out->categorical_splits_.push_back(s);
    }
    out->category_words_.insert(out->category_words_.end(), in.category_words_.begin(), in.category_words_.end());
    for (size_t i = 0; i < in.nodes_.size(); ++i) {
      CompiledNode node = in.nodes_[i];
      if (node.feature >= ext_from) node.feature = node.feature - ext_from + ext_to;
      if ((node.child & CompiledNode::kLeaf) != 0) node.payload += leaf_shift;
      if ((node.child & CompiledNode::kCategorical) != 0) node.payload += split_shift;
      out->PushNode(node);
    }
    out->covers_.insert(out->covers_.end(), in.covers_.begin(), in.covers_.end());
    out->leaf_values_.insert(out->leaf_values_.end(), in.leaf_values_.begin(), in.leaf_values_.end());
    for (size_t t = first_tree; t < out->trees_.size(); ++t) out->IndexTree(&out->trees_[t]);
  }
};

CompiledForest MergeCompiledForests(const std::vector<WeightedForest>& forests) {
  return CompiledForestMerger::Merge(forests);
}

}  // namespace tabpilot
