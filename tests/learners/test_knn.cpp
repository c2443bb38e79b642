#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/error.h"
#include "learners/knn_learner.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

Matrix MakeMatrix(size_t cols, const std::vector<float>& values) {
  Matrix m(values.size() / cols, cols);
  m.values = values;
  return m;
}

std::vector<float> PredictAll(const Model& model, const Matrix& x, int threads = 1) {
  std::vector<float> out(x.rows * static_cast<size_t>(model.num_outputs()));
  model.Predict(x, out.data(), threads);
  return out;
}

FitOptions Options(Task task, int classes) {
  FitOptions o;
  o.task = task;
  o.num_classes = classes;
  return o;
}

// Points on a line at 0, 1, ..., 9; the class is 1 from x = 5 on and the
// regression target is 10 * x, so every neighbourhood is known exactly.
struct Line {
  Matrix x = MakeMatrix(1, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::vector<float> cls = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  std::vector<float> value = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90};
};

TEST(Knn, UniformRegressionAveragesTheNearest) {
  Line d;
  auto model = CreateKnnLearner(Json{{"k", 3}})->Fit({&d.x, &d.value, nullptr}, nullptr, Options(Task::kRegression, 1));
  ASSERT_EQ(model->num_outputs(), 1);
  // 2.2 -> {2, 3, 1}; -5 -> {0, 1, 2}; 8.9 -> {9, 8, 7}; 4.5 -> 4 and 5 tie, then 3 and 6
  // tie at 1.5: the earlier stored row (3) wins.
  Matrix probe = MakeMatrix(1, {2.2f, -5, 8.9f, 4.5f});
  auto p = PredictAll(*model, probe);
  EXPECT_NEAR(p[0], 20, 1e-4);
  EXPECT_NEAR(p[1], 10, 1e-4);
  EXPECT_NEAR(p[2], 80, 1e-4);
  EXPECT_NEAR(p[3], 40, 1e-4);
}

TEST(Knn, DistanceWeightedRegression) {
  Line d;
  auto model = CreateKnnLearner(Json{{"k", 2}, {"weights", "distance"}})
                   ->Fit({&d.x, &d.value, nullptr}, nullptr, Options(Task::kRegression, 1));
  // 2.25: neighbours 2 (d = 0.25, w = 4) and 3 (d = 0.75, w = 4/3): (4*20 + 4/3*30) / (16/3) = 22.5.
  Matrix probe = MakeMatrix(1, {2.25f, 7});
  auto p = PredictAll(*model, probe);
  EXPECT_NEAR(p[0], 22.5, 1e-4);
  // An exact match: only the neighbour at distance 0 counts.
  EXPECT_FLOAT_EQ(p[1], 70);
}

TEST(Knn, ClassProbabilitiesAreNeighbourShares) {
  Line d;
  auto uniform = CreateKnnLearner(Json{{"k", 4}})->Fit({&d.x, &d.cls, nullptr}, nullptr, Options(Task::kBinary, 2));
  ASSERT_EQ(uniform->num_outputs(), 2);
  // 4.4 -> {4, 5, 3, 6}: two of each class. 5.8 -> {6, 5, 7, 4}: three of class 1.
  Matrix probe = MakeMatrix(1, {4.4f, 5.8f, -3});
  auto p = PredictAll(*uniform, probe);
  EXPECT_FLOAT_EQ(p[0], 0.5f);
  EXPECT_FLOAT_EQ(p[1], 0.5f);
  EXPECT_FLOAT_EQ(p[2], 0.25f);
  EXPECT_FLOAT_EQ(p[3], 0.75f);
  EXPECT_FLOAT_EQ(p[4], 1.0f);
  EXPECT_FLOAT_EQ(p[5], 0.0f);

  auto distance = CreateKnnLearner(Json{{"k", 2}, {"weights", "distance"}})
                      ->Fit({&d.x, &d.cls, nullptr}, nullptr, Options(Task::kBinary, 2));
  // 4.25: 4 (class 0, w = 4) and 5 (class 1, w = 4/3) -> P(1) = (4/3) / (16/3) = 0.25.
  Matrix probe2 = MakeMatrix(1, {4.25f});
  auto q = PredictAll(*distance, probe2);
  EXPECT_NEAR(q[1], 0.25, 1e-6);
  EXPECT_NEAR(q[0], 0.75, 1e-6);
}

TEST(Knn, MulticlassInTwoDimensions) {
  // Three tight clusters; class = cluster.
  Matrix x = MakeMatrix(2, {0, 0, 0, 1, 1, 0, 10, 10, 10, 11, 11, 10, -10, 5, -11, 5, -10, 6});
  std::vector<float> y = {0, 0, 0, 1, 1, 1, 2, 2, 2};
  auto model = CreateKnnLearner(Json{{"k", 3}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  ASSERT_EQ(model->num_outputs(), 3);
  Matrix probe = MakeMatrix(2, {0.5f, 0.5f, 10.2f, 10.3f, -10.5f, 5.5f});
  auto p = PredictAll(*model, probe);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(p[3 * r + c], r == c ? 1.0f : 0.0f) << r << "," << c;
  }
}

TEST(Knn, KLargerThanTrainingRowsUsesAllRows) {
  Line d;
  auto model =
      CreateKnnLearner(Json{{"k", 50}})->Fit({&d.x, &d.value, nullptr}, nullptr, Options(Task::kRegression, 1));
  Matrix probe = MakeMatrix(1, {100});
  EXPECT_NEAR(PredictAll(*model, probe)[0], 45, 1e-4);
  EXPECT_EQ(model->Info()["k_effective"].get<int>(), 10);
}

TEST(Knn, SingleTrainingRow) {
  Matrix x = MakeMatrix(3, {1, 2, 3});
  std::vector<float> y = {2};
  auto model = CreateKnnLearner(Json::object())->Fit({&x, &y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  auto p = PredictAll(*model, MakeMatrix(3, {0, 0, 0, 5, 5, 5}));
  const std::vector<float> expected = {0, 0, 1, 0, 0, 1};
  EXPECT_EQ(p, expected);
}

TEST(Knn, SampleWeightsScaleVotes) {
  Line d;
  std::vector<float> w = {1, 1, 1, 1, 1, 3, 1, 1, 1, 1};
  auto model = CreateKnnLearner(Json{{"k", 2}})->Fit({&d.x, &d.cls, &w}, nullptr, Options(Task::kBinary, 2));
  // 4.4 -> {4 (class 0, w 1), 5 (class 1, w 3)}.
  Matrix probe = MakeMatrix(1, {4.4f});
  EXPECT_FLOAT_EQ(PredictAll(*model, probe)[1], 0.75f);
}

TEST(Knn, NanFeatureIsReadAsZero) {
  Line d;
  auto model = CreateKnnLearner(Json{{"k", 3}})->Fit({&d.x, &d.value, nullptr}, nullptr, Options(Task::kRegression, 1));
  Matrix probe = MakeMatrix(1, {std::numeric_limits<float>::quiet_NaN()});
  EXPECT_NEAR(PredictAll(*model, probe)[0], 10, 1e-4);  // as x = 0: {0, 1, 2}
}

// Brute force in double for a random problem larger than one distance tile
// and one query block, predicted with several threads.
TEST(Knn, MatchesReferenceOnRandomData) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g;
  const size_t n = 5000, m = 300, dims = 8, k = 7;
  Matrix x(n, dims), probe(m, dims);
  for (float& v : x.values) v = g(rng);
  for (float& v : probe.values) v = g(rng);
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(i % 3);
  auto model = CreateKnnLearner(Json{{"k", static_cast<int>(k)}})
                   ->Fit({&x, &y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  auto p = PredictAll(*model, probe, 3);
  int mismatches = 0;
  for (size_t q = 0; q < m; ++q) {
    std::vector<std::pair<double, size_t>> dist(n);
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t j = 0; j < dims; ++j) s += std::pow(static_cast<double>(probe.at(q, j)) - x.at(i, j), 2);
      dist[i] = {s, i};
    }
    std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
    double share[3] = {0, 0, 0};
    for (size_t i = 0; i < k; ++i) share[static_cast<int>(y[dist[i].second])] += 1.0 / k;
    bool same = true;
    for (int c = 0; c < 3; ++c) same = same && std::abs(share[c] - p[3 * q + c]) < 1e-5;
    mismatches += !same;
  }
  // Float rounding may swap a neighbour at a near-tie; that must stay rare.
  EXPECT_LE(mismatches, 1);
  // Thread count does not change the result.
  auto p1 = PredictAll(*model, probe, 1);
  EXPECT_EQ(std::memcmp(p.data(), p1.data(), p.size() * sizeof(float)), 0);
}

TEST(Knn, SubsamplesAboveMaxTrainRowsReproducibly) {
  Matrix x(1000, 2);
  std::vector<float> y(1000);
  for (size_t i = 0; i < 1000; ++i) {
    x.at(i, 0) = static_cast<float>(i);
    x.at(i, 1) = static_cast<float>(i % 7);
    y[i] = static_cast<float>(i);
  }
  auto learner = CreateKnnLearner(Json{{"k", 1}, {"max_train_rows", 100}});
  FitOptions o = Options(Task::kRegression, 1);
  o.seed = 42;
  auto a = learner->Fit({&x, &y, nullptr}, nullptr, o);
  auto b = learner->Fit({&x, &y, nullptr}, nullptr, o);
  Json info = a->Info();
  EXPECT_TRUE(info["subsampled"].get<bool>());
  EXPECT_EQ(info["train_rows"].get<int>(), 100);
  EXPECT_EQ(info["rows_seen"].get<int>(), 1000);
  EXPECT_EQ(a->Serialize(), b->Serialize());
  EXPECT_EQ(info["serialized_bytes"].get<size_t>(), a->Serialize().size());
  o.seed = 43;
  EXPECT_NE(learner->Fit({&x, &y, nullptr}, nullptr, o)->Serialize(), a->Serialize());
  // The nearest kept row to each training row is itself when kept: exactly 100 rows predict themselves.
  auto p = PredictAll(*a, x, 2);
  int self = 0;
  for (size_t i = 0; i < 1000; ++i) self += p[i] == y[i];
  EXPECT_EQ(self, 100);
}

TEST(Knn, LeaveOneOutPredictsEachRowFromTheOtherRows) {
  Line d;
  auto learner = CreateKnnLearner(Json{{"k", 2}});
  ASSERT_TRUE(learner->has_own_oof());
  Matrix oof;
  auto model = learner->FitWithOwnOOF({&d.x, &d.value, nullptr}, Options(Task::kRegression, 1), &oof);
  ASSERT_EQ(oof.rows, 10u);
  ASSERT_EQ(oof.cols, 1u);
  // 0 -> {1, 2}; 4 -> {3, 5} (3 and 5 tie with nothing closer); 9 -> {8, 7}.
  EXPECT_NEAR(oof.at(0, 0), 15, 1e-4);
  EXPECT_NEAR(oof.at(4, 0), 40, 1e-4);
  EXPECT_NEAR(oof.at(9, 0), 75, 1e-4);
  // The model itself keeps every row: a plain prediction of row 0 is {0, 1}.
  EXPECT_NEAR(PredictAll(*model, MakeMatrix(1, {0}))[0], 5, 1e-4);

  // A duplicate is another row: with distance weights it alone votes.
  Matrix x = MakeMatrix(1, {0, 0, 1, 2});
  std::vector<float> y = {1, 0, 0, 0};
  Matrix dup;
  CreateKnnLearner(Json{{"k", 3}, {"weights", "distance"}})
      ->FitWithOwnOOF({&x, &y, nullptr}, Options(Task::kBinary, 2), &dup);
  EXPECT_FLOAT_EQ(dup.at(0, 1), 0.0f);  // row 0 sees row 1 (class 0) at distance 0
  EXPECT_FLOAT_EQ(dup.at(1, 1), 1.0f);  // row 1 sees row 0 (class 1) at distance 0

  // k above the rows left: every other row votes.
  Matrix all;
  CreateKnnLearner(Json{{"k", 50}})->FitWithOwnOOF({&d.x, &d.value, nullptr}, Options(Task::kRegression, 1), &all);
  for (size_t r = 0; r < 10; ++r) EXPECT_NEAR(all.at(r, 0), (450 - d.value[r]) / 9, 1e-3) << r;

  Matrix one = MakeMatrix(1, {3});
  std::vector<float> one_y = {1};
  Matrix none;
  EXPECT_THROW(learner->FitWithOwnOOF({&one, &one_y, nullptr}, Options(Task::kRegression, 1), &none), InvalidInput);
}

TEST(Knn, LeaveOneOutMatchesReferenceAndSkipsOnlyKeptRows) {
  std::mt19937 rng(12);
  std::normal_distribution<float> g;
  const size_t n = 3000, dims = 5, k = 5;
  Matrix x(n, dims);
  for (float& v : x.values) v = g(rng);
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<float>(i % 3);
  auto learner = CreateKnnLearner(Json{{"k", static_cast<int>(k)}});
  FitOptions o = Options(Task::kMulticlass, 3);
  o.threads = 3;
  Matrix oof;
  learner->FitWithOwnOOF({&x, &y, nullptr}, o, &oof);
  int mismatches = 0;
  for (size_t q = 0; q < n; q += 10) {
    std::vector<std::pair<double, size_t>> dist;
    for (size_t i = 0; i < n; ++i) {
      if (i == q) continue;
      double s = 0;
      for (size_t j = 0; j < dims; ++j) s += std::pow(static_cast<double>(x.at(q, j)) - x.at(i, j), 2);
      dist.emplace_back(s, i);
    }
    std::partial_sort(dist.begin(), dist.begin() + k, dist.end());
    double share[3] = {0, 0, 0};
    for (size_t i = 0; i < k; ++i) share[static_cast<int>(y[dist[i].second])] += 1.0 / k;
    bool same = true;
    for (size_t c = 0; c < 3; ++c) same = same && std::abs(share[c] - oof.at(q, c)) < 1e-5;
    mismatches += !same;
  }
  EXPECT_LE(mismatches, 1);
  o.threads = 1;
  Matrix oof1;
  learner->FitWithOwnOOF({&x, &y, nullptr}, o, &oof1);
  EXPECT_EQ(oof.values, oof1.values);

  // Subsampled: a stored row leaves itself out; a row not stored is predicted as usual.
  Matrix line(1000, 1);
  std::vector<float> value(1000);
  for (size_t i = 0; i < 1000; ++i) {
    line.at(i, 0) = static_cast<float>(i);
    value[i] = static_cast<float>(i);
  }
  FitOptions r = Options(Task::kRegression, 1);
  r.seed = 42;
  Matrix sub;
  auto model =
      CreateKnnLearner(Json{{"k", 1}, {"max_train_rows", 100}})->FitWithOwnOOF({&line, &value, nullptr}, r, &sub);
  const std::vector<float> plain = PredictAll(*model, line, 2);
  int stored = 0;
  for (size_t i = 0; i < 1000; ++i) {
    if (plain[i] == value[i]) {  // row i is stored (k = 1 finds itself)
      ++stored;
      EXPECT_NE(sub.at(i, 0), value[i]) << i;
    } else {
      EXPECT_EQ(sub.at(i, 0), plain[i]) << i;
    }
  }
  EXPECT_EQ(stored, 100);
}

TEST(Knn, RoundTripIsBitIdentical) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g;
  Matrix x(400, 5), probe(150, 5);
  for (float& v : x.values) v = g(rng);
  for (float& v : probe.values) v = g(rng);
  std::vector<float> yc(400), yr(400), w(400);
  for (size_t i = 0; i < 400; ++i) {
    yc[i] = x.at(i, 0) > 0 ? 1.0f : 0.0f;
    yr[i] = x.at(i, 1) * 2 + g(rng);
    w[i] = 0.5f + static_cast<float>(i % 4);
  }
  for (const char* mode : {"uniform", "distance"}) {
    auto learner = CreateKnnLearner(Json{{"k", 5}, {"weights", mode}});
    for (Task task : {Task::kBinary, Task::kRegression}) {
      const auto& y = task == Task::kBinary ? yc : yr;
      const int classes = task == Task::kBinary ? 2 : 1;
      auto model = learner->Fit({&x, &y, &w}, nullptr, Options(task, classes));
      const std::string bytes = model->Serialize();
      auto loaded = learner->Load(bytes, Options(task, classes));
      auto a = PredictAll(*model, probe, 1);
      auto b = PredictAll(*loaded, probe, 2);
      ASSERT_EQ(a.size(), b.size());
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << mode;
      EXPECT_EQ(loaded->Serialize(), bytes);
      EXPECT_EQ(loaded->Info(), model->Info());
    }
  }
}

void ExpectCorrupt(const Learner& learner, const std::string& bytes) {
  try {
    learner.Load(bytes, Options(Task::kBinary, 2));
    FAIL() << "expected InvalidInput for " << bytes.size() << " bytes";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt knn model: "), std::string::npos) << e.what();
  }
}

TEST(Knn, ReadsVersionOneWithoutAChecksum) {
  Line d;
  auto learner = CreateKnnLearner(Json::object());
  auto model = learner->Fit({&d.x, &d.cls, nullptr}, nullptr, Options(Task::kBinary, 2));
  const std::string bytes = model->Serialize();
  ASSERT_EQ(bytes[8], 2);
  std::string v1 = bytes.substr(0, bytes.size() - 8);  // version 2 added the checksum
  v1[8] = 1;
  auto loaded = learner->Load(v1, Options(Task::kBinary, 2));
  EXPECT_EQ(PredictAll(*loaded, d.x), PredictAll(*model, d.x));
  EXPECT_EQ(loaded->Serialize(), bytes);
}

TEST(Knn, CorruptBytesAreRejected) {
  Line d;
  auto learner = CreateKnnLearner(Json::object());
  const std::string bytes = learner->Fit({&d.x, &d.cls, nullptr}, nullptr, Options(Task::kBinary, 2))->Serialize();
  for (size_t n = 0; n < bytes.size(); ++n) ExpectCorrupt(*learner, bytes.substr(0, n));
  ExpectCorrupt(*learner, bytes + "xxxx");
  ExpectCorrupt(*learner, std::string(bytes.size(), '\x33'));
  std::string bad_version = bytes;
  bad_version[8] = 3;
  ExpectCorrupt(*learner, bad_version);
  std::string huge_rows = bytes;
  huge_rows[22 + 6] = '\x01';  // a high byte of the row count
  ExpectCorrupt(*learner, huge_rows);
  std::string bad_label = bytes;
  const float three = 3.0f;
  std::memcpy(bad_label.data() + bad_label.size() - 4, &three, 4);  // last target: class 3 of 2
  ExpectCorrupt(*learner, bad_label);
  std::string nan_feature = bytes;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(nan_feature.data() + 47, &nan, 4);  // first feature value
  ExpectCorrupt(*learner, nan_feature);
}

TEST(Knn, ParametersAreValidated) {
  EXPECT_THROW(CreateKnnLearner(Json{{"n_neighbors", 5}}), InvalidInput);
  EXPECT_THROW(CreateKnnLearner(Json{{"k", 0}}), InvalidInput);
  EXPECT_THROW(CreateKnnLearner(Json{{"weights", "gaussian"}}), InvalidInput);
  auto registry = LearnerRegistry::WithBuiltins();
  auto learner = registry.Create("knn", Json{{"weights", "distance"}});
  EXPECT_EQ(learner->family(), "knn");
  EXPECT_EQ(learner->flavor(), FeatureFlavor::kDense);
  EXPECT_FALSE(learner->early_stops());
  EXPECT_EQ(learner->params().Int("k"), 10);
  EXPECT_EQ(learner->params().Int("max_train_rows"), 50000);
  EXPECT_THROW(registry.Create("knn", Json{{"K", 3}}), InvalidInput);
}

TEST(Knn, BadInputsAreInvalidInput) {
  Line d;
  auto learner = CreateKnnLearner(Json::object());
  std::vector<float> bad = d.cls;
  bad[0] = -1;
  EXPECT_THROW(learner->Fit({&d.x, &bad, nullptr}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  auto model = learner->Fit({&d.x, &d.cls, nullptr}, nullptr, Options(Task::kBinary, 2));
  Matrix wrong(1, 2);
  std::vector<float> out(2);
  EXPECT_THROW(model->Predict(wrong, out.data(), 1), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
