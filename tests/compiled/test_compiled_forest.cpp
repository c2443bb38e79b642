// Property tests of the compiled form against plain reference walks written
// here: random trees (our forests' "x <= t", XGBoost's "x < c" with
// categorical splits, oblivious levels) on random rows that include the
// thresholds themselves, their neighbours, NaN, +-inf, -0 and denormals.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "compiled/compiled_forest.h"
#include "compiled/compiled_merge.h"
#include "compiled/forest_converter.h"
#include "compiled/row_forest.h"
#include "compiled/simd_walk.h"
#include "core/error.h"
#include "learners/forest_tree.h"

namespace tabpilot {
namespace {

// Each row predicted alone (a one-row block, PredictSmall with one scratch
// for all rows, and the RowForest layout of the one-row path) gives the
// values `block` holds for it from a many-row Predict, to the bit.
void ExpectRowsAloneAsInTheBlock(const CompiledForest& forest, const Matrix& x, const std::vector<float>& block) {
  const auto k = static_cast<size_t>(forest.num_outputs());
  // Not owned: the forest outlives this call.
  const auto row_forest = RowForest::Make(std::shared_ptr<const CompiledForest>(&forest, [](const CompiledForest*) {}));
  ASSERT_NE(row_forest, nullptr);
  CompiledForest::Scratch scratch;
  RowForest::Scratch row_scratch;
  std::vector<float> alone(k), small(k), one(k);
  Matrix row(1, x.cols);
  for (size_t r = 0; r < x.rows; ++r) {
    std::copy_n(x.row(r), x.cols, row.values.data());
    forest.Predict(row, alone.data(), 1);
    forest.PredictSmall(row, scratch, small.data());
    row_forest->Predict(row, row_scratch, one.data());
    for (size_t j = 0; j < k; ++j) {
      const uint32_t want = std::bit_cast<uint32_t>(block[r * k + j]);
      ASSERT_EQ(std::bit_cast<uint32_t>(alone[j]), want) << "row " << r;
      ASSERT_EQ(std::bit_cast<uint32_t>(small[j]), want) << "row " << r;
      ASSERT_EQ(std::bit_cast<uint32_t>(one[j]), want) << "row " << r << " (row forest)";
    }
  }
}

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Values worth testing: random numbers, every split value and its float
// neighbours, and the special floats.
class ValuePool {
 public:
  explicit ValuePool(uint32_t seed) : rng_(seed) {
    for (float v : {kNaN, kInf, -kInf, 0.0f, -0.0f, 1e-40f, -1e-40f, std::numeric_limits<float>::max(),
                    std::numeric_limits<float>::lowest()}) {
      Add(v);
    }
  }
  void Add(float v) { values_.push_back(v); }
  void AddWithNeighbours(float v) {
    Add(v);
    Add(std::nextafter(v, kInf));
    Add(std::nextafter(v, -kInf));
  }
  float Threshold() {
    switch (rng_() % 12) {
      case 0:
        return kInf;
      case 1:
        return -kInf;
      case 2:
        return -0.0f;
      default:
        return std::normal_distribution<float>(0.0f, 2.0f)(rng_);
    }
  }
  Matrix Rows(size_t rows, size_t cols) {
    Matrix x(rows, cols);
    for (float& v : x.values) {
      v = rng_() % 3 == 0 ? std::normal_distribution<float>(0.0f, 2.0f)(rng_) : values_[rng_() % values_.size()];
    }
    return x;
  }
  std::mt19937& rng() { return rng_; }

 private:
  std::mt19937 rng_;
  std::vector<float> values_;
};

// A random tree in pre-order (children after their parent), at most `depth` levels.
struct RandomTree {
  std::vector<int32_t> left, right, feature;
  std::vector<float> threshold;
  std::vector<uint8_t> default_left, categorical;
  std::vector<std::vector<uint32_t>> categories;  // categorical splits: codes going right
  std::vector<float> values;                      // per node x width

  int32_t Grow(std::mt19937& rng, ValuePool& pool, int depth, size_t cols, uint32_t width, bool with_categorical) {
    const auto id = static_cast<int32_t>(left.size());
    left.push_back(-1);
    right.push_back(-1);
    feature.push_back(-1);
    threshold.push_back(0);
    default_left.push_back(static_cast<uint8_t>(rng() % 2));
    categorical.push_back(0);
    categories.emplace_back();
    for (uint32_t k = 0; k < width; ++k) values.push_back(std::normal_distribution<float>(0.0f, 1.0f)(rng));
    if (depth == 0 || rng() % 5 == 0) return id;
    const auto f = static_cast<int32_t>(rng() % cols);
    feature[static_cast<size_t>(id)] = f;
    if (with_categorical && rng() % 3 == 0) {
      categorical[static_cast<size_t>(id)] = 1;
      // Sets of codes below 31 (AVX2's tiny sets), 32 (one word), 62 (a row
      // forest keeps them as a 64-bit mask) or 70.
      static constexpr uint32_t kCodes[] = {31, 32, 62, 70};
      const uint32_t codes = kCodes[rng() % 4];
      for (uint32_t c = 0; c < codes; ++c) {
        if (rng() % 3 == 0) categories[static_cast<size_t>(id)].push_back(c);
      }
      if (categories[static_cast<size_t>(id)].empty()) categories[static_cast<size_t>(id)].push_back(5);
    } else {
      threshold[static_cast<size_t>(id)] = pool.Threshold();
      pool.AddWithNeighbours(threshold[static_cast<size_t>(id)]);
    }
    const int32_t l = Grow(rng, pool, depth - 1, cols, width, with_categorical);
    const int32_t r = Grow(rng, pool, depth - 1, cols, width, with_categorical);
    left[static_cast<size_t>(id)] = l;
    right[static_cast<size_t>(id)] = r;
    return id;
  }
};

// ------------------------------------------------- forests: x <= t

// The forest's rule, written out: mean over trees of the leaf values.
std::vector<double> ForestReference(const std::vector<RandomTree>& trees, const float* row, uint32_t width) {
  std::vector<double> acc(width, 0.0);
  for (const RandomTree& t : trees) {
    size_t n = 0;
    while (t.feature[n] >= 0) {
      const float v = row[t.feature[n]];
      const bool go_left = std::isnan(v) ? t.default_left[n] != 0 : v <= t.threshold[n];
      n = static_cast<size_t>(go_left ? t.left[n] : t.right[n]);
    }
    for (uint32_t k = 0; k < width; ++k) acc[k] += t.values[n * width + k];
  }
  for (double& a : acc) a /= static_cast<double>(trees.size());
  return acc;
}

FlatForest ToFlatForest(const std::vector<RandomTree>& trees, int cols, uint32_t width) {
  FlatForest forest(cols, static_cast<int>(width));
  for (const RandomTree& t : trees) {
    FlatTree ft;
    for (size_t i = 0; i < t.left.size(); ++i) {
      ft.feature.push_back(t.feature[i]);
      ft.threshold.push_back(t.feature[i] < 0 ? 0.0f : t.threshold[i]);
      ft.left.push_back(t.left[i] < 0 ? 0 : t.left[i]);
      ft.right.push_back(t.right[i] < 0 ? 0 : t.right[i]);
      ft.default_left.push_back(t.default_left[i]);
      ft.value_offset.push_back(t.feature[i] < 0 ? static_cast<int32_t>(ft.leaf_values.size()) : -1);
      if (t.feature[i] < 0) {
        for (uint32_t k = 0; k < width; ++k) ft.leaf_values.push_back(t.values[i * width + k]);
      }
    }
    forest.AddTree(std::move(ft));
  }
  forest.Validate();
  return forest;
}

TEST(CompiledForestProperty, RandomForestsMatchAPlainWalk) {
  for (uint32_t seed = 0; seed < 12; ++seed) {
    ValuePool pool(seed);
    const Task task = seed % 3 == 0 ? Task::kBinary : seed % 3 == 1 ? Task::kMulticlass : Task::kRegression;
    const uint32_t width = task == Task::kMulticlass ? 4 : 1;
    const size_t cols = 1 + pool.rng()() % 7;
    std::vector<RandomTree> trees(1 + pool.rng()() % 20);
    for (RandomTree& t : trees) t.Grow(pool.rng(), pool, 1 + static_cast<int>(pool.rng()() % 9), cols, width, false);
    const FlatForest flat = ToFlatForest(trees, static_cast<int>(cols), width);
    const CompiledForest compiled = CompileFlatForest(flat, task, task == Task::kMulticlass ? 4 : 1);
    const Matrix x = pool.Rows(500, cols);
    const auto outputs = static_cast<size_t>(compiled.num_outputs());
    std::vector<float> got(x.rows * outputs);
    compiled.Predict(x, got.data(), 2);
    ExpectRowsAloneAsInTheBlock(compiled, x, got);
    for (size_t r = 0; r < x.rows; ++r) {
      const std::vector<double> want = ForestReference(trees, x.row(r), width);
      if (task == Task::kBinary) {
        const auto p = static_cast<float>(want[0]);
        ASSERT_NEAR(got[2 * r], 1.0f - p, 1e-6) << "seed " << seed << " row " << r;
        ASSERT_NEAR(got[2 * r + 1], p, 1e-6) << "seed " << seed << " row " << r;
      } else {
        for (size_t k = 0; k < outputs; ++k) {
          ASSERT_NEAR(got[r * outputs + k], want[k], 1e-6) << "seed " << seed << " row " << r << " output " << k;
        }
      }
    }
  }
}

// ------------------------------------- XGBoost-like trees: x < c, categories

// XGBoost 1.7's walk, written out (GetNextNode and common::Decision).
size_t XgboostLeaf(const RandomTree& t, const float* row) {
  size_t n = 0;
  while (t.feature[n] >= 0) {
    const float v = row[t.feature[n]];
    bool go_left = false;
    if (std::isnan(v)) {
      go_left = t.default_left[n] != 0;
    } else if (t.categorical[n] != 0) {
      const bool invalid = v < 0 || v >= 16777216.0f;  // also +-inf
      const auto& set = t.categories[n];
      go_left = invalid || std::find(set.begin(), set.end(), static_cast<uint32_t>(v)) == set.end();
    } else {
      go_left = v < t.threshold[n];
    }
    n = static_cast<size_t>(go_left ? t.left[n] : t.right[n]);
  }
  return n;
}

SourceTree ToSourceTree(const RandomTree& t, uint32_t output) {
  SourceTree s;
  s.Resize(t.left.size(), 1);
  s.output = output;
  for (size_t i = 0; i < t.left.size(); ++i) {
    s.left[i] = t.left[i];
    s.right[i] = t.right[i];
    s.leaf_values[i] = t.values[i];
    if (t.feature[i] < 0) continue;
    s.feature[i] = static_cast<uint32_t>(t.feature[i]);
    s.threshold[i] = ThresholdBelow(t.threshold[i]);
    s.default_left[i] = t.default_left[i];
    s.categorical[i] = t.categorical[i];
    s.right_categories[i] = t.categories[i];
  }
  return s;
}

TEST(CompiledForestProperty, RandomXgboostTreesMatchItsRules) {
  for (uint32_t seed = 100; seed < 112; ++seed) {
    ValuePool pool(seed);
    for (float c : {0.0f, 4.0f, 5.0f, 31.0f, 32.0f, 61.0f, 61.5f, 62.0f, 63.0f, 64.0f, 69.0f, 70.0f, 1000.0f, 2.999f,
                    -1.0f, 16777215.0f, 16777216.0f}) {
      pool.Add(c);
    }
    const uint32_t groups = seed % 2 == 0 ? 1 : 3;
    const ScoreLink link = groups == 3     ? ScoreLink::kSoftmax
                           : seed % 4 == 0 ? ScoreLink::kLogistic
                                           : ScoreLink::kIdentity;
    const size_t cols = 1 + pool.rng()() % 6;
    std::vector<RandomTree> trees(1 + pool.rng()() % 30);
    CompiledForest compiled(cols, LinkOutputs(link, static_cast<int>(groups)));
    std::vector<double> base(groups);
    for (double& b : base) b = std::normal_distribution<double>(0.0, 1.0)(pool.rng());
    compiled.AddPart(link, base, 1.0);
    for (size_t t = 0; t < trees.size(); ++t) {
      trees[t].Grow(pool.rng(), pool, 1 + static_cast<int>(pool.rng()() % 8), cols, 1, true);
      compiled.AddTree(ToSourceTree(trees[t], static_cast<uint32_t>(t % groups)));
    }
    const Matrix x = pool.Rows(500, cols);
    const auto outputs = static_cast<size_t>(compiled.num_outputs());
    std::vector<float> got(x.rows * outputs);
    compiled.Predict(x, got.data(), 1);
    ExpectRowsAloneAsInTheBlock(compiled, x, got);
    for (size_t r = 0; r < x.rows; ++r) {
      std::vector<double> raw(base);
      for (size_t t = 0; t < trees.size(); ++t) raw[t % groups] += trees[t].values[XgboostLeaf(trees[t], x.row(r))];
      std::vector<double> want(outputs);
      if (link == ScoreLink::kIdentity) {
        want = raw;
      } else if (link == ScoreLink::kLogistic) {
        want[1] = 1.0 / (1.0 + std::exp(-raw[0]));
        want[0] = 1.0 - want[1];
      } else {
        double sum = 0;
        for (size_t k = 0; k < groups; ++k) sum += std::exp(raw[k]);
        for (size_t k = 0; k < groups; ++k) want[k] = std::exp(raw[k]) / sum;
      }
      for (size_t k = 0; k < outputs; ++k) {
        ASSERT_NEAR(got[r * outputs + k], want[k], 1e-6) << "seed " << seed << " row " << r << " output " << k;
      }
    }
  }
}

TEST(CompiledForestProperty, ThresholdBelowTurnsLessIntoLessOrEqual) {
  ValuePool pool(7);
  std::vector<float> values = {kInf,
                               -kInf,
                               0.0f,
                               -0.0f,
                               1e-45f,
                               -1e-45f,
                               1.0f,
                               -1.0f,
                               std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::lowest()};
  for (int i = 0; i < 200; ++i) values.push_back(pool.Threshold());
  for (float c : values) {
    const float t = ThresholdBelow(c);
    for (float v : values) {
      for (float x : {v, std::nextafter(v, kInf), std::nextafter(v, -kInf)}) {
        ASSERT_EQ(x < c, x <= t) << "x " << x << " c " << c;
      }
    }
  }
}

// ------------------------------------------------- oblivious: bit d = x > b

TEST(CompiledForestProperty, RandomObliviousTreesMatchTheirLeafIndex) {
  for (uint32_t seed = 200; seed < 210; ++seed) {
    ValuePool pool(seed);
    const uint32_t dims = seed % 2 == 0 ? 1 : 3;
    const size_t cols = 1 + pool.rng()() % 6;
    const ScoreLink link = dims == 3 ? ScoreLink::kSoftmax : ScoreLink::kLogistic;
    CompiledForest compiled(cols, LinkOutputs(link, static_cast<int>(dims)));
    compiled.AddPart(link, std::vector<double>(dims, 0.25), 1.0);
    struct Level {
      std::vector<uint32_t> features;
      std::vector<float> borders, leaves;
    };
    std::vector<Level> trees(1 + pool.rng()() % 25);
    for (Level& t : trees) {
      const size_t depth = pool.rng()() % 7;
      for (size_t d = 0; d < depth; ++d) {
        t.features.push_back(static_cast<uint32_t>(pool.rng()() % cols));
        t.borders.push_back(pool.Threshold());
        pool.AddWithNeighbours(t.borders.back());
      }
      for (size_t i = 0; i < (size_t{1} << depth) * dims; ++i) {
        t.leaves.push_back(std::normal_distribution<float>(0.0f, 1.0f)(pool.rng()));
      }
      compiled.AddObliviousTree(t.features, t.borders, t.leaves, 0, dims, 1.0);
    }
    const Matrix x = pool.Rows(400, cols);
    const auto outputs = static_cast<size_t>(compiled.num_outputs());
    std::vector<float> got(x.rows * outputs);
    compiled.Predict(x, got.data(), 2);
    ExpectRowsAloneAsInTheBlock(compiled, x, got);
    for (size_t r = 0; r < x.rows; ++r) {
      std::vector<double> raw(dims, 0.25);
      for (const Level& t : trees) {
        size_t idx = 0;
        for (size_t d = 0; d < t.features.size(); ++d) {
          if (x.at(r, t.features[d]) > t.borders[d]) idx |= size_t{1} << d;
        }
        for (uint32_t k = 0; k < dims; ++k) raw[k] += t.leaves[idx * dims + k];
      }
      std::vector<double> want(outputs);
      if (dims == 1) {
        want[1] = 1.0 / (1.0 + std::exp(-raw[0]));
        want[0] = 1.0 - want[1];
      } else {
        double sum = 0;
        for (double v : raw) sum += std::exp(v);
        for (size_t k = 0; k < dims; ++k) want[k] = std::exp(raw[k]) / sum;
      }
      for (size_t k = 0; k < outputs; ++k) ASSERT_NEAR(got[r * outputs + k], want[k], 1e-6) << "seed " << seed;
    }
  }
}

// ------------------------------------------------- every kernel, bit for bit

// The kernels this processor runs, the scalar one first.
std::vector<TreeKernel> SupportedKernels() {
  std::vector<TreeKernel> kernels;
  for (TreeKernel k : {TreeKernel::kScalar, TreeKernel::kAvx2, TreeKernel::kAvx512}) {
    if (TreeKernelSupported(k)) kernels.push_back(k);
  }
  return kernels;
}

// One forest of every kind of tree (numeric, with categorical splits,
// oblivious; shallow and deep, few and many leaves) in `groups` raw scores.
CompiledForest MixedForest(ValuePool& pool, size_t cols, uint32_t groups, bool float_sum) {
  const ScoreLink link = groups > 1 ? ScoreLink::kSoftmax : ScoreLink::kLogistic;
  CompiledForest f(cols, LinkOutputs(link, static_cast<int>(groups)));
  f.AddPart(link, std::vector<double>(groups, 0.5), 1.0);
  if (float_sum) f.SetFloatSum(0);
  for (int t = 0; t < 40; ++t) {
    RandomTree tree;
    const int depth = t % 10 == 0 ? 12 : 1 + static_cast<int>(pool.rng()() % 8);
    tree.Grow(pool.rng(), pool, depth, cols, 1, t % 3 == 1);
    if (t % 6 == 1) {
      // Large codes: sets of more than 16 words, read word by word.
      for (auto& set : tree.categories) {
        if (!set.empty()) set.push_back(600 + static_cast<uint32_t>(pool.rng()() % 1200));
      }
    }
    f.AddTree(ToSourceTree(tree, static_cast<uint32_t>(t) % groups));
    if (t % 4 == 3) {
      std::vector<uint32_t> features;
      std::vector<float> borders, leaves;
      const size_t levels = pool.rng()() % 7;
      for (size_t d = 0; d < levels; ++d) {
        features.push_back(static_cast<uint32_t>(pool.rng()() % cols));
        borders.push_back(d == 2 ? kNaN : pool.Threshold());
        pool.AddWithNeighbours(borders.back());
      }
      for (size_t i = 0; i < (size_t{1} << levels); ++i) {
        leaves.push_back(std::normal_distribution<float>(0.0f, 1.0f)(pool.rng()));
      }
      f.AddObliviousTree(features, borders, leaves, static_cast<uint32_t>(t) % groups, 1, 1.0);
    }
  }
  return f;
}

// Every kernel in `kernels` gives f's scalar raw scores and outputs, bit
// for bit, on rows from `pool`.
void ExpectKernelsAgree(const CompiledForest& f, const std::vector<TreeKernel>& kernels, ValuePool& pool,
                        const std::string& what) {
  const size_t cols = f.num_features();
  for (const size_t rows : {size_t{1}, size_t{5}, size_t{64}, size_t{1000}}) {
    const Matrix x = pool.Rows(rows, cols);
    const size_t raw_size = rows * f.num_raw();
    const size_t out_size = rows * static_cast<size_t>(f.num_outputs());
    std::vector<double> want_raw(raw_size);
    std::vector<float> want_out(out_size);
    f.PredictRaw(x, 0, rows, want_raw.data(), TreeKernel::kScalar);
    f.Predict(x, want_out.data(), 2, TreeKernel::kScalar);
    for (TreeKernel k : kernels) {
      std::vector<double> raw(raw_size);
      std::vector<float> out(out_size);
      f.PredictRaw(x, 0, rows, raw.data(), k);
      f.Predict(x, out.data(), 2, k);
      ASSERT_EQ(std::memcmp(raw.data(), want_raw.data(), raw_size * sizeof(double)), 0)
          << TreeKernelName(k) << " " << what << " rows " << rows;
      ASSERT_EQ(std::memcmp(out.data(), want_out.data(), out_size * sizeof(float)), 0)
          << TreeKernelName(k) << " " << what << " rows " << rows;
    }
  }
}

TEST(CompiledForestKernels, EveryKernelGivesTheScalarResultsBitForBit) {
  const std::vector<TreeKernel> kernels = SupportedKernels();
  std::string names;
  for (TreeKernel k : kernels) names += std::string(" ") + TreeKernelName(k);
  std::cout << "[ kernels  ] comparing" << names << " (the ones this processor runs)\n";
  RecordProperty("kernels", names);
  std::vector<TreeKernel> compared = kernels;
  compared.push_back(TreeKernel::kAuto);  // which also picks scalar loops for small blocks
  // Trees by how the vector kernels take them (leaf masks of 32, 64, 128
  // bits, walks, oblivious), categorical sets by length: all are covered.
  std::vector<int> tree_kinds(5, 0);
  int short_sets = 0, long_sets = 0, tiny_sets = 0;
  for (uint32_t seed = 300; seed < 316; ++seed) {
    ValuePool pool(seed);
    for (float c : {0.0f, 4.0f, 5.0f, 31.0f, 32.0f, 69.0f, 70.0f, 511.0f, 512.0f, 1000.0f, 2.999f, -1.0f, -0.5f,
                    16777215.0f, 16777216.0f, 4294967296.0f}) {
      pool.Add(c);
    }
    for (int i = 0; i < 20; ++i) pool.Add(static_cast<float>(600 + pool.rng()() % 1300));
    const size_t cols = 1 + pool.rng()() % 9;
    const uint32_t groups = seed % 3 == 0 ? 3 : 1;
    const CompiledForest f = MixedForest(pool, cols, groups, seed % 2 == 0);
    for (const CompiledTree& t : f.trees()) {
      const int kind = t.kind == CompiledTree::Kind::kOblivious ? 4
                       : t.mask_leaves == 0                     ? 3
                       : t.mask_leaves > 64                     ? 2
                       : t.mask_leaves > 32                     ? 1
                                                                : 0;
      ++tree_kinds[kind];
    }
    for (const CategoricalSplit& split : f.categorical_splits()) {
      ++(split.words > 16 ? long_sets : short_sets);
      // AVX2's tiny sets: one word, categories 0 to 30.
      if (split.words == 1 && (f.category_words()[split.word_begin] >> 31) == 0) ++tiny_sets;
    }
    ExpectKernelsAgree(f, compared, pool, "seed " + std::to_string(seed));
    // Merged with another forest (trees re-indexed after the merge).
    const CompiledForest g = MixedForest(pool, cols, groups, seed % 2 != 0);
    const CompiledForest merged = MergeCompiledForests({{&f, 0.6}, {&g, 0.4}});
    ExpectKernelsAgree(merged, compared, pool, "merged, seed " + std::to_string(seed));
  }
  for (int kind = 0; kind < 5; ++kind) EXPECT_GT(tree_kinds[kind], 0) << "no trees of kind " << kind;
  EXPECT_GT(short_sets, 0);
  EXPECT_GT(long_sets, 0);
  EXPECT_GT(tiny_sets, 0);
  EXPECT_GT(short_sets, tiny_sets);
}

TEST(CompiledForestKernels, AutoPrefersAvx2ThenAvx512ThenScalar) {
  EXPECT_TRUE(TreeKernelSupported(TreeKernel::kScalar));
  const TreeKernel fastest = FastestTreeKernel();
  EXPECT_NE(fastest, TreeKernel::kAuto);
  EXPECT_TRUE(TreeKernelSupported(fastest));
  const TreeKernel expected = TreeKernelSupported(TreeKernel::kAvx2)     ? TreeKernel::kAvx2
                              : TreeKernelSupported(TreeKernel::kAvx512) ? TreeKernel::kAvx512
                                                                         : TreeKernel::kScalar;
  EXPECT_EQ(fastest, expected);
}

// ------------------------------------------------- structure and merging

TEST(CompiledForestStructure, RejectsTreesThatAreNotTrees) {
  CompiledForest f(3, 1);
  f.AddPart(ScoreLink::kIdentity, {0.0}, 1.0);
  SourceTree t;
  t.Resize(3, 1);
  t.left[0] = 1;
  t.right[0] = 1;  // the same child twice
  EXPECT_THROW(f.AddTree(t), InvalidInput);
  t.right[0] = 3;  // out of range
  EXPECT_THROW(f.AddTree(t), InvalidInput);
  t.right[0] = 2;
  t.feature[0] = 3;  // no such feature
  EXPECT_THROW(f.AddTree(t), InvalidInput);
  t.feature[0] = 2;
  t.output = 1;  // no such raw score
  EXPECT_THROW(f.AddTree(t), InvalidInput);
  t.output = 0;
  f.AddTree(t);
  EXPECT_EQ(f.trees().size(), 1u);
  EXPECT_EQ(f.trees()[0].depth, 1u);
}

TEST(CompiledForestStructure, ChildrenAreAdjacentAndLeavesLoop) {
  ValuePool pool(3);
  RandomTree t;
  t.Grow(pool.rng(), pool, 8, 4, 1, true);
  CompiledForest f(4, 1);
  f.AddPart(ScoreLink::kIdentity, {0.0}, 1.0);
  f.AddTree(ToSourceTree(t, 0));
  const auto& nodes = f.nodes();
  size_t leaves = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const uint32_t child = nodes[i].child & CompiledNode::kIndexMask;
    if ((nodes[i].child & CompiledNode::kLeaf) != 0) {
      EXPECT_EQ(child, i);
      ++leaves;
    } else {
      EXPECT_GT(child, i);
      EXPECT_LT(child + 1, nodes.size());
    }
  }
  EXPECT_EQ(leaves, static_cast<size_t>(std::count(t.feature.begin(), t.feature.end(), -1)));
}

TEST(CompiledForestMerge, WeightedMeanOfLogisticModelsKeepsTheirLinks) {
  ValuePool pool(9);
  std::vector<CompiledForest> models;
  std::vector<std::vector<RandomTree>> trees(3);
  for (int m = 0; m < 3; ++m) {
    CompiledForest f(3, 2);
    f.AddPart(ScoreLink::kLogistic, {0.1 * m}, 1.0);
    trees[m].resize(5);
    for (RandomTree& t : trees[m]) {
      t.Grow(pool.rng(), pool, 5, 3, 1, false);
      f.AddTree(ToSourceTree(t, 0));
    }
    models.push_back(std::move(f));
  }
  const CompiledForest merged = MergeCompiledForests({{&models[0], 0.5}, {&models[1], 0.3}, {&models[2], 0.2}});
  EXPECT_EQ(merged.parts().size(), 3u);  // no margins summed across models
  const Matrix x = pool.Rows(300, 3);
  std::vector<float> got(x.rows * 2), one(x.rows * 2);
  std::vector<double> want(x.rows * 2, 0.0);
  const double w[3] = {0.5, 0.3, 0.2};
  for (int m = 0; m < 3; ++m) {
    models[m].Predict(x, one.data(), 1);
    for (size_t i = 0; i < one.size(); ++i) want[i] += w[m] * one[i];
  }
  merged.Predict(x, got.data(), 1);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6);
}

TEST(CompiledForestMerge, RegressionModelsShareOneSumOfTrees) {
  ValuePool pool(10);
  std::vector<CompiledForest> models;
  for (int m = 0; m < 4; ++m) {
    CompiledForest f(2, 1);
    f.AddPart(ScoreLink::kIdentity, {1.0 + m}, 1.0);
    RandomTree t;
    t.Grow(pool.rng(), pool, 4, 2, 1, false);
    f.AddTree(ToSourceTree(t, 0));
    models.push_back(std::move(f));
  }
  const CompiledForest merged =
      MergeCompiledForests({{&models[0], 0.25}, {&models[1], 0.25}, {&models[2], 0.25}, {&models[3], 0.25}});
  ASSERT_EQ(merged.parts().size(), 1u);
  EXPECT_DOUBLE_EQ(merged.parts()[0].base[0], 2.5);
  const Matrix x = pool.Rows(200, 2);
  std::vector<float> got(x.rows), one(x.rows);
  std::vector<double> want(x.rows, 0.0);
  for (const CompiledForest& f : models) {
    f.Predict(x, one.data(), 1);
    for (size_t i = 0; i < one.size(); ++i) want[i] += 0.25 * one[i];
  }
  merged.Predict(x, got.data(), 1);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6);
  EXPECT_THROW(MergeCompiledForests({}), InvalidInput);
  CompiledForest other(3, 1);
  EXPECT_THROW(MergeCompiledForests({{&models[0], 0.5}, {&other, 0.5}}), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
