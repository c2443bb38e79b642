#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "learners/oblivious_learner.h"
#include "learners/target_statistics.h"
#include "support/matrix_blocks.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

// Deterministic uniform [0, 1) stream, independent of the standard library.
class Uniform01 {
 public:
  explicit Uniform01(uint64_t seed) : state_(Mix64(seed) << 20) {}  // streams of nearby seeds must not overlap
  double operator()() { return static_cast<double>(Mix64(state_++) >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

struct Dataset {
  Matrix x;
  std::vector<float> y;
  std::vector<size_t> categorical;
  std::vector<double> logit;  // MakeCategorical: the logit each label was drawn from
};

// Binary; columns: 0 numeric (signal), 1 numeric with missing values (noise),
// 2 a 30-level category with its own positive rate per level, 3 and 4 two
// 6-level categories whose *pair* decides part of the label (parity of the
// codes' sum), 5 a 2-level category (signal).
Dataset MakeCategorical(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 6), std::vector<float>(rows), {2, 3, 4, 5}, std::vector<double>(rows)};
  std::vector<double> level_rate(30);
  Uniform01 rates(99);
  for (double& r : level_rate) r = rates();
  for (size_t r = 0; r < rows; ++r) {
    const double x0 = 2 * u() - 1;
    d.x.at(r, 0) = static_cast<float>(x0);
    d.x.at(r, 1) = u() < 0.2 ? kNaN : static_cast<float>(u());
    const auto c2 = static_cast<int>(u() * 30);
    const auto c3 = static_cast<int>(u() * 6);
    const auto c4 = static_cast<int>(u() * 6);
    const auto c5 = static_cast<int>(u() * 2);
    d.x.at(r, 2) = static_cast<float>(c2);
    d.x.at(r, 3) = static_cast<float>(c3);
    d.x.at(r, 4) = static_cast<float>(c4);
    d.x.at(r, 5) = static_cast<float>(c5);
    const double logit = 1.5 * x0 + 3.0 * (level_rate[static_cast<size_t>(c2)] - 0.5) +
                         ((c3 + c4) % 2 == 0 ? 1.2 : -1.2) + (c5 ? 0.5 : -0.5);
    d.y[r] = u() < 1.0 / (1.0 + std::exp(-logit)) ? 1.0f : 0.0f;
    d.logit[r] = logit;
  }
  return d;
}

Dataset MakeMulticlass(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 4), std::vector<float>(rows), {3}, {}};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 3; ++c) d.x.at(r, c) = static_cast<float>(2 * u() - 1);
    const auto cat = static_cast<int>(u() * 9);
    d.x.at(r, 3) = static_cast<float>(cat);
    const double angle = std::atan2(d.x.at(r, 1), d.x.at(r, 0)) + M_PI;
    int label = std::min(2, static_cast<int>(angle / (2 * M_PI / 3)));
    if (cat == 0) label = 0;  // one category overrides the geometry
    d.y[r] = static_cast<float>(label);
  }
  return d;
}

Dataset MakeRegression(size_t rows, uint64_t seed) {
  Uniform01 u(seed);
  Dataset d{Matrix(rows, 4), std::vector<float>(rows), {3}, {}};
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < 3; ++c) d.x.at(r, c) = static_cast<float>(4 * u() - 2);
    const auto cat = static_cast<int>(u() * 12);
    d.x.at(r, 3) = static_cast<float>(cat);
    if (u() < 0.1) d.x.at(r, 2) = kNaN;
    d.y[r] = static_cast<float>(2 * std::sin(2 * d.x.at(r, 0)) + d.x.at(r, 1) * d.x.at(r, 1) + 0.3 * cat +
                                0.1 * (u() - 0.5));
  }
  return d;
}

std::unique_ptr<Learner> MakeLearner(const Json& params = Json::object()) {
  LearnerRegistry registry;
  RegisterObliviousLearner(registry);
  return registry.Create("oblivious_boost", params);
}

FitOptions Options(Task task, int num_classes, const std::vector<size_t>* categorical, int threads = 2) {
  FitOptions o;
  o.task = task;
  o.num_classes = num_classes;
  o.threads = threads;
  o.seed = 11;
  o.categorical_features = categorical;
  return o;
}

std::vector<float> PredictAll(const Model& m, const Matrix& x, int threads = 2) {
  std::vector<float> out(x.rows * static_cast<size_t>(m.num_outputs()));
  m.Predict(x, out.data(), threads);
  return out;
}

// Mean logloss of binary probabilities [1-p, p].
double LogLoss(const std::vector<float>& proba, const std::vector<float>& y) {
  double s = 0;
  for (size_t r = 0; r < y.size(); ++r) {
    s -= std::log(std::clamp(static_cast<double>(proba[2 * r + (y[r] > 0.5f ? 1 : 0)]), 1e-7, 1.0));
  }
  return s / static_cast<double>(y.size());
}

TEST(TargetStatistics, OrderedValuesNeverSeeTheRowsOwnTarget) {
  // An ID-like column: every row its own category. Ordered statistics must
  // then be the prior for every training row (no row precedes it in its
  // category), while the full statistics do reveal each row's own target.
  const size_t rows = 200;
  Matrix x(rows, 1);
  std::vector<float> y(rows);
  for (size_t r = 0; r < rows; ++r) {
    x.at(r, 0) = static_cast<float>(r);
    y[r] = r % 4 == 0 ? 1.0f : 0.0f;
  }
  for (int permutations : {1, 4}) {
    Matrix train;
    TargetStatistics::Fit(x, y, Task::kBinary, 2, {0}, false, permutations, 5, &train);
    for (size_t r = 0; r < rows; ++r) {
      EXPECT_FLOAT_EQ(train.at(r, 0), 0.25f) << "row " << r << ", " << permutations << " permutations";
      // The share of rows in the category holds no target: the full one.
      EXPECT_FLOAT_EQ(train.at(r, 1), 1.0f / rows) << "row " << r;
    }
  }
  Matrix train;
  const TargetStatistics ts = TargetStatistics::Fit(x, y, Task::kBinary, 2, {0}, false, 1, 5, &train);
  ASSERT_EQ(ts.num_features(), 2u);  // mean + frequency
  std::vector<float> full(rows * 2);
  ts.Transform(x, 0, rows, full.data());
  for (size_t r = 0; r < rows; ++r) {
    EXPECT_FLOAT_EQ(full[2 * r], (y[r] + 0.25f) / 2.0f) << "row " << r;
    EXPECT_FLOAT_EQ(full[2 * r + 1], 1.0f / rows);
  }
}

TEST(TargetStatistics, OrderedValuesCountThePrecedingRowsOfTheCategory) {
  // Four rows of category 7, all positive, and four of category 3, all
  // negative: whatever the permutation, category 7's rows see 0..3 earlier
  // positives and category 3's rows 0..3 earlier negatives.
  Matrix x(8, 1);
  std::vector<float> y(8);
  for (size_t r = 0; r < 8; ++r) {
    x.at(r, 0) = r % 2 == 0 ? 7.0f : 3.0f;
    y[r] = r % 2 == 0 ? 1.0f : 0.0f;
  }
  Matrix train;
  const TargetStatistics ts = TargetStatistics::Fit(x, y, Task::kBinary, 2, {0}, false, 1, 17, &train);
  std::vector<float> pos, neg;
  for (size_t r = 0; r < 8; ++r) (r % 2 == 0 ? pos : neg).push_back(train.at(r, 0));
  std::sort(pos.begin(), pos.end());
  std::sort(neg.begin(), neg.end(), std::greater<>());
  for (int k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(pos[static_cast<size_t>(k)], (k + 0.5f) / (k + 1.0f));
    EXPECT_FLOAT_EQ(neg[static_cast<size_t>(k)], 0.5f / (k + 1.0f));
  }
  // Every training row's frequency is its category's share of all rows, as
  // for new rows: counted in order it would run from 0 to 3/8, values new
  // rows never show.
  for (size_t r = 0; r < 8; ++r) EXPECT_FLOAT_EQ(train.at(r, 1), 0.5f) << "row " << r;
  // Unseen and missing categories: the prior (missing was never seen here).
  Matrix fresh(2, 1);
  fresh.at(0, 0) = 42.0f;
  fresh.at(1, 0) = kNaN;
  std::vector<float> out(4);
  ts.Transform(fresh, 0, 2, out.data());
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[2], 0.5f);
}

TEST(TargetStatistics, PairsAndMulticlassDimensions) {
  Dataset d = MakeMulticlass(300, 3);
  Matrix x(300, 2);
  for (size_t r = 0; r < 300; ++r) {
    x.at(r, 0) = d.x.at(r, 3);
    x.at(r, 1) = static_cast<float>(r % 5);
  }
  Matrix train;
  const TargetStatistics ts = TargetStatistics::Fit(x, d.y, Task::kMulticlass, 3, {0, 1}, true, 3, 1, &train);
  EXPECT_EQ(ts.num_tables(), 3u);            // two columns and their pair
  EXPECT_EQ(ts.num_features(), 3u * 3 + 2);  // 3 class shares per table + 2 frequencies
  EXPECT_EQ(ts.FeatureName(6), "ctr(0,1)[0]");
  EXPECT_EQ(ts.FeatureName(9), "freq(0)");
  // Per table, the class shares of a category add up to (count + 1) / (count + 1) = 1.
  std::vector<float> out(300 * ts.num_features());
  ts.Transform(x, 0, 300, out.data());
  for (size_t r = 0; r < 300; ++r) {
    for (size_t t = 0; t < 3; ++t) {
      const float* p = out.data() + r * ts.num_features() + t * 3;
      EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-5f);
    }
  }
}

TEST(TargetStatistics, FittedOnTheCategoricalColumnsAloneThenMappedToTheWholeTable) {
  Dataset d = MakeCategorical(500, 5);
  Matrix cats(500, 2);  // columns 4 and 2 of d.x, in that order
  for (size_t r = 0; r < 500; ++r) {
    cats.at(r, 0) = d.x.at(r, 4);
    cats.at(r, 1) = d.x.at(r, 2);
  }
  Matrix whole_train, alone_train;
  const TargetStatistics whole = TargetStatistics::Fit(d.x, d.y, Task::kBinary, 2, {4, 2}, true, 2, 7, &whole_train);
  TargetStatistics alone = TargetStatistics::Fit(cats, d.y, Task::kBinary, 2, {0, 1}, true, 2, 7, &alone_train);
  EXPECT_EQ(alone_train.values, whole_train.values);
  alone.MapColumns({4, 2});
  EXPECT_EQ(alone.FeatureColumns(2), (std::vector<uint32_t>{4, 2}));  // the pair's table
  std::vector<float> a(500 * whole.num_features()), b(a.size());
  whole.Transform(d.x, 0, 500, a.data());
  alone.Transform(d.x, 0, 500, b.data());
  EXPECT_EQ(a, b);
  // A column with no new index is refused.
  TargetStatistics short_map = TargetStatistics::Fit(cats, d.y, Task::kBinary, 2, {0, 1}, false, 1, 7, &alone_train);
  const std::string message = testing::InvalidMessage([&] { short_map.MapColumns({4}); });
  EXPECT_NE(message.find("column 1 has no new index"), std::string::npos) << message;
}

TEST(Oblivious, BinaryLearnsCategoriesAndTheirPairs) {
  Dataset train = MakeCategorical(6000, 1);
  Dataset valid = MakeCategorical(2000, 2);
  Dataset test = MakeCategorical(4000, 3);
  // Target statistics for every categorical column (none is split by its levels).
  auto learner =
      MakeLearner(Json{{"learning_rate", 0.1}, {"cat_pairs", true}, {"ctr_permutations", 4}, {"one_hot_max_size", 0}});
  TrainData tr{&train.x, &train.y, nullptr};
  TrainData va{&valid.x, &valid.y, nullptr};
  auto model = learner->Fit(tr, &va, Options(Task::kBinary, 2, &train.categorical));
  const std::vector<float> p = PredictAll(*model, test.x);
  for (size_t r = 0; r < test.x.rows; ++r) EXPECT_NEAR(p[2 * r] + p[2 * r + 1], 1.0f, 1e-5f);
  const double auc = testing::RankAuc(testing::PositiveColumn(p), test.y);
  // The same learner told nothing about categories treats codes as numbers
  // and cannot see the parity of the pair.
  auto plain = learner->Fit(tr, &va, Options(Task::kBinary, 2, nullptr));
  const double plain_auc = testing::RankAuc(testing::PositiveColumn(PredictAll(*plain, test.x)), test.y);
  EXPECT_GT(auc, 0.80);
  EXPECT_GT(auc, plain_auc + 0.02) << "with categories " << auc << ", codes as numbers " << plain_auc;
  EXPECT_LT(LogLoss(p, test.y), 0.55);
  const Json info = model->Info();
  EXPECT_EQ(info.at("ctr_tables").get<int>(), 3 + 3);  // columns 2, 3, 4 and their pairs; 5 is two-level
  EXPECT_LT(info.at("trees").get<int>(), 2000);        // early stopping ended it
}

TEST(Oblivious, MulticlassAndRegression) {
  Dataset mtrain = MakeMulticlass(3000, 4), mtest = MakeMulticlass(2000, 5);
  auto learner = MakeLearner(Json{{"iterations", 300}, {"learning_rate", 0.15}});
  auto mc = learner->Fit({&mtrain.x, &mtrain.y, nullptr}, nullptr, Options(Task::kMulticlass, 3, &mtrain.categorical));
  ASSERT_EQ(mc->num_outputs(), 3);
  const std::vector<float> p = PredictAll(*mc, mtest.x);
  size_t hits = 0;
  for (size_t r = 0; r < mtest.x.rows; ++r) {
    const float* q = p.data() + 3 * r;
    EXPECT_NEAR(q[0] + q[1] + q[2], 1.0f, 1e-5f);
    hits += static_cast<float>(std::max_element(q, q + 3) - q) == mtest.y[r] ? 1 : 0;
  }
  EXPECT_GT(static_cast<double>(hits) / static_cast<double>(mtest.x.rows), 0.9);

  Dataset rtrain = MakeRegression(3000, 6), rtest = MakeRegression(2000, 7);
  auto rg = learner->Fit({&rtrain.x, &rtrain.y, nullptr}, nullptr, Options(Task::kRegression, 1, &rtrain.categorical));
  ASSERT_EQ(rg->num_outputs(), 1);
  const std::vector<float> q = PredictAll(*rg, rtest.x);
  double mean = 0;
  for (float v : rtest.y) mean += v;
  mean /= static_cast<double>(rtest.y.size());
  double sse = 0, sst = 0;
  for (size_t r = 0; r < q.size(); ++r) {
    sse += (q[r] - rtest.y[r]) * (q[r] - rtest.y[r]);
    sst += (rtest.y[r] - mean) * (rtest.y[r] - mean);
  }
  EXPECT_GT(1 - sse / sst, 0.95);
}

TEST(Oblivious, BootstrapWeightsShapeTheSplitsNotTheLeafValues) {
  // One depth-1 tree on heavily bootstrapped rows (temperature 5): each of
  // its two leaves must still hold the regularized Newton step of all its
  // rows at weight 1, -lr * G / (H + l2), from the base score.
  Dataset train = MakeCategorical(2000, 14);
  const double lr = 0.5, l2 = 3.0;
  auto learner = MakeLearner(
      Json{{"iterations", 1}, {"depth", 1}, {"bagging_temperature", 5.0}, {"learning_rate", lr}, {"l2_leaf_reg", l2}});
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2, nullptr));
  const std::vector<float> p = PredictAll(*model, train.x);
  const double p0 = std::accumulate(train.y.begin(), train.y.end(), 0.0) / static_cast<double>(train.y.size());
  const double base = std::log(p0 / (1 - p0));
  std::map<float, std::pair<double, double>> leaves;  // predicted p -> (G, H)
  for (size_t r = 0; r < train.y.size(); ++r) {
    auto& [g, h] = leaves[p[2 * r + 1]];
    g += p0 - train.y[r];
    h += p0 * (1 - p0);
  }
  ASSERT_EQ(leaves.size(), 2u);
  for (const auto& [prob, gh] : leaves) {
    const double value = std::log(prob / (1.0 - prob)) - base;
    EXPECT_NEAR(value, -lr * gh.first / (gh.second + l2), 1e-4) << "leaf of p = " << prob;
  }
}

TEST(Oblivious, DeterministicForAnyThreadCountAndBitIdenticalAfterReload) {
  Dataset train = MakeCategorical(2000, 8), test = MakeCategorical(500, 9);
  auto learner = MakeLearner(Json{{"iterations", 60}});
  TrainData tr{&train.x, &train.y, nullptr};
  auto one = learner->Fit(tr, nullptr, Options(Task::kBinary, 2, &train.categorical, 1));
  auto two = learner->Fit(tr, nullptr, Options(Task::kBinary, 2, &train.categorical, 2));
  const std::string bytes = one->Serialize();
  EXPECT_EQ(bytes, two->Serialize());
  auto loaded = learner->Load(bytes, Options(Task::kBinary, 2, nullptr));
  EXPECT_EQ(PredictAll(*one, test.x, 1), PredictAll(*loaded, test.x, 2));
  EXPECT_EQ(loaded->Serialize(), bytes);
}

TEST(Oblivious, ExpiredDeadlineStillBuildsOneTree) {
  Dataset train = MakeCategorical(500, 10);
  auto learner = MakeLearner();
  FitOptions o = Options(Task::kBinary, 2, &train.categorical);
  o.deadline = Deadline::In(1e-9);
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, o);
  EXPECT_EQ(model->Info().at("trees").get<int>(), 1);
  EXPECT_TRUE(model->Info().at("stopped_by_deadline").get<bool>());
}

TEST(Oblivious, BadInputsAndParamsThrowInvalidInput) {
  LearnerRegistry registry;
  RegisterObliviousLearner(registry);
  EXPECT_THROW(registry.Create("oblivious_boost", Json{{"depth", 11}}), InvalidInput);
  EXPECT_THROW(registry.Create("oblivious_boost", Json{{"trees", 5}}), InvalidInput);
  Dataset train = MakeCategorical(100, 12);
  auto learner = MakeLearner(Json{{"iterations", 5}});
  std::vector<float> bad = train.y;
  bad[3] = 2.0f;
  EXPECT_THROW(learner->Fit({&train.x, &bad, nullptr}, nullptr, Options(Task::kBinary, 2, nullptr)), InvalidInput);
  Matrix infinite = train.x;
  infinite.at(4, 0) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(learner->Fit({&infinite, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2, nullptr)), InvalidInput);
  std::vector<size_t> out_of_range = {9};
  EXPECT_THROW(learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2, &out_of_range)),
               InvalidInput);
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2, &train.categorical));
  Matrix narrow(3, 2);
  std::vector<float> out(6);
  EXPECT_THROW(model->Predict(narrow, out.data(), 1), InvalidInput);
}

TEST(Oblivious, CorruptBytesAreRejected) {
  Dataset train = MakeCategorical(300, 13);
  auto learner = MakeLearner(Json{{"iterations", 4}});
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, Options(Task::kBinary, 2, &train.categorical));
  const std::string bytes = model->Serialize();
  const FitOptions o = Options(Task::kBinary, 2, nullptr);
  for (size_t len = 0; len < bytes.size(); len += std::max<size_t>(1, bytes.size() / 300)) {
    EXPECT_THROW(learner->Load(bytes.substr(0, len), o), InvalidInput) << "length " << len;
  }
  EXPECT_THROW(learner->Load(bytes + "x", o), InvalidInput);
  std::string magic = bytes;
  magic[0] = 'X';
  EXPECT_THROW(learner->Load(magic, o), InvalidInput);
  std::string version = bytes;
  version[8] = 9;
  EXPECT_THROW(learner->Load(version, o), InvalidInput);
}

TEST(Oblivious, ReadsVersionsOneAndTwo) {
  // A model without one-hot columns in the formats before them: version 2
  // has no one-hot count (version 3 added it after the numeric columns),
  // version 1 neither and no checksum either.
  Dataset train = MakeCategorical(300, 14);
  auto learner = MakeLearner(Json{{"iterations", 4}, {"one_hot_max_size", 0}});
  const FitOptions o = Options(Task::kBinary, 2, &train.categorical);
  auto model = learner->Fit({&train.x, &train.y, nullptr}, nullptr, o);
  const std::string bytes = model->Serialize();
  ASSERT_EQ(bytes[8], 3);
  // Header (17 bytes), dims, input columns, numeric count, the numeric columns.
  const size_t numeric = static_cast<uint8_t>(bytes[25]);
  const size_t one_hot_at = 17 + 12 + 4 * numeric;
  ASSERT_EQ(bytes.substr(one_hot_at, 4), std::string(4, '\0'));  // no one-hot indicators
  std::string body = bytes.substr(0, bytes.size() - 8);
  body.erase(one_hot_at, 4);
  std::string v1 = body;
  v1[8] = 1;
  std::string v2 = body;
  v2[8] = 2;
  const uint64_t sum = Fnv1a64(v2);
  for (int i = 0; i < 8; ++i) v2.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  for (const std::string& old : {v1, v2}) {
    auto loaded = learner->Load(old, o);
    EXPECT_EQ(PredictAll(*loaded, train.x), PredictAll(*model, train.x));
    EXPECT_EQ(loaded->Serialize(), bytes);
  }
}

TEST(Oblivious, FewLevelColumnsAreSplitOneLevelAgainstTheRest) {
  // Columns 2 (30 levels), 3 and 4 (6 each) below one_hot_max_size: one
  // indicator a level, no target statistics; column 5 (2 levels) is a number.
  Dataset train = MakeCategorical(6000, 31);
  Dataset valid = MakeCategorical(2000, 32);
  Dataset test = MakeCategorical(4000, 33);
  const TrainData tr{&train.x, &train.y, nullptr};
  const TrainData va{&valid.x, &valid.y, nullptr};
  const FitOptions o = Options(Task::kBinary, 2, &train.categorical);
  auto levels = MakeLearner(Json{{"learning_rate", 0.1}})->Fit(tr, &va, o);
  EXPECT_EQ(levels->Info().at("one_hot_features").get<int>(), 30 + 6 + 6);
  EXPECT_EQ(levels->Info().at("ctr_tables").get<int>(), 0);
  // At one_hot_max_size 6 the 30-level column gets target statistics instead.
  auto mixed = MakeLearner(Json{{"learning_rate", 0.1}, {"one_hot_max_size", 6}})->Fit(tr, &va, o);
  EXPECT_EQ(mixed->Info().at("one_hot_features").get<int>(), 6 + 6);
  EXPECT_EQ(mixed->Info().at("ctr_tables").get<int>(), 1);
  // Each level's own rate (column 2) and the pair's parity (3, 4) are learned:
  // the test logloss is within 0.03 of the labels' own logit's.
  double truth = 0;
  for (size_t r = 0; r < test.x.rows; ++r) {
    const double p = 1.0 / (1.0 + std::exp(-test.logit[r]));
    truth -= std::log(test.y[r] > 0.5f ? p : 1.0 - p) / static_cast<double>(test.x.rows);
  }
  const std::vector<float> p = PredictAll(*levels, test.x);
  EXPECT_LT(LogLoss(p, test.y), truth + 0.03) << "the labels' logit: " << truth;
  // A level never seen in training and a missing one both take the "none of
  // the levels" side of every test.
  Matrix odd(2, train.x.cols);
  for (size_t c = 0; c < train.x.cols; ++c) odd.at(0, c) = odd.at(1, c) = test.x.at(0, c);
  odd.at(0, 2) = 77.0f;
  odd.at(1, 2) = kNaN;
  const std::vector<float> q = PredictAll(*levels, odd);
  EXPECT_EQ(q[1], q[3]);
  // Bit-identical after a reload.
  auto loaded = MakeLearner()->Load(levels->Serialize(), o);
  EXPECT_EQ(PredictAll(*loaded, test.x), p);
}

TEST(Oblivious, MissingValuesOfAFewLevelColumnAreALevelOfTheirOwn) {
  // Column 0: levels 0..3 (positive rate 0.2 + 0.1 k) or missing (rate 0.9).
  Uniform01 u(41);
  const size_t rows = 4000;
  Matrix x(rows, 1);
  std::vector<float> y(rows);
  for (size_t r = 0; r < rows; ++r) {
    const bool missing = u() < 0.2;
    const auto level = static_cast<int>(u() * 4);
    x.at(r, 0) = missing ? kNaN : static_cast<float>(level);
    y[r] = u() < (missing ? 0.9 : 0.2 + 0.1 * level) ? 1.0f : 0.0f;
  }
  const std::vector<size_t> categorical = {0};
  auto model = MakeLearner(Json{{"iterations", 200}, {"depth", 2}, {"learning_rate", 0.1}})
                   ->Fit({&x, &y, nullptr}, nullptr, Options(Task::kBinary, 2, &categorical));
  EXPECT_EQ(model->Info().at("one_hot_features").get<int>(), 4 + 1);
  Matrix probe(5, 1);
  for (size_t r = 0; r < 4; ++r) probe.at(r, 0) = static_cast<float>(r);
  probe.at(4, 0) = kNaN;
  const std::vector<float> p = PredictAll(*model, probe);
  for (size_t r = 0; r < 4; ++r) EXPECT_NEAR(p[2 * r + 1], 0.2 + 0.1 * static_cast<double>(r), 0.05) << "level " << r;
  EXPECT_NEAR(p[9], 0.9, 0.05);
}

TEST(Oblivious, AViewOrBlocksOfRowsFitTheModelTheRowsThemselvesFit) {
  Dataset d = MakeCategorical(3000, 51);
  for (size_t r = 0; r < d.x.rows; r += 7) d.x.at(r, 3) = kNaN;  // a missing level of a one-hot column
  testing::PickedRows rows(d.x, d.y);
  const FitOptions options = Options(Task::kBinary, 2, &d.categorical);
  // Numbers, one-hot levels and target statistics (of columns and of pairs).
  for (const Json& params : {Json{{"iterations", 40}, {"one_hot_max_size", 6}},
                             Json{{"iterations", 40}, {"one_hot_max_size", 2}, {"cat_pairs", true}}}) {
    const auto learner = MakeLearner(params);
    ASSERT_TRUE(learner->takes_row_view());
    const auto want = learner->Fit(rows.whole(), nullptr, options);
    EXPECT_GT(want->Info().at("ctr_tables").get<int>(), 0) << params.dump();
    EXPECT_EQ(learner->Fit(rows.view(), nullptr, options)->Serialize(), want->Serialize()) << params.dump();
    EXPECT_EQ(learner->Fit(rows.read(), nullptr, options)->Serialize(), want->Serialize()) << params.dump();
  }
  EXPECT_EQ(rows.blocks().reads(), 2 * 2);  // two passes over the 1,500 rows' one block, per fit
  // An infinite value in a block is named by its row, as in a matrix.
  rows.picked().at(7, 0) = std::numeric_limits<float>::infinity();
  const std::string message = testing::InvalidMessage([&] { MakeLearner()->Fit(rows.read(), nullptr, options); });
  EXPECT_NE(message.find("row 8"), std::string::npos) << message;
}

TEST(Oblivious, RefitBoostsTheTreesItsEarlyStoppedFoldsKept) {
  // --refit-full: the model fitted once on all rows must not boost the full
  // `iterations` (the folds stopped far earlier), nor stop early (no held-out rows).
  Dataset a = MakeCategorical(1500, 21);
  Dataset b = MakeCategorical(1500, 22);
  auto learner = MakeLearner(Json{{"learning_rate", 0.3}, {"iterations", 3000}});
  ASSERT_TRUE(learner->early_stops());
  const FitOptions o = Options(Task::kBinary, 2, &a.categorical);
  const TrainData ta{&a.x, &a.y, nullptr};
  const TrainData tb{&b.x, &b.y, nullptr};
  const Json folds = Json::array({learner->Fit(ta, &tb, o)->Info(), learner->Fit(tb, &ta, o)->Info()});
  const int kept = (folds[0].at("trees").get<int>() + folds[1].at("trees").get<int>() + 1) / 2;
  ASSERT_LT(kept, 3000);
  const Json params = learner->RefitParams(folds).value();
  EXPECT_EQ(params.at("iterations").get<int>(), kept);
  EXPECT_EQ(params.at("early_stopping_rounds").get<int>(), 0);
  EXPECT_DOUBLE_EQ(params.at("learning_rate").get<double>(), 0.3);
  auto refit_learner = MakeLearner(params);
  EXPECT_FALSE(refit_learner->early_stops());
  // Even handed early-stopping rows, the refit boosts exactly that many trees.
  auto refit = refit_learner->Fit(ta, &tb, o);
  EXPECT_EQ(refit->Info().at("trees").get<int>(), kept);
  // Folds that do not report their trees leave the effort unknown: no refit.
  EXPECT_FALSE(learner->RefitParams(Json::array({Json{{"features", 3}}})).has_value());
}

}  // namespace
}  // namespace tabpilot
