#include "learners/xgboost_model_check.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "learners/ubjson_walk.h"

namespace tabpilot {
namespace {

using NodeKind = UbjNode::Kind;

// XGBoost writes the root's parent as 2^31 - 1 (kInvalidNodeId without its sign bit).
constexpr int64_t kRootParent = 2147483647;

// The category bit sets XGBoost builds may take this many bytes per model
// byte, plus a fixed allowance: one 4-byte category code can stand for a bit
// set of 2^24 bits, so without a cap a small model could ask for terabytes.
constexpr size_t kCategoryBitsetBytesPerModelByte = 64;
constexpr size_t kCategoryBitsetBytesFree = size_t{64} << 20;

class ModelChecker {
 public:
  ModelChecker(const UbjDocument& doc, size_t model_bytes, const XgboostModelShape& expected, std::string_view prefix)
      : doc_(doc),
        expected_(expected),
        prefix_(prefix),
        max_bitset_bytes_(kCategoryBitsetBytesPerModelByte * model_bytes + kCategoryBitsetBytesFree) {}

  void Run() {
    // XGBoost reads the version's three numbers to pick its loader.
    if (const UbjNode* version = doc_.Find(doc_.root(), "version")) {
      const auto parts = doc_.Children(*version);
      if (parts.size() != 3 || parts[0]->kind != NodeKind::kInt || parts[1]->kind != NodeKind::kInt ||
          parts[2]->kind != NodeKind::kInt) {
        Fail("version is not an array of three integers");
      }
    }
    const UbjNode& learner = Object(doc_.root(), "learner", "");
    CheckParams(Object(learner, "learner_model_param", "learner."));
    const UbjNode& objective_node = Object(learner, "objective", "learner.");
    const std::string objective(Text(objective_node, "name", "learner.objective."));
    if (objective != expected_.objective) {
      Fail("objective \"" + objective + "\" does not match the task (expected \"" + expected_.objective + "\")");
    }
    // The softmax keeps its own class count, which shapes its output.
    if (const UbjNode* softmax = doc_.Find(objective_node, "softmax_multiclass_param")) {
      if (softmax->kind != NodeKind::kObject) Fail("learner.objective.softmax_multiclass_param is not an object");
      const char* where = "learner.objective.softmax_multiclass_param.";
      IntParam(*softmax, "num_class", where, expected_.num_class, expected_.num_class);
    }
    for (const char* field : {"feature_names", "feature_types"}) {
      const UbjNode* names = doc_.Find(learner, field);
      if (names == nullptr) continue;
      if (names->kind != NodeKind::kArray || (names->count != 0 && names->count != num_features_)) {
        Fail(std::string("learner.") + field + " must be an array of 0 or " + std::to_string(num_features_) +
             " strings");
      }
      for (const UbjNode* n : doc_.Children(*names)) {
        if (n->kind != NodeKind::kString) Fail(std::string("learner.") + field + " must hold strings");
      }
    }
    const UbjNode& booster = Object(learner, "gradient_booster", "learner.");
    const std::string_view name = Text(booster, "name", "gradient_booster.");
    if (name != "gbtree") Fail("gradient_booster.name \"" + std::string(name) + "\" is not \"gbtree\"");
    CheckTrees(Object(booster, "model", "gradient_booster."));
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw InvalidInput(std::string(prefix_) + ": " + what); }

  const UbjNode& Member(const UbjNode& object, std::string_view key, std::string_view where) const {
    const UbjNode* n = doc_.Find(object, key);
    if (n == nullptr) Fail(std::string(where) + std::string(key) + " is missing");
    return *n;
  }

  const UbjNode& Object(const UbjNode& object, std::string_view key, std::string_view where) const {
    const UbjNode& n = Member(object, key, where);
    if (n.kind != NodeKind::kObject) Fail(std::string(where) + std::string(key) + " is not an object");
    return n;
  }

  std::string_view Text(const UbjNode& object, std::string_view key, std::string_view where) const {
    const UbjNode& n = Member(object, key, where);
    if (n.kind != NodeKind::kString) Fail(std::string(where) + std::string(key) + " is not a string");
    return n.bytes;
  }

  // XGBoost keeps its parameters as decimal strings ("num_class": "3").
  int64_t IntParam(const UbjNode& object, std::string_view key, std::string_view where, int64_t lo, int64_t hi) const {
    const std::string_view text = Text(object, key, where);
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    auto name = [&] { return std::string(where) + std::string(key); };
    if (ec != std::errc() || end != text.data() + text.size()) {
      Fail(name() + " \"" + std::string(text.substr(0, 40)) + "\" is not an integer");
    }
    if (v < lo || v > hi) Fail(name() + " = " + std::to_string(v) + " is outside " + Range(lo, hi));
    return v;
  }

  static std::string Range(int64_t lo, int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

  void CheckParams(const UbjNode& params) {
    const char* where = "learner_model_param.";
    num_features_ = static_cast<size_t>(IntParam(params, "num_feature", where, 1, INT32_MAX));
    const int64_t num_class = IntParam(params, "num_class", where, 0, kMaxXgboostOutputs);
    IntParam(params, "num_target", where, 1, 1);  // multi-target models: XGBoost 2's, never tabpilot's
    if (num_features_ != expected_.num_features) {
      Fail(std::string(where) + "num_feature = " + std::to_string(num_features_) + " does not match the header's " +
           std::to_string(expected_.num_features));
    }
    if (num_class != expected_.num_class) {
      Fail(std::string(where) + "num_class = " + std::to_string(num_class) + " does not match the header's " +
           std::to_string(expected_.num_class));
    }
    groups_ = num_class > 0 ? num_class : 1;
  }

  // A typed array member of `tree` with `count` elements of type `element`.
  const UbjNode& Typed(const UbjNode& tree, std::string_view key, char element, size_t count,
                       const std::string& where) const {
    const UbjNode& n = Member(tree, key, where);
    if (n.kind != NodeKind::kTypedArray || n.marker != element) {
      Fail(where + std::string(key) + " is not a typed array of '" + std::string(1, element) + "'");
    }
    if (count != SIZE_MAX && n.count != count) {
      Fail(where + std::string(key) + " has " + std::to_string(n.count) + " elements, expected " +
           std::to_string(count));
    }
    return n;
  }

  void CheckTrees(const UbjNode& model) {
    const UbjNode& param = Object(model, "gbtree_model_param", "gradient_booster.model.");
    const char* where = "gbtree_model_param.";
    const int64_t num_trees = IntParam(param, "num_trees", where, 0, INT32_MAX);
    IntParam(param, "num_parallel_tree", where, 1, kMaxXgboostOutputs);
    IntParam(param, "size_leaf_vector", where, 0, 0);
    const UbjNode& trees = Member(model, "trees", "gradient_booster.model.");
    if (trees.kind != NodeKind::kArray || static_cast<int64_t>(trees.count) != num_trees) {
      Fail("gradient_booster.model.trees must be an array of num_trees = " + std::to_string(num_trees) + " trees");
    }
    // tree_info: the output group of each tree (XGBoost 1.7 writes plain integers).
    const UbjNode& info = Member(model, "tree_info", "gradient_booster.model.");
    if (info.kind != NodeKind::kArray || static_cast<int64_t>(info.count) != num_trees) {
      Fail("tree_info must be an array of " + std::to_string(num_trees) + " integers (one per tree)");
    }
    size_t t = 0;
    for (const UbjNode* g : doc_.Children(info)) {
      if (g->kind != NodeKind::kInt) Fail("tree_info[" + std::to_string(t) + "] is not an integer");
      const int64_t v = UbjDocument::Int(*g);
      if (v < 0 || v >= groups_) {
        Fail("tree_info[" + std::to_string(t) + "] = " + std::to_string(v) + " is outside " + Range(0, groups_ - 1));
      }
      ++t;
    }
    t = 0;
    for (const UbjNode* tree : doc_.Children(trees)) CheckTree(*tree, t++);
  }

  void CheckTree(const UbjNode& tree, size_t t) {
    const std::string where = "tree " + std::to_string(t) + " ";  // message prefix
    if (tree.kind != NodeKind::kObject) Fail(where + "is not an object");
    const UbjNode& id = Member(tree, "id", where);
    if (id.kind != NodeKind::kInt || UbjDocument::Int(id) != static_cast<int64_t>(t)) Fail(where + "has a wrong id");
    const UbjNode& param = Object(tree, "tree_param", where);
    const std::string pw = where + "tree_param.";
    // Every node takes at least 4 bytes per array below, so num_nodes is
    // bounded by the typed arrays' own (already bounds-checked) lengths.
    const int64_t n = IntParam(param, "num_nodes", pw, 1, INT32_MAX);
    const int64_t deleted = IntParam(param, "num_deleted", pw, 0, n - 1);
    const int64_t tree_features = IntParam(param, "num_feature", pw, 1, INT32_MAX);
    IntParam(param, "size_leaf_vector", pw, 0, 0);
    if (tree_features != static_cast<int64_t>(num_features_)) {
      Fail(pw + "num_feature = " + std::to_string(tree_features) + " does not match the model's " +
           std::to_string(num_features_));
    }
    const auto nodes = static_cast<size_t>(n);
    const UbjNode& left = Typed(tree, "left_children", 'l', nodes, where);
    const UbjNode& right = Typed(tree, "right_children", 'l', nodes, where);
    const UbjNode& parents = Typed(tree, "parents", 'l', nodes, where);
    const UbjNode& split_indices = Typed(tree, "split_indices", 'l', nodes, where);
    const UbjNode& split_type = Typed(tree, "split_type", 'U', nodes, where);
    Typed(tree, "default_left", 'U', nodes, where);
    for (const char* key : {"split_conditions", "base_weights", "loss_changes", "sum_hessian"}) {
      Typed(tree, key, 'd', nodes, where);
    }

    auto element = [&](const UbjNode& array, const char* name, size_t i) {
      return where + name + "[" + std::to_string(i) + "] = " + std::to_string(UbjDocument::IntAt(array, i));
    };
    const int64_t root_parent = UbjDocument::IntAt(parents, 0);
    if (root_parent != kRootParent && root_parent != -1) Fail(element(parents, "parents", 0) + " is not the root's");
    // Children come after their parent (XGBoost appends new nodes), which
    // with the parent check makes each tree a tree: no cycles, no sharing.
    std::vector<char> reachable(nodes, 0);
    reachable[0] = 1;
    size_t reached = 1;
    size_t categorical = 0;
    for (size_t i = 0; i < nodes; ++i) {
      if (i > 0) {
        const int64_t p = UbjDocument::IntAt(parents, i);
        if (p < 0 || p >= static_cast<int64_t>(i)) {
          Fail(element(parents, "parents", i) + " is outside " + Range(0, static_cast<int64_t>(i) - 1));
        }
      }
      const int64_t type = UbjDocument::IntAt(split_type, i);
      if (type != 0 && type != 1) Fail(element(split_type, "split_type", i) + " is neither 0 nor 1");
      const int64_t l = UbjDocument::IntAt(left, i), r = UbjDocument::IntAt(right, i);
      if (l == -1 && r == -1) {
        if (type == 1) Fail(where + "leaf " + std::to_string(i) + " has a categorical split type");
        continue;
      }
      for (const auto& [child, array, name] :
           {std::tuple{l, &left, "left_children"}, std::tuple{r, &right, "right_children"}}) {
        if (child <= static_cast<int64_t>(i) || child >= n) {
          Fail(element(*array, name, i) + " is outside " + Range(static_cast<int64_t>(i) + 1, n - 1));
        }
        if (UbjDocument::IntAt(parents, static_cast<size_t>(child)) != static_cast<int64_t>(i)) {
          Fail(where + "node " + std::to_string(child) + " is a child of " + std::to_string(i) +
               " but names another parent");
        }
      }
      if (l == r) Fail(where + "node " + std::to_string(i) + " has the same left and right child");
      const int64_t feature = UbjDocument::IntAt(split_indices, i);
      if (feature < 0 || feature >= static_cast<int64_t>(num_features_)) {
        Fail(element(split_indices, "split_indices", i) + " is outside " +
             Range(0, static_cast<int64_t>(num_features_) - 1));
      }
      categorical += static_cast<size_t>(type);
      if (reachable[i]) {
        reachable[static_cast<size_t>(l)] = reachable[static_cast<size_t>(r)] = 1;
        reached += 2;
      }
    }
    if (reached + static_cast<size_t>(deleted) != nodes) {
      Fail(where + "has " + std::to_string(nodes - reached) +
           " nodes unreachable from the root, num_deleted = " + std::to_string(deleted));
    }
    CheckCategories(tree, where, split_type, categorical, nodes);
  }

  void CheckCategories(const UbjNode& tree, const std::string& where, const UbjNode& split_type, size_t categorical,
                       size_t nodes) {
    const UbjNode& cats = Typed(tree, "categories", 'l', SIZE_MAX, where);
    const UbjNode& cat_nodes = Typed(tree, "categories_nodes", 'l', categorical, where);
    const UbjNode& segments = Typed(tree, "categories_segments", 'L', categorical, where);
    const UbjNode& sizes = Typed(tree, "categories_sizes", 'L', categorical, where);
    for (size_t i = 0; i < cats.count; ++i) {
      const int64_t c = UbjDocument::IntAt(cats, i);
      if (c < 0 || c > kMaxXgboostCategory) {
        Fail(where + "categories[" + std::to_string(i) + "] = " + std::to_string(c) + " is outside " +
             Range(0, kMaxXgboostCategory));
      }
    }
    int64_t previous = -1;
    for (size_t j = 0; j < categorical; ++j) {
      const int64_t node = UbjDocument::IntAt(cat_nodes, j);
      if (node <= previous || node >= static_cast<int64_t>(nodes) ||
          UbjDocument::IntAt(split_type, static_cast<size_t>(node)) != 1) {
        Fail(where + "categories_nodes[" + std::to_string(j) + "] = " + std::to_string(node) +
             " is not the next categorical split");
      }
      previous = node;
      const int64_t begin = UbjDocument::IntAt(segments, j), size = UbjDocument::IntAt(sizes, j);
      const auto total = static_cast<int64_t>(cats.count);
      if (begin < 0 || begin > total || size < 1 || size > total - begin) {
        Fail(where + "categorical split " + std::to_string(j) + " takes categories [" + std::to_string(begin) + ", +" +
             std::to_string(size) + ") of " + std::to_string(total));
      }
      // XGBoost turns each split's categories into a bit set of max + 1 bits.
      int64_t max = 0;
      for (int64_t k = begin; k < begin + size; ++k)
        max = std::max(max, UbjDocument::IntAt(cats, static_cast<size_t>(k)));
      bitset_bytes_ += static_cast<size_t>(max / 32 + 1) * 4;
      if (bitset_bytes_ > max_bitset_bytes_) {
        Fail(where + "categorical splits need more than " + std::to_string(max_bitset_bytes_) +
             " bytes of category bit sets");
      }
    }
  }

  const UbjDocument& doc_;
  const XgboostModelShape& expected_;
  std::string_view prefix_;
  size_t num_features_ = 0;
  int64_t groups_ = 1;
  size_t bitset_bytes_ = 0;
  size_t max_bitset_bytes_ = 0;
};

}  // namespace

void CheckXgboostModel(std::string_view ubjson, const XgboostModelShape& expected, std::string_view error_prefix) {
  const UbjDocument doc = UbjDocument::Parse(ubjson, error_prefix);
  if (doc.root().kind != NodeKind::kObject) {
    throw InvalidInput(std::string(error_prefix) + ": the model is not a UBJSON object");
  }
  ModelChecker(doc, ubjson.size(), expected, error_prefix).Run();
}

}  // namespace tabpilot
