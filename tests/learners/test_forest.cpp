#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "learners/forest_format.h"
#include "learners/forest_learner.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Deterministic uniform [0, 1) stream, independent of the standard library.
class Uniform01 {
 public:
  explicit Uniform01(uint64_t seed) : state_(seed) {}
  double operator()() { return static_cast<double>(Mix64(state_++) >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

struct Dataset {
  Matrix x;
  std::vector<float> y;
};

// Binary, nonlinear, with missing values that carry signal: the class is the
// sign pattern of x0*x1, flipped whenever x2 is missing; x3 is missing at
// random (noise); x4..x7 are pure noise.
Dataset MakeBinary(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 8), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 8; ++c) d.x.at(r, c) = static_cast<float>(2 * u() - 1);
    bool label = d.x.at(r, 0) * d.x.at(r, 1) > 0;
    if (u() < 0.2) {
      d.x.at(r, 2) = kNaN;
      label = !label;
    }
    if (u() < 0.15) d.x.at(r, 3) = kNaN;
    if (u() < 0.03) label = !label;  // label noise
    d.y[r] = label ? 1.0f : 0.0f;
  }
  return d;
}

// Three classes by angular sector of (x0, x1); x2..x4 noise.
Dataset MakeMulticlass(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 5), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 5; ++c) d.x.at(r, c) = static_cast<float>(2 * u() - 1);
    double angle = std::atan2(d.x.at(r, 1), d.x.at(r, 0)) + M_PI;  // [0, 2pi]
    d.y[r] = static_cast<float>(std::min(2, static_cast<int>(angle / (2 * M_PI / 3))));
  }
  return d;
}

Dataset MakeRegression(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 6), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 6; ++c) d.x.at(r, c) = static_cast<float>(4 * u() - 2);
    double y = 2 * std::sin(2 * d.x.at(r, 0)) + d.x.at(r, 1) * d.x.at(r, 1) + 0.1 * (u() - 0.5);
    if (u() < 0.1) d.x.at(r, 5) = kNaN;
    d.y[r] = static_cast<float>(y);
  }
  return d;
}

std::unique_ptr<Learner> MakeLearner(const std::string& family, const Json& params = Json::object()) {
  LearnerRegistry registry;
  RegisterForestLearners(registry);
  return registry.Create(family, params);
}

FitOptions Options(Task task, int num_classes, int threads = 2, uint64_t seed = 7) {
  FitOptions o;
  o.task = task;
  o.num_classes = num_classes;
  o.threads = threads;
  o.seed = seed;
  return o;
}

std::vector<float> PredictAll(const Model& m, const Matrix& x, int threads = 2) {
  std::vector<float> out(x.rows * static_cast<size_t>(m.num_outputs()));
  m.Predict(x, out.data(), threads);
  return out;
}

double Accuracy(const std::vector<float>& proba, const std::vector<float>& y, int k) {
  size_t hits = 0;
  for (size_t r = 0; r < y.size(); ++r) {
    const float* p = proba.data() + r * static_cast<size_t>(k);
    hits += static_cast<float>(std::max_element(p, p + k) - p) == y[r] ? 1 : 0;
  }
  return static_cast<double>(hits) / static_cast<double>(y.size());
}

// The simplest possible traversal of the saved arrays: the oracle for the
// blocked, multi-threaded predictor.
std::vector<double> ReferenceMean(const FlatForest& f, const Matrix& x) {
  const auto vpl = static_cast<size_t>(f.values_per_leaf());
  std::vector<double> out(x.rows * vpl, 0.0);
  for (size_t r = 0; r < x.rows; ++r) {
    for (size_t t = 0; t < f.num_trees(); ++t) {
      const size_t base = f.tree_begin()[t];
      size_t node = base;
      while (f.feature()[node] >= 0) {
        const float v = x.at(r, static_cast<size_t>(f.feature()[node]));
        const bool left = std::isnan(v) ? f.default_left()[node] == 1 : v <= f.threshold()[node];
        node = base + static_cast<size_t>(left ? f.left()[node] : f.right()[node]);
      }
      for (size_t k = 0; k < vpl; ++k)
        out[r * vpl + k] += f.leaf_values()[static_cast<size_t>(f.value_offset()[node]) + k];
    }
    for (size_t k = 0; k < vpl; ++k) out[r * vpl + k] /= static_cast<double>(f.num_trees());
  }
  return out;
}

class ForestFamilies : public ::testing::TestWithParam<std::string> {};

TEST_P(ForestFamilies, BinaryNonlinearWithInformativeMissingValues) {
  const Dataset train = MakeBinary(4000, 1);
  const Dataset test = MakeBinary(2000, 2);
  auto learner = MakeLearner(GetParam(), Json{{"n_estimators", 60}});
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  ASSERT_EQ(model->num_outputs(), 2);
  const auto proba = PredictAll(*model, test.x);
  for (size_t r = 0; r < test.x.rows; ++r) EXPECT_NEAR(proba[2 * r] + proba[2 * r + 1], 1.0f, 1e-6f);
  // 3% label noise caps accuracy near 0.97; a model ignoring the missing-value
  // flip tops out near 0.78. scikit-learn 1.2 on the same rows (NaN imputed as
  // -999, its best case) reaches 0.91-0.93 (RF) and 0.89-0.91 (ET).
  const bool rf = GetParam() == "random_forest";
  EXPECT_GT(Accuracy(proba, test.y, 2), rf ? 0.88 : 0.85) << GetParam();
  EXPECT_GT(testing::RankAuc(testing::PositiveColumn(proba), test.y), rf ? 0.93 : 0.92) << GetParam();
}

TEST_P(ForestFamilies, Multiclass) {
  const Dataset train = MakeMulticlass(3000, 3);
  const Dataset test = MakeMulticlass(1500, 4);
  auto model = MakeLearner(GetParam(), Json{{"n_estimators", 50}})
                   ->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  ASSERT_EQ(model->num_outputs(), 3);
  const auto proba = PredictAll(*model, test.x);
  for (size_t r = 0; r < test.x.rows; ++r) {
    EXPECT_NEAR(proba[3 * r] + proba[3 * r + 1] + proba[3 * r + 2], 1.0f, 1e-5f);
  }
  EXPECT_GT(Accuracy(proba, test.y, 3), 0.9) << GetParam();
}

TEST_P(ForestFamilies, RegressionR2) {
  const Dataset train = MakeRegression(3000, 5);
  const Dataset test = MakeRegression(1500, 6);
  auto model = MakeLearner(GetParam(), Json{{"n_estimators", 50}})
                   ->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kRegression, 1));
  ASSERT_EQ(model->num_outputs(), 1);
  const auto pred = PredictAll(*model, test.x);
  double mean = std::accumulate(test.y.begin(), test.y.end(), 0.0) / static_cast<double>(test.y.size());
  double ss_res = 0, ss_tot = 0;
  for (size_t r = 0; r < test.y.size(); ++r) {
    ss_res += (pred[r] - test.y[r]) * (pred[r] - test.y[r]);
    ss_tot += (test.y[r] - mean) * (test.y[r] - mean);
  }
  EXPECT_GT(1 - ss_res / ss_tot, 0.9) << GetParam();
}

TEST_P(ForestFamilies, SameSeedSameModelForAnyThreadCount) {
  const Dataset train = MakeBinary(1500, 8);
  auto learner = MakeLearner(GetParam(), Json{{"n_estimators", 12}});
  const TrainData data{&train.x, &train.y, nullptr};
  const std::string one = learner->Fit(data, nullptr, Options(Task::kBinary, 2, 1, 42))->Serialize();
  const std::string two = learner->Fit(data, nullptr, Options(Task::kBinary, 2, 2, 42))->Serialize();
  const std::string five = learner->Fit(data, nullptr, Options(Task::kBinary, 2, 5, 42))->Serialize();
  const std::string other = learner->Fit(data, nullptr, Options(Task::kBinary, 2, 2, 43))->Serialize();
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, five);
  EXPECT_NE(one, other);
}

TEST_P(ForestFamilies, RoundTripIsBitIdenticalAndMatchesReferenceTraversal) {
  const Dataset train = MakeMulticlass(1200, 9);
  const Dataset test = MakeMulticlass(700, 10);
  auto learner = MakeLearner(GetParam(), Json{{"n_estimators", 15}});
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  const std::string bytes = model->Serialize();
  auto loaded = learner->Load(bytes, Options(Task::kMulticlass, 3));
  EXPECT_EQ(loaded->Serialize(), bytes);
  const auto a = PredictAll(*model, test.x, 1);
  const auto b = PredictAll(*loaded, test.x, 3);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);

  const ForestModelData data = DecodeForest(bytes);
  const auto ref = ReferenceMean(data.forest, test.x);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_FLOAT_EQ(a[i], static_cast<float>(ref[i])) << i;
}

TEST_P(ForestFamilies, ExpiredDeadlineStillBuildsOneTree) {
  const Dataset train = MakeBinary(500, 11);
  FitOptions o = Options(Task::kBinary, 2);
  o.deadline = Deadline::In(1e-9);
  auto model = MakeLearner(GetParam())->Fit({&train.x, &train.y, nullptr}, nullptr, o);
  EXPECT_EQ(model->Info()["trees"].get<int>(), 1);
  EXPECT_TRUE(model->Info()["stopped_by_deadline"].get<bool>());
  EXPECT_EQ(PredictAll(*model, train.x).size(), 2 * train.x.rows);
}

TEST_P(ForestFamilies, OutOfBagPredictionsScoreLikeUnseenRows) {
  // Fully grown trees nearly memorize their rows: in-sample predictions are
  // far better than on new rows. Out-of-bag predictions must not be: each
  // row is scored only by trees that did not see it.
  const Dataset train = MakeBinary(2000, 21);
  const Dataset test = MakeBinary(2000, 22);
  auto learner = MakeLearner(GetParam(), Json{{"n_estimators", 150}, {"bootstrap", true}});
  ASSERT_TRUE(learner->has_own_oof());
  Matrix oof;
  auto model = learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, Options(Task::kBinary, 2), &oof);
  ASSERT_EQ(oof.rows, train.x.rows);
  ASSERT_EQ(oof.cols, 2u);
  for (size_t r = 0; r < oof.rows; ++r) ASSERT_NEAR(oof.at(r, 0) + oof.at(r, 1), 1.0f, 1e-6f) << r;
  const std::vector<float> oof_values(oof.values.begin(), oof.values.end());
  const double in_sample = Accuracy(PredictAll(*model, train.x), train.y, 2);
  const double out_of_bag = Accuracy(oof_values, train.y, 2);
  const double unseen = Accuracy(PredictAll(*model, test.x), test.y, 2);
  EXPECT_GT(in_sample, unseen + 0.05);
  // Not optimistic; a little pessimistic, as each row sees ~37% of the trees.
  EXPECT_LT(out_of_bag, unseen + 0.02);
  EXPECT_GT(out_of_bag, unseen - 0.06);
  // The same trees as a plain fit with the same options.
  EXPECT_EQ(model->Serialize(),
            learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2))->Serialize());
}

TEST_P(ForestFamilies, OutOfBagPredictionsDoNotDependOnTheThreadCount) {
  const Dataset train = MakeMulticlass(900, 23);
  auto learner = MakeLearner(GetParam(), Json{{"n_estimators", 25}, {"bootstrap", true}});
  Matrix one, four;
  learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, Options(Task::kMulticlass, 3, 1, 5), &one);
  learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, Options(Task::kMulticlass, 3, 4, 5), &four);
  ASSERT_EQ(one.values.size(), train.x.rows * 3);
  ASSERT_EQ(one.values.size(), four.values.size());
  EXPECT_EQ(std::memcmp(one.values.data(), four.values.data(), one.values.size() * sizeof(float)), 0);
  for (size_t r = 0; r < one.rows; ++r) {
    ASSERT_NEAR(one.at(r, 0) + one.at(r, 1) + one.at(r, 2), 1.0f, 1e-5f) << r;
  }
  EXPECT_GT(Accuracy(std::vector<float>(one.values.begin(), one.values.end()), train.y, 3), 0.8);
}

INSTANTIATE_TEST_SUITE_P(Forest, ForestFamilies, ::testing::Values("random_forest", "extra_trees"));

TEST(Forest, OutOfBagRegressionAndRowsNoTreeLeftOut) {
  const Dataset train = MakeRegression(1500, 24);
  const Dataset test = MakeRegression(1500, 25);
  auto learner = MakeLearner("random_forest", Json{{"n_estimators", 40}});
  Matrix oof;
  auto model = learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, Options(Task::kRegression, 1), &oof);
  ASSERT_EQ(oof.cols, 1u);
  auto r2 = [](const std::vector<float>& pred, const std::vector<float>& y) {
    double mean = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(y.size());
    double ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      ss_res += (y[i] - pred[i]) * (y[i] - pred[i]);
      ss_tot += (y[i] - mean) * (y[i] - mean);
    }
    return 1 - ss_res / ss_tot;
  };
  const double oob_r2 = r2(std::vector<float>(oof.values.begin(), oof.values.end()), train.y);
  const double test_r2 = r2(PredictAll(*model, test.x), test.y);
  EXPECT_GT(oob_r2, 0.8);
  EXPECT_NEAR(oob_r2, test_r2, 0.03);
  // In-sample errors are far smaller: the trees saw those rows.
  EXPECT_LT(1 - r2(PredictAll(*model, train.x), train.y), 0.5 * (1 - oob_r2));

  // One tree (the deadline passed at once): the ~37% of rows it left out get
  // its prediction, every other row the training mean.
  FitOptions expired = Options(Task::kRegression, 1);
  expired.deadline = Deadline::In(1e-9);
  Matrix one_tree;
  auto stump = learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, expired, &one_tree);
  ASSERT_EQ(stump->Info()["trees"].get<int>(), 1);
  const float mean =
      static_cast<float>(std::accumulate(train.y.begin(), train.y.end(), 0.0) / static_cast<double>(train.y.size()));
  const std::vector<float> tree_pred = PredictAll(*stump, train.x);
  size_t at_mean = 0;
  for (size_t r = 0; r < train.x.rows; ++r) {
    if (one_tree.at(r, 0) == mean) {
      ++at_mean;
    } else {
      ASSERT_EQ(one_tree.at(r, 0), tree_pred[r]) << r;
    }
  }
  EXPECT_NEAR(static_cast<double>(at_mean) / static_cast<double>(train.x.rows), 1 - std::exp(-1.0), 0.04);
}

TEST(Forest, OutOfBagNeedsBootstrap) {
  const Dataset train = MakeBinary(200, 26);
  auto learner = MakeLearner("extra_trees", Json{{"n_estimators", 3}});
  EXPECT_FALSE(learner->has_own_oof());
  Matrix oof;
  EXPECT_THROW(learner->FitWithOwnOOF({&train.x, &train.y, nullptr}, Options(Task::kBinary, 2), &oof), Internal);
}

TEST(Forest, FullyGrownTreesReproduceDistinctTrainingRows) {
  // Without bootstrap every leaf is pure, so training rows (NaNs included) must
  // be classified exactly: proves the binned splits and the raw-float
  // thresholds agree, and NaN follows the learned default branch.
  const Dataset train = MakeBinary(800, 12);
  auto model = MakeLearner("random_forest", Json{{"n_estimators", 3}, {"bootstrap", false}, {"max_features", "all"}})
                   ->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  const auto proba = PredictAll(*model, train.x);
  for (size_t r = 0; r < train.x.rows; ++r) ASSERT_EQ(proba[2 * r + 1], train.y[r]) << "row " << r;
}

TEST(Forest, EntropyCriterionAndLimitsShrinkTrees) {
  const Dataset train = MakeBinary(2000, 13);
  const TrainData data{&train.x, &train.y, nullptr};
  auto full = MakeLearner("random_forest", Json{{"n_estimators", 5}, {"criterion", "entropy"}})
                  ->Fit(data, nullptr, Options(Task::kBinary, 2));
  auto small = MakeLearner("random_forest", Json{{"n_estimators", 5}, {"max_depth", 3}, {"min_samples_leaf", 20}})
                   ->Fit(data, nullptr, Options(Task::kBinary, 2));
  EXPECT_LE(small->Info()["nodes"].get<int>(), 5 * 15);  // depth 3: at most 15 nodes per tree
  EXPECT_GT(full->Info()["nodes"].get<int>(), 5 * 100);
  const ForestModelData d = DecodeForest(small->Serialize());
  for (size_t t = 0; t < d.forest.num_trees(); ++t) {
    EXPECT_LE(d.forest.tree_begin()[t + 1] - d.forest.tree_begin()[t], 15u);
  }
}

TEST(Forest, WeightsSteerLeafValues) {
  // One constant feature: each tree is a single leaf whose value is the
  // weighted class frequency.
  Matrix x(4, 1, 1.0f);
  std::vector<float> y = {0, 0, 1, 1};
  std::vector<float> w = {1, 1, 3, 3};
  auto model =
      MakeLearner("extra_trees", Json{{"n_estimators", 2}})->Fit({&x, &y, &w}, nullptr, Options(Task::kBinary, 2));
  const auto proba = PredictAll(*model, x);
  EXPECT_FLOAT_EQ(proba[1], 0.75f);
}

TEST(Forest, ParamsAreDeclaredAndChecked) {
  LearnerRegistry registry;
  RegisterForestLearners(registry);
  EXPECT_TRUE(registry.Create("random_forest", Json::object())->params().Bool("bootstrap"));
  EXPECT_FALSE(registry.Create("extra_trees", Json::object())->params().Bool("bootstrap"));
  EXPECT_EQ(registry.Create("extra_trees", Json::object())->params().Int("n_estimators"), 300);
  EXPECT_EQ(registry.Create("random_forest", Json::object())->flavor(), FeatureFlavor::kTree);
  EXPECT_FALSE(registry.Create("random_forest", Json::object())->early_stops());
  EXPECT_THROW(registry.Create("random_forest", Json{{"n_trees", 5}}), InvalidInput);
  EXPECT_THROW(registry.Create("random_forest", Json{{"criterion", "mse"}}), InvalidInput);
  EXPECT_THROW(registry.Create("random_forest", Json{{"max_features", "half"}}), InvalidInput);
  EXPECT_THROW(registry.Create("random_forest", Json{{"max_features", "1.5"}}), InvalidInput);
  EXPECT_THROW(registry.Create("random_forest", Json{{"max_bins", 256}}), InvalidInput);
  for (const char* ok : {"auto", "sqrt", "log2", "all", "0.3", "1"}) {
    EXPECT_NO_THROW(registry.Create("extra_trees", Json{{"max_features", ok}})) << ok;
  }
}

TEST(Forest, BadInputsThrowInvalidInput) {
  const Dataset train = MakeBinary(100, 14);
  auto learner = MakeLearner("random_forest", Json{{"n_estimators", 2}});
  std::vector<float> bad = train.y;
  bad[5] = 2;  // not a class of a binary problem
  EXPECT_THROW(learner->Fit({&train.x, &bad, nullptr}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  std::vector<float> neg(train.y.size(), 1.0f);
  neg[3] = -1;
  EXPECT_THROW(learner->Fit({&train.x, &train.y, &neg}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  Matrix narrow(3, 7);
  std::vector<float> out(6);
  EXPECT_THROW(model->Predict(narrow, out.data(), 1), InvalidInput);
}

TEST(Forest, CorruptBytesAreRejected) {
  const Dataset train = MakeRegression(400, 15);
  auto learner = MakeLearner("random_forest", Json{{"n_estimators", 4}});
  const std::string bytes =
      learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kRegression, 1))->Serialize();
  const FitOptions o = Options(Task::kRegression, 1);
  size_t step = std::max<size_t>(1, bytes.size() / 500);
  for (size_t len = 0; len < bytes.size(); len += step) {
    EXPECT_THROW(learner->Load(bytes.substr(0, len), o), InvalidInput) << "length " << len;
  }
  EXPECT_THROW(learner->Load(bytes + "x", o), InvalidInput);
  Uniform01 u(99);
  for (int trial = 0; trial < 200; ++trial) {
    std::string garbage(static_cast<size_t>(u() * 2000), '\0');
    for (char& c : garbage) c = static_cast<char>(static_cast<uint8_t>(u() * 256));
    if (trial % 2 == 0 && garbage.size() >= 8) std::memcpy(garbage.data(), "TPFOREST", 8);  // get past the magic
    EXPECT_THROW(learner->Load(garbage, o), InvalidInput);
    std::string flipped = bytes;
    flipped[static_cast<size_t>(u() * static_cast<double>(bytes.size()))] ^=
        static_cast<char>(static_cast<uint8_t>(1 + u() * 255));
    EXPECT_THROW(learner->Load(flipped, o), InvalidInput);
  }
  try {
    learner->Load(bytes.substr(0, bytes.size() / 2), o);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt forest model"), std::string::npos) << e.what();
  }
}

TEST(Forest, ValidationCatchesCyclesAndBadOffsetsBehindAGoodChecksum) {
  auto make = [](std::vector<int32_t> left, std::vector<int32_t> right, std::vector<int32_t> offset) {
    return FlatForest::FromArrays(2, 1, {0, 3}, {0, -1, -1}, {0.5f, 0, 0}, std::move(left), std::move(right), {1, 0, 0},
                                  std::move(offset), {0.25f, 0.75f});
  };
  EXPECT_NO_THROW(make({1, 0, 0}, {2, 0, 0}, {-1, 0, 1}));
  EXPECT_THROW(make({0, 0, 0}, {2, 0, 0}, {-1, 0, 1}), InvalidInput);  // self loop
  EXPECT_THROW(make({1, 0, 0}, {3, 0, 0}, {-1, 0, 1}), InvalidInput);  // child past the tree
  EXPECT_THROW(make({1, 0, 0}, {2, 0, 0}, {-1, 0, 2}), InvalidInput);  // leaf value past the end
}

// ForestFitBytes bounds what a fit builds: the model 4.5 times (as built,
// copied into it, then its bytes, their decoded copy and its compiled form
// while the search times it), however the leaves come out, and not by
// orders of magnitude (the planner cuts trees by it). Bootstrapped or not:
// a bootstrapped leaf's size counts draws, not distinct rows.
void CheckFitBytesBound(const Dataset& train, const std::string& labels) {
  for (const char* family : {"extra_trees", "random_forest"}) {
    for (bool bootstrap : {false, true}) {
      for (int leaf : {1, 3, 20}) {
        LearnerRegistry registry;
        RegisterForestLearners(registry);
        auto learner =
            registry.Create(family, Json{{"n_estimators", 30}, {"min_samples_leaf", leaf}, {"bootstrap", bootstrap}});
        const auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2));
        const double nodes = model->Info()["nodes"].get<double>();
        const double bound = ForestFitBytes(train.x.rows, train.x.cols, 2, learner->params());
        const double model_bytes = nodes * 21 + (nodes + 1) / 2 * 4;  // forest_tree.h: 21 bytes a node, a float a leaf
        const std::string what =
            labels + ", " + family + (bootstrap ? " bootstrapped" : "") + ", leaf " + std::to_string(leaf);
        EXPECT_GE(bound, 4.5 * model_bytes) << what << ": " << nodes << " nodes";
        EXPECT_GE(bound, 4.5 * static_cast<double>(model->Serialize().size())) << what;
        EXPECT_LT(bound, 30 * model_bytes) << what << ": " << nodes << " nodes";
      }
    }
  }
}

TEST(Forest, FitBytesBoundTheModelAndItsCopies) {
  CheckFitBytesBound(MakeBinary(3000, 17), "x0*x1 labels");
  // Labels no feature explains: every tree splits down to its leaf size,
  // the most nodes a fit can build.
  Dataset coin = MakeBinary(3000, 18);
  Uniform01 u(19);
  for (float& y : coin.y) y = u() < 0.5 ? 1.0f : 0.0f;
  CheckFitBytesBound(coin, "coin labels");
}

}  // namespace
}  // namespace tabpilot
