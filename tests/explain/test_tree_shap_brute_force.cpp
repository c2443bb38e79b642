// TreeSHAP against a brute-force Shapley computation on small models: every
// subset S of the tree features is enumerated, v(S) is the path-dependent
// conditional expectation (features in S follow the row, the others average
// their children by cover fractions), and phi_i = sum over S without i of
// |S|! (M - |S| - 1)! / M! (v(S + i) - v(S)). The reference walks the
// CompiledForest itself (its own decisions, its own background counts, its
// own numbering of oblivious trees), not explain/'s prepared trees.
//
// Models: random trees built here (categorical splits, repeated features,
// zero covers, two raw scores, weights), and our random forest, extra trees
// and oblivious booster (with target statistics: extension features)
// trained through the learner registry, explained with background covers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "compiled/additive_converter.h"
#include "compiled/forest_converter.h"
#include "compiled/oblivious_converter.h"
#include "explain/tree_rows.h"
#include "explain/tree_shap.h"
#include "learners/learner_registry.h"
#include "shap_test_util.h"
#include "support/task_labels.h"

namespace tabpilot::shap_brute_force {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// Whether a row with value v goes right at a split of a node tree, by the
// compiled form's rules, read from the forest's own arrays.
bool ReferenceRight(const CompiledForest& forest, const CompiledNode& node, float v) {
  if (std::isnan(v)) return (node.child & CompiledNode::kDefaultLeft) == 0;
  if ((node.child & CompiledNode::kCategorical) == 0) return !(v <= node.threshold);
  if (v < 0 || v >= 16777216.0f || std::isinf(v)) return false;
  const auto code = static_cast<uint32_t>(v);
  const CategoricalSplit& split = forest.categorical_splits()[node.payload];
  if (code / 32 >= split.words) return false;
  return ((forest.category_words()[split.word_begin + code / 32] >> (code % 32)) & 1u) != 0;
}

// The path-dependent game of a forest: v(S) for a row, per raw score.
class ReferenceGame {
 public:
  // Covers: the forest's own where known (unless all_background), else
  // counts of the background rows (tree features).
  ReferenceGame(const CompiledForest& forest, const Matrix& background_rows, bool all_background)
      : forest_(forest), covers_(forest.trees().size()) {
    for (size_t t = 0; t < forest.trees().size(); ++t) {
      const CompiledTree& tree = forest.trees()[t];
      bool known = tree.kind == CompiledTree::Kind::kNodes && !all_background;
      for (size_t j = 0; known && j < tree.num_nodes; ++j) known = !std::isnan(forest.covers()[tree.node_begin + j]);
      if (known) {
        for (size_t j = 0; j < tree.num_nodes; ++j) covers_[t][j] = forest.covers()[tree.node_begin + j];
        continue;
      }
      for (size_t i = 0; i < background_rows.rows; ++i) Count(t, background_rows.row(i));
    }
  }

  // v(S) for every raw score (known[f]: feature f in S).
  std::vector<double> Value(const float* row, const std::vector<bool>& known) const {
    std::vector<double> v(forest_.num_raw(), 0.0);
    for (const ScorePart& part : forest_.parts()) {
      for (uint32_t k = 0; k < part.raw_dims; ++k) v[part.raw_begin + k] = part.base[k];
    }
    for (size_t t = 0; t < forest_.trees().size(); ++t) Expect(t, 0, 0, 1.0, row, known, &v);
    return v;
  }

 private:
  // A node's key: node trees their local index; oblivious trees (level,
  // prefix) as 2^level - 1 + prefix, bit l of the prefix the branch at level l.
  static uint64_t Key(uint32_t level, uint64_t at) { return (uint64_t{1} << level) - 1 + at; }

  bool Leaf(const CompiledTree& tree, uint32_t level, uint64_t at) const {
    if (tree.kind == CompiledTree::Kind::kOblivious) return level == tree.depth;
    return (forest_.nodes()[tree.node_begin + at].child & CompiledNode::kLeaf) != 0;
  }
  uint32_t Feature(const CompiledTree& tree, uint32_t level, uint64_t at) const {
    return forest_.nodes()[tree.node_begin + (tree.kind == CompiledTree::Kind::kOblivious ? level : at)].feature;
  }
  // The child (left or right) of a split, as (level + 1, its position).
  uint64_t Child(const CompiledTree& tree, uint32_t level, uint64_t at, bool right) const {
    if (tree.kind == CompiledTree::Kind::kOblivious) return at | (uint64_t{right ? 1u : 0u} << level);
    return (forest_.nodes()[tree.node_begin + at].child & CompiledNode::kIndexMask) + (right ? 1 : 0);
  }
  bool Right(const CompiledTree& tree, uint32_t level, uint64_t at, float v) const {
    if (tree.kind == CompiledTree::Kind::kOblivious) return v > forest_.nodes()[tree.node_begin + level].threshold;
    return ReferenceRight(forest_, forest_.nodes()[tree.node_begin + at], v);
  }
  uint64_t NodeKey(const CompiledTree& tree, uint32_t level, uint64_t at) const {
    return tree.kind == CompiledTree::Kind::kOblivious ? Key(level, at) : at;
  }
  double Cover(size_t t, uint64_t key) const {
    const auto it = covers_[t].find(key);
    return it == covers_[t].end() ? 0.0 : it->second;
  }

  void Count(size_t t, const float* row) {
    const CompiledTree& tree = forest_.trees()[t];
    uint32_t level = 0;
    uint64_t at = 0;
    for (;;) {
      covers_[t][NodeKey(tree, level, at)] += 1.0;
      if (Leaf(tree, level, at)) return;
      at = Child(tree, level, at, Right(tree, level, at, row[Feature(tree, level, at)]));
      ++level;
    }
  }

  void Expect(size_t t, uint32_t level, uint64_t at, double weight, const float* row, const std::vector<bool>& known,
              std::vector<double>* v) const {
    const CompiledTree& tree = forest_.trees()[t];
    if (Leaf(tree, level, at)) {
      const float* values = tree.kind == CompiledTree::Kind::kOblivious
                                ? forest_.leaf_values().data() + tree.leaf_begin + at * tree.leaf_width
                                : forest_.leaf_values().data() + forest_.nodes()[tree.node_begin + at].payload;
      for (uint32_t k = 0; k < tree.leaf_width; ++k) {
        (*v)[tree.output + k] += weight * tree.weight * static_cast<double>(values[k]);
      }
      return;
    }
    const uint32_t f = Feature(tree, level, at);
    if (known[f]) {
      Expect(t, level + 1, Child(tree, level, at, Right(tree, level, at, row[f])), weight, row, known, v);
      return;
    }
    const double parent = Cover(t, NodeKey(tree, level, at));
    for (const bool right : {false, true}) {
      const uint64_t child = Child(tree, level, at, right);
      const double share = parent > 0 ? std::max(0.0, Cover(t, NodeKey(tree, level + 1, child))) / parent : 0.5;
      Expect(t, level + 1, child, weight * share, row, known, v);
    }
  }

  const CompiledForest& forest_;
  std::vector<std::map<uint64_t, double>> covers_;
};

// Brute-force Shapley values of one row (tree features), XGBoost's layout:
// per raw score M values then v(empty set).
std::vector<double> BruteForce(const ReferenceGame& game, const float* row, size_t m, uint32_t raw) {
  std::vector<double> factorial(m + 1, 1.0);
  for (size_t k = 1; k <= m; ++k) factorial[k] = factorial[k - 1] * static_cast<double>(k);
  std::vector<std::vector<double>> value(size_t{1} << m);
  std::vector<bool> known(m);
  for (size_t s = 0; s < value.size(); ++s) {
    for (size_t f = 0; f < m; ++f) known[f] = ((s >> f) & 1u) != 0;
    value[s] = game.Value(row, known);
  }
  std::vector<double> phi(raw * (m + 1), 0.0);
  for (size_t s = 0; s < value.size(); ++s) {
    const auto size = static_cast<size_t>(__builtin_popcountll(s));
    const double w = factorial[size] * factorial[m - size - (size < m ? 1 : 0)] / factorial[m];
    for (size_t i = 0; i < m; ++i) {
      if (((s >> i) & 1u) != 0) continue;
      for (uint32_t r = 0; r < raw; ++r) phi[r * (m + 1) + i] += w * (value[s | (size_t{1} << i)][r] - value[s][r]);
    }
  }
  for (uint32_t r = 0; r < raw; ++r) phi[r * (m + 1) + m] = value[0][r];
  return phi;
}

// Explains `x` and compares every value with the brute force (to 1e-9),
// and the sums with the forest's margins.
void CheckBruteForce(const CompiledForest& forest, const Matrix& background, const Matrix& x, ShapCovers covers) {
  TreeShap::Options options;
  options.background = &background;
  options.covers = covers;
  options.threads = 2;
  const auto shap = TreeShap::Create(forest, options);
  const size_t m = shap->num_features();
  ASSERT_LE(m, 12u) << "too many features to enumerate";
  const std::vector<double> ours = testing::ExplainAndCheckSums(forest, *shap, x, 3);
  // The reference's background and rows with the extension features.
  TreeRowsScratch scratch;
  const float* rows = TreeRows(background, 0, background.rows, forest.extensions(), m, scratch);
  Matrix wide(background.rows, m);
  std::copy(rows, rows + background.rows * m, wide.values.begin());
  const ReferenceGame game(forest, wide, covers == ShapCovers::kBackground);
  rows = TreeRows(x, 0, x.rows, forest.extensions(), m, scratch);
  double worst = 0;
  size_t nonzero = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    const std::vector<double> want = BruteForce(game, rows + i * m, m, forest.num_raw());
    for (size_t k = 0; k < want.size(); ++k) {
      const double got = ours[i * shap->row_width() + k];
      worst = std::max(worst, std::abs(got - want[k]));
      nonzero += std::abs(want[k]) > 1e-12 ? 1 : 0;
      ASSERT_NEAR(got, want[k], 1e-9 * std::max(1.0, std::abs(want[k])))
          << "row " << i << ", value " << k << " (" << m << " features + bias per raw score)";
    }
  }
  EXPECT_GT(nonzero, x.rows);
  std::cout << "[ shap ] " << forest.trees().size() << " trees, " << m
            << " features: max |TreeSHAP - brute force| = " << worst << "\n";
}

// ---- random trees built here

struct RandomTreeSpec {
  uint32_t features = 5;
  uint32_t categorical_feature = 4;  // codes 0..6
  uint32_t max_depth = 5;
};

// A random tree: splits on few features (so they repeat on paths), one
// categorical feature, random default directions, covers that split the
// parent's randomly (sometimes all to one side: zero covers).
SourceTree RandomTree(std::mt19937& rng, const RandomTreeSpec& spec, uint32_t output, uint32_t width, bool covers) {
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  SourceTree tree;
  tree.Resize(1, width);
  tree.cover.assign(1, 100.0f);
  std::vector<uint32_t> depth{0};
  for (size_t j = 0; j < tree.num_nodes(); ++j) {
    if (depth[j] >= spec.max_depth || (depth[j] >= 2 && unit(rng) < 0.3f)) {
      for (uint32_t k = 0; k < width; ++k) tree.leaf_values[j * width + k] = 2.0f * unit(rng) - 1.0f;
      continue;
    }
    const size_t l = tree.num_nodes();
    for (auto* v : {&tree.left, &tree.right}) v->resize(l + 2, -1);
    tree.feature.resize(l + 2, 0);
    tree.threshold.resize(l + 2, 0);
    tree.default_left.resize(l + 2, 0);
    tree.right_categories.resize(l + 2);
    tree.categorical.resize(l + 2, 0);
    tree.leaf_values.resize((l + 2) * width, 0.0f);
    tree.left[j] = static_cast<int32_t>(l);
    tree.right[j] = static_cast<int32_t>(l + 1);
    tree.feature[j] = static_cast<uint32_t>(rng() % spec.features);
    tree.default_left[j] = static_cast<uint8_t>(rng() % 2);
    if (tree.feature[j] == spec.categorical_feature) {
      tree.categorical[j] = 1;
      for (uint32_t c = 0; c < 7; ++c) {
        if (rng() % 2 == 0) tree.right_categories[j].push_back(c);
      }
    } else {
      tree.threshold[j] = 1.6f * unit(rng) - 0.8f;
    }
    const float share = rng() % 8 == 0 ? 0.0f : unit(rng);
    tree.cover.push_back(tree.cover[j] * share);
    tree.cover.push_back(tree.cover[j] * (1.0f - share));
    depth.push_back(depth[j] + 1);
    depth.push_back(depth[j] + 1);
  }
  if (!covers) tree.cover.clear();
  tree.output = output;
  tree.leaf_width = width;
  tree.weight = rng() % 2 == 0 ? 1.0 : 0.5;
  return tree;
}

Matrix RandomRows(size_t rows, const RandomTreeSpec& spec, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.7f);
  Matrix x(rows, spec.features);
  for (size_t r = 0; r < rows; ++r) {
    for (uint32_t f = 0; f < spec.features; ++f) {
      x.at(r, f) = rng() % 8 == 0                  ? kMissing
                   : f == spec.categorical_feature ? static_cast<float>(static_cast<int>(rng() % 9) - 1)
                                                   : normal(rng);
    }
  }
  return x;
}

// Two raw scores: trees of two values per leaf and trees of one, some
// with covers and some without.
CompiledForest RandomForest(uint32_t seed, const RandomTreeSpec& spec) {
  std::mt19937 rng(seed);
  CompiledForest forest(spec.features, 2);
  forest.AddPart(ScoreLink::kSoftmax, {0.25, -0.5}, 1.0);
  for (int t = 0; t < 8; ++t) {
    const bool two = t % 3 == 0;
    forest.AddTree(RandomTree(rng, spec, two ? 0 : static_cast<uint32_t>(t % 2), two ? 2 : 1, t != 5));
  }
  return forest;
}

TEST(TreeShapBruteForce, RandomTreesWithCategoricalSplitsAndRepeatedFeatures) {
  const RandomTreeSpec spec;
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const CompiledForest forest = RandomForest(seed, spec);
    CheckBruteForce(forest, RandomRows(300, spec, seed + 10), RandomRows(40, spec, seed + 20), ShapCovers::kModel);
    CheckBruteForce(forest, RandomRows(300, spec, seed + 10), RandomRows(10, spec, seed + 30), ShapCovers::kBackground);
  }
}

TEST(TreeShapBruteForce, DeepTreeRepeatingOneFeature) {
  RandomTreeSpec spec;
  spec.features = 2;  // every path of depth 9 repeats both features
  spec.categorical_feature = 1;
  spec.max_depth = 9;
  std::mt19937 rng(4);
  CompiledForest forest(spec.features, 1);
  forest.AddPart(ScoreLink::kIdentity, {1.5}, 1.0);
  forest.AddTree(RandomTree(rng, spec, 0, 1, true));
  CheckBruteForce(forest, RandomRows(200, spec, 5), RandomRows(60, spec, 6), ShapCovers::kModel);
}

// The lane walk has an AVX2 build and a portable one: on the same trees and
// rows they give the same values, bit for bit (neither contracts to FMA).
TEST(TreeShapBruteForce, PortableAndAvx2LaneWalksAgree) {
  const RandomTreeSpec spec;
  const CompiledForest forest = RandomForest(7, spec);
  const Matrix background = RandomRows(40, spec, 8);
  const Matrix x = RandomRows(203, spec, 9);  // not a multiple of four: the last rows walk alone
  TreeShap::Options options;
  options.background = &background;
  options.covers = ShapCovers::kBackground;
  const auto vector = TreeShap::Create(forest, options);
  options.avx2 = false;
  const auto portable = TreeShap::Create(forest, options);
  std::vector<double> a(x.rows * vector->row_width());
  std::vector<double> b(x.rows * portable->row_width());
  vector->Explain(x, a.data(), 2);
  portable->Explain(x, b.data(), 1);
  ASSERT_EQ(a.size(), b.size());
  size_t nonzero = 0;
  for (size_t q = 0; q < a.size(); ++q) {
    ASSERT_EQ(a[q], b[q]) << "value " << q;
    nonzero += a[q] != 0 ? 1 : 0;
  }
  EXPECT_GT(nonzero, x.rows);
}

TEST(TreeShapBruteForce, TreesWithoutCoversNeedBackground) {
  const RandomTreeSpec spec;
  const CompiledForest forest = RandomForest(1, spec);  // its tree 5 keeps no covers
  EXPECT_NE(testing::InvalidMessage([&] {
              TreeShap::Create(forest, TreeShap::Options{});
            }).find("tree 5 keeps no node covers"),
            std::string::npos);
  const Matrix narrow(10, spec.features + 1);
  TreeShap::Options options;
  options.background = &narrow;
  EXPECT_NE(testing::InvalidMessage([&] { TreeShap::Create(forest, options); }).find("background rows"),
            std::string::npos);
}

// ---- our own families, trained

Matrix MakeTrain(size_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Matrix x(rows, 5);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 1; c < 5; ++c) x.at(r, c) = rng() % 10 == 0 ? kMissing : normal(rng);
    x.at(r, 0) = rng() % 15 == 0 ? kMissing : static_cast<float>(rng() % 5);  // a category code
  }
  return x;
}

std::vector<float> MakeLabels(const Matrix& x, Task task) {
  std::vector<float> y(x.rows);
  for (size_t r = 0; r < x.rows; ++r) {
    const float c = x.at(r, 0);
    const float a = std::isnan(x.at(r, 1)) ? 0.3f : x.at(r, 1);
    const float b = std::isnan(x.at(r, 2)) ? -0.2f : x.at(r, 2);
    const float z = (c == 1 || c == 3 ? 0.8f : -0.4f) + a - 0.6f * a * b + 0.3f * (r % 7 == 0 ? 1.0f : 0.0f);
    y[r] = testing::TaskLabel(task, z, -0.3f, 0.7f);
  }
  return y;
}

template <typename Compile>
void CheckFamily(const std::string& family, const Json& params, Task task, bool categorical, Compile compile) {
  SCOPED_TRACE(family + "/" + TaskName(task) + (categorical ? "+cat" : ""));
  const Matrix x = MakeTrain(600, 21);
  const std::vector<float> y = MakeLabels(x, task);
  FitOptions options;
  options.task = task;
  options.num_classes = task == Task::kMulticlass ? 3 : task == Task::kBinary ? 2 : 1;
  options.seed = 3;
  static const std::vector<size_t> kCategorical = {0};
  if (categorical) options.categorical_features = &kCategorical;
  const auto model =
      LearnerRegistry::WithBuiltins().Create(family, params)->Fit(TrainData{&x, &y, nullptr}, nullptr, options);
  const CompiledForest forest = compile(model->Serialize());
  CheckBruteForce(forest, x, MakeTrain(25, 22), ShapCovers::kModel);
}

class OwnFamiliesShap : public ::testing::TestWithParam<Task> {};

TEST_P(OwnFamiliesShap, RandomForest) {
  CheckFamily("random_forest", Json{{"n_estimators", 6}, {"max_depth", 5}}, GetParam(), false,
              [](std::string_view b) { return CompileForestModel(b); });
}

TEST_P(OwnFamiliesShap, ExtraTrees) {
  CheckFamily("extra_trees", Json{{"n_estimators", 6}, {"max_depth", 6}}, GetParam(), false,
              [](std::string_view b) { return CompileForestModel(b); });
}

TEST_P(OwnFamiliesShap, ObliviousBoost) {
  for (bool categorical : {false, true}) {  // numbers only; target statistics of column 0
    CheckFamily("oblivious_boost", Json{{"iterations", 12}, {"depth", 4}, {"early_stopping_rounds", 0}}, GetParam(),
                categorical, [](std::string_view b) { return CompileObliviousModel(b); });
  }
}

TEST_P(OwnFamiliesShap, AdditiveBoost) {
  for (bool categorical : {false, true}) {  // column 0 as a number; as codes, a leaf each
    CheckFamily("additive_boost", Json{{"max_cycles", 20}, {"early_stopping_rounds", 0}}, GetParam(), categorical,
                [](std::string_view b) { return CompileAdditiveModel(b); });
  }
}

// An additive model's SHAP value of a column is its shape's value at the
// row minus the shape's mean over the background (margin space): one tree
// a column, so nothing is shared between columns.
TEST(AdditiveShap, AColumnsValueIsItsShapeMinusItsBackgroundMean) {
  const Matrix x = MakeTrain(600, 31);
  const std::vector<float> y = MakeLabels(x, Task::kBinary);
  FitOptions options;
  const auto model = LearnerRegistry::WithBuiltins()
                         .Create("additive_boost", Json{{"max_cycles", 30}, {"early_stopping_rounds", 0}})
                         ->Fit(TrainData{&x, &y, nullptr}, nullptr, options);
  const AdditiveModelData m = DecodeAdditiveModel(model->Serialize());
  const CompiledForest forest = CompileAdditiveData(m);
  const Matrix background = MakeTrain(40, 32);
  const Matrix rows = MakeTrain(30, 33);
  TreeShap::Options shap_options;
  shap_options.background = &background;
  const auto shap = TreeShap::Create(forest, shap_options);
  std::vector<double> phi(rows.rows * shap->row_width());
  shap->Explain(rows, phi.data(), 1);
  const auto term = [&](const Matrix& z, size_t r, size_t c) {
    return m.shapes[c].values[m.shapes[c].SlotOf(z.at(r, c))];
  };
  const size_t cols = x.cols;
  for (size_t c = 0; c < cols; ++c) {
    double mean = 0;
    for (size_t b = 0; b < background.rows; ++b) mean += term(background, b, c);
    mean /= static_cast<double>(background.rows);
    for (size_t r = 0; r < rows.rows; ++r) {
      ASSERT_NEAR(phi[r * (cols + 1) + c], term(rows, r, c) - mean, 1e-5) << "row " << r << ", column " << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tasks, OwnFamiliesShap, ::testing::Values(Task::kBinary, Task::kMulticlass, Task::kRegression),
                         [](const ::testing::TestParamInfo<Task>& p) { return std::string(TaskName(p.param)); });

}  // namespace
}  // namespace tabpilot::shap_brute_force
