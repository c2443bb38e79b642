#include "compiled/xgboost_converter.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "learners/ubjson_walk.h"
#include "learners/xgboost_learner.h"

namespace tabpilot {
namespace {

constexpr const char* kPrefix = "corrupt xgboost model";

[[noreturn]] void Corrupt(const std::string& what) { throw InvalidInput(std::string(kPrefix) + ": " + what); }

// Reads the trees out of a walked UBJSON document (already checked by
// CheckXgboostModel, so lookups failing here mean a bug or a forged file
// that slipped through; they still throw rather than crash).
class XgboostReader {
 public:
  explicit XgboostReader(const UbjDocument& doc) : doc_(doc) {}

  const UbjNode& At(const UbjNode& object, std::string_view key) const {
    const UbjNode* n = doc_.Find(object, key);
    if (n == nullptr) Corrupt(std::string(key) + " is missing");
    return *n;
  }

  const UbjNode& Typed(const UbjNode& tree, std::string_view key, char marker, size_t count) const {
    const UbjNode& n = At(tree, key);
    if (n.kind != UbjNode::Kind::kTypedArray || n.marker != marker || (count != SIZE_MAX && n.count != count)) {
      Corrupt(std::string(key) + " is not the typed array expected");
    }
    return n;
  }

  float BaseScore(const UbjNode& learner) const {
    const UbjNode& text = At(At(learner, "learner_model_param"), "base_score");
    if (text.kind != UbjNode::Kind::kString) Corrupt("base_score is not a string");
    float v = 0;
    const auto [end, ec] = std::from_chars(text.bytes.data(), text.bytes.data() + text.bytes.size(), v);
    if (ec != std::errc() || end != text.bytes.data() + text.bytes.size() || !std::isfinite(v)) {
      Corrupt("base_score \"" + std::string(text.bytes.substr(0, 40)) + "\" is not a number");
    }
    return v;
  }

  SourceTree Tree(const UbjNode& tree, uint32_t group) const {
    const UbjNode& left = Typed(tree, "left_children", 'l', SIZE_MAX);
    const size_t n = left.count;
    const UbjNode& right = Typed(tree, "right_children", 'l', n);
    const UbjNode& split_indices = Typed(tree, "split_indices", 'l', n);
    const UbjNode& conditions = Typed(tree, "split_conditions", 'd', n);
    const UbjNode& default_left = Typed(tree, "default_left", 'U', n);
    const UbjNode& split_type = Typed(tree, "split_type", 'U', n);
    const UbjNode& hessian = Typed(tree, "sum_hessian", 'd', n);
    SourceTree t;
    t.Resize(n, 1);
    t.output = group;
    t.cover.resize(n);
    for (size_t i = 0; i < n; ++i) {
      t.left[i] = static_cast<int32_t>(UbjDocument::IntAt(left, i));
      t.right[i] = static_cast<int32_t>(UbjDocument::IntAt(right, i));
      const auto c = static_cast<float>(UbjDocument::FloatAt(conditions, i));
      t.cover[i] = static_cast<float>(UbjDocument::FloatAt(hessian, i));
      if (t.left[i] < 0) {
        t.left[i] = t.right[i] = -1;
        t.leaf_values[i] = c;
        continue;
      }
      const int64_t feature = UbjDocument::IntAt(split_indices, i);
      if (feature < 0 || feature > INT32_MAX) Corrupt("split_indices out of range");
      t.feature[i] = static_cast<uint32_t>(feature);
      t.threshold[i] = ThresholdBelow(c);
      t.default_left[i] = UbjDocument::IntAt(default_left, i) != 0 ? 1 : 0;
      t.categorical[i] = UbjDocument::IntAt(split_type, i) == 1 ? 1 : 0;
    }
    ReadCategories(tree, &t);
    return t;
  }

 private:
  void ReadCategories(const UbjNode& tree, SourceTree* t) const {
    const UbjNode& cats = Typed(tree, "categories", 'l', SIZE_MAX);
    const UbjNode& nodes = Typed(tree, "categories_nodes", 'l', SIZE_MAX);
    const UbjNode& segments = Typed(tree, "categories_segments", 'L', nodes.count);
    const UbjNode& sizes = Typed(tree, "categories_sizes", 'L', nodes.count);
    for (size_t j = 0; j < nodes.count; ++j) {
      const int64_t node = UbjDocument::IntAt(nodes, j);
      const int64_t begin = UbjDocument::IntAt(segments, j), size = UbjDocument::IntAt(sizes, j);
      if (node < 0 || static_cast<size_t>(node) >= t->num_nodes() || begin < 0 || size < 0 ||
          static_cast<uint64_t>(begin) + static_cast<uint64_t>(size) > cats.count) {
        Corrupt("categorical split " + std::to_string(j) + " out of range");
      }
      std::vector<uint32_t>& set = t->right_categories[static_cast<size_t>(node)];
      for (int64_t k = begin; k < begin + size; ++k) {
        const int64_t c = UbjDocument::IntAt(cats, static_cast<size_t>(k));
        if (c < 0 || c > UINT32_MAX) Corrupt("category out of range");
        set.push_back(static_cast<uint32_t>(c));
      }
    }
  }

  const UbjDocument& doc_;
};

}  // namespace

CompiledForest CompileXgboostModel(std::string_view bytes) {
  const XgboostModelParts parts = SplitXgboostModel(bytes);
  const UbjDocument doc = UbjDocument::Parse(parts.ubjson, kPrefix);
  const XgboostReader reader(doc);
  const UbjNode& learner = reader.At(doc.root(), "learner");
  const float base_score = reader.BaseScore(learner);
  CompiledForest forest(parts.num_features, parts.num_outputs);
  uint32_t groups = 1;
  switch (parts.task) {
    case Task::kBinary:
      if (!(base_score > 0.0f && base_score < 1.0f)) Corrupt("base_score is not a probability");
      forest.AddPart(ScoreLink::kLogistic, {static_cast<double>(-std::log(1.0f / base_score - 1.0f))}, 1.0);
      break;
    case Task::kMulticlass:
      groups = static_cast<uint32_t>(parts.num_outputs);
      forest.AddPart(ScoreLink::kSoftmax, std::vector<double>(groups, static_cast<double>(base_score)), 1.0);
      break;
    case Task::kRegression:
      forest.AddPart(ScoreLink::kIdentity, {static_cast<double>(base_score)}, 1.0);
      break;
  }
  forest.SetFloatSum(0);  // XGBoost sums in float, tree by tree
  const UbjNode& model = reader.At(reader.At(learner, "gradient_booster"), "model");
  const auto trees = doc.Children(reader.At(model, "trees"));
  const auto info = doc.Children(reader.At(model, "tree_info"));
  if (trees.size() != info.size()) Corrupt("tree_info does not match the trees");
  for (size_t t = 0; t < trees.size(); ++t) {
    const int64_t group = info[t]->kind == UbjNode::Kind::kInt ? UbjDocument::Int(*info[t]) : -1;
    if (group < 0 || group >= static_cast<int64_t>(groups)) Corrupt("tree_info out of range");
    forest.AddTree(reader.Tree(*trees[t], static_cast<uint32_t>(group)));
  }
  return forest;
}

}  // namespace tabpilot
