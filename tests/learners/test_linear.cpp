#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/error.h"
#include "learners/learner_registry.h"
#include "learners/linear_learner.h"

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

double Logit(double p) { return std::log(p / (1 - p)); }

FitOptions Options(Task task, int classes) {
  FitOptions o;
  o.task = task;
  o.num_classes = classes;
  return o;
}

// 1-D binary problem with two groups: x = 0 has 1 positive in 4, x = 1 has 3 in 4.
// With (almost) no penalty the MLE reproduces the group frequencies exactly:
//   b = logit(1/4) = -ln 3,  w = logit(3/4) - logit(1/4) = 2 ln 3.
struct TwoGroups {
  Matrix x = MakeMatrix(1, {0, 0, 0, 0, 1, 1, 1, 1});
  std::vector<float> y = {1, 0, 0, 0, 1, 1, 1, 0};
};

TEST(Linear, BinaryNearlyUnregularizedMatchesKnownMle) {
  TwoGroups d;
  auto learner = CreateLinearLearner(Json{{"C", 1e6}});
  auto model = learner->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  ASSERT_EQ(model->num_outputs(), 2);
  Matrix probe = MakeMatrix(1, {0, 1, 2});
  auto p = PredictAll(*model, probe);
  EXPECT_NEAR(p[1], 0.25, 1e-4);
  EXPECT_NEAR(p[3], 0.75, 1e-4);
  EXPECT_NEAR(p[0] + p[1], 1.0, 1e-6);
  // x = 2: logit = -ln 3 + 2 * 2 ln 3 = 3 ln 3, p = 27/28.
  EXPECT_NEAR(p[5], 27.0 / 28.0, 1e-4);
  EXPECT_NEAR(Logit(p[3]) - Logit(p[1]), 2 * std::log(3.0), 1e-3);
  EXPECT_TRUE(model->Info()["converged"].get<bool>());
}

// With C = 1 the optimum satisfies (scikit-learn's scaling):
//   sum_i (p_i - y_i) = 0            (unpenalized intercept)
//   w + C * sum_i (p_i - y_i) x_i = 0
TEST(Linear, BinaryPenaltyScalingMatchesOptimalityConditions) {
  TwoGroups d;
  const double c = 1.0;
  auto model = CreateLinearLearner(Json{{"C", c}})->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  auto p = PredictAll(*model, d.x);
  double sum_r = 0, sum_rx = 0;
  for (size_t i = 0; i < d.y.size(); ++i) {
    sum_r += p[2 * i + 1] - d.y[i];
    sum_rx += (p[2 * i + 1] - d.y[i]) * d.x.values[i];
  }
  const double w = Logit(p[2 * 4 + 1]) - Logit(p[1]);
  EXPECT_NEAR(sum_r, 0.0, 1e-5);
  EXPECT_NEAR(w + c * sum_rx, 0.0, 1e-5);
  // The penalty shrinks w strictly below the MLE 2 ln 3.
  EXPECT_GT(w, 0.3);
  EXPECT_LT(w, 2 * std::log(3.0) - 0.1);
}

TEST(Linear, BinaryStrongPenaltyPredictsThePrior) {
  Matrix x = MakeMatrix(1, {-2, -1, 0, 1, 2});
  std::vector<float> y = {0, 0, 1, 1, 1};
  auto model = CreateLinearLearner(Json{{"C", 1e-6}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kBinary, 2));
  auto p = PredictAll(*model, x);
  for (size_t i = 0; i < x.rows; ++i) EXPECT_NEAR(p[2 * i + 1], 0.6, 1e-4);
}

TEST(Linear, SampleWeightsEqualDuplicatedRows) {
  TwoGroups d;
  std::vector<float> w = {2, 1, 1, 1, 1, 1, 1, 3};
  Matrix xdup = MakeMatrix(1, {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1});
  std::vector<float> ydup = {1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0};
  auto learner = CreateLinearLearner(Json{{"C", 0.7}});
  auto weighted = learner->Fit({&d.x, &d.y, &w}, nullptr, Options(Task::kBinary, 2));
  auto duplicated = learner->Fit({&xdup, &ydup, nullptr}, nullptr, Options(Task::kBinary, 2));
  Matrix probe = MakeMatrix(1, {-1, 0, 0.5, 1, 3});
  auto a = PredictAll(*weighted, probe);
  auto b = PredictAll(*duplicated, probe);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5) << i;
}

// Three groups, one-hot coded (group 0 is all zeros). Nearly unregularized,
// the multinomial MLE reproduces each group's class frequencies.
TEST(Linear, MulticlassReproducesGroupFrequencies) {
  Matrix x = MakeMatrix(2, {0, 0, 0, 0, 0, 0, 0, 0,    // group 0: classes 0,0,1,2
                            1, 0, 1, 0, 1, 0, 1, 0,    // group 1: classes 1,1,1,0
                            0, 1, 0, 1, 0, 1, 0, 1});  // group 2: classes 2,2,0,1
  std::vector<float> y = {0, 0, 1, 2, 1, 1, 1, 0, 2, 2, 0, 1};
  auto model = CreateLinearLearner(Json{{"C", 1e6}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  ASSERT_EQ(model->num_outputs(), 3);
  Matrix probe = MakeMatrix(2, {0, 0, 1, 0, 0, 1});
  auto p = PredictAll(*model, probe);
  const double expected[3][3] = {{0.5, 0.25, 0.25}, {0.25, 0.75, 0.0}, {0.25, 0.25, 0.5}};
  for (int g = 0; g < 3; ++g) {
    double sum = 0;
    for (int k = 0; k < 3; ++k) {
      // Group 1 never shows class 2: its MLE is 0, reached only in the limit.
      EXPECT_NEAR(p[3 * g + k], expected[g][k], 2e-3) << "group " << g << " class " << k;
      sum += p[3 * g + k];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
  }
}

TEST(Linear, MulticlassWithTwoClassesAgreesWithBinary) {
  TwoGroups d;
  auto learner = CreateLinearLearner(Json{{"C", 1e6}});
  auto model = learner->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kMulticlass, 2));
  ASSERT_EQ(model->num_outputs(), 2);
  auto p = PredictAll(*model, MakeMatrix(1, {0, 1}));
  EXPECT_NEAR(p[1], 0.25, 1e-4);
  EXPECT_NEAR(p[3], 0.75, 1e-4);
  EXPECT_NEAR(p[2] + p[3], 1.0, 1e-6);
  auto loaded = learner->Load(model->Serialize(), Options(Task::kMulticlass, 2));
  EXPECT_EQ(PredictAll(*loaded, MakeMatrix(1, {0, 1})), p);
}

TEST(Linear, MulticlassSeparatesGaussianBlobs) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 0.5f);
  const float centers[3][2] = {{0, 3}, {3, -2}, {-3, -2}};
  Matrix x(600, 2);
  std::vector<float> y(600);
  for (size_t i = 0; i < 600; ++i) {
    int k = static_cast<int>(i % 3);
    x.at(i, 0) = centers[k][0] + noise(rng);
    x.at(i, 1) = centers[k][1] + noise(rng);
    y[i] = static_cast<float>(k);
  }
  auto model = CreateLinearLearner(Json::object())->Fit({&x, &y, nullptr}, nullptr, Options(Task::kMulticlass, 3));
  auto p = PredictAll(*model, x, 2);
  int correct = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    int best = 0;
    for (int k = 1; k < 3; ++k) best = p[3 * i + k] > p[3 * i + best] ? k : best;
    correct += best == static_cast<int>(y[i]);
  }
  EXPECT_GE(correct, 597);
  EXPECT_TRUE(model->Info()["converged"].get<bool>());
}

// x = {0, 1, 2}, y = {1, 3, 2}: xbar = 1, ybar = 2, Sxx = 2, Sxy = 1.
// Ridge with alpha = 1/C: w = Sxy / (Sxx + alpha), b = ybar - w * xbar.
TEST(Linear, RidgeMatchesClosedFormByHand) {
  Matrix x = MakeMatrix(1, {0, 1, 2});
  std::vector<float> y = {1, 3, 2};
  Matrix probe = MakeMatrix(1, {0, 3});
  {
    auto model = CreateLinearLearner(Json{{"C", 1.0}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kRegression, 1));
    ASSERT_EQ(model->num_outputs(), 1);
    auto p = PredictAll(*model, probe);
    EXPECT_NEAR(p[0], 5.0 / 3.0, 1e-6);  // w = 1/3, b = 5/3
    EXPECT_NEAR(p[1], 8.0 / 3.0, 1e-6);
  }
  {
    auto model = CreateLinearLearner(Json{{"C", 0.5}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kRegression, 1));
    auto p = PredictAll(*model, probe);
    EXPECT_NEAR(p[0], 1.75, 1e-6);  // w = 1/4, b = 7/4
    EXPECT_NEAR(p[1], 2.5, 1e-6);
  }
}

TEST(Linear, RidgeTwoFeaturesNearlyUnregularizedIsLeastSquares) {
  // y = 1 + 2 a - 3 b exactly.
  Matrix x = MakeMatrix(2, {0, 0, 1, 0, 0, 1, 1, 1, 2, 1, -1, 3});
  std::vector<float> y;
  for (size_t i = 0; i < x.rows; ++i) y.push_back(1 + 2 * x.at(i, 0) - 3 * x.at(i, 1));
  auto model = CreateLinearLearner(Json{{"C", 1e6}})->Fit({&x, &y, nullptr}, nullptr, Options(Task::kRegression, 1));
  Matrix probe = MakeMatrix(2, {10, -4});
  EXPECT_NEAR(PredictAll(*model, probe)[0], 1 + 20 + 12, 1e-3);
}

TEST(Linear, RidgeSampleWeightsEqualDuplicatedRows) {
  Matrix x = MakeMatrix(1, {0, 1, 2});
  std::vector<float> y = {1, 3, 2};
  std::vector<float> w = {1, 3, 1};
  Matrix xdup = MakeMatrix(1, {0, 1, 1, 1, 2});
  std::vector<float> ydup = {1, 3, 3, 3, 2};
  auto learner = CreateLinearLearner(Json::object());
  auto a = learner->Fit({&x, &y, &w}, nullptr, Options(Task::kRegression, 1));
  auto b = learner->Fit({&xdup, &ydup, nullptr}, nullptr, Options(Task::kRegression, 1));
  Matrix probe = MakeMatrix(1, {-1, 5});
  auto pa = PredictAll(*a, probe), pb = PredictAll(*b, probe);
  EXPECT_NEAR(pa[0], pb[0], 1e-6);
  EXPECT_NEAR(pa[1], pb[1], 1e-6);
}

TEST(Linear, NanFeatureIsReadAsZero) {
  TwoGroups d;
  auto model = CreateLinearLearner(Json::object())->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  Matrix probe = MakeMatrix(1, {std::numeric_limits<float>::quiet_NaN(), 0});
  auto p = PredictAll(*model, probe);
  EXPECT_EQ(p[0], p[2]);
  EXPECT_EQ(p[1], p[3]);
}

void ExpectBitIdenticalAfterRoundTrip(const Learner& learner, const Model& model, const Matrix& probe, Task task,
                                      int classes) {
  const std::string bytes = model.Serialize();
  auto loaded = learner.Load(bytes, Options(task, classes));
  ASSERT_EQ(loaded->num_outputs(), model.num_outputs());
  auto a = PredictAll(model, probe, 1);
  auto b = PredictAll(*loaded, probe, 2);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_EQ(loaded->Serialize(), bytes);
  EXPECT_EQ(loaded->Info(), model.Info());
}

TEST(Linear, RoundTripIsBitIdenticalForEveryTask) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g;
  Matrix x(200, 4);
  for (float& v : x.values) v = g(rng);
  std::vector<float> yb(200), ym(200), yr(200);
  for (size_t i = 0; i < 200; ++i) {
    float s = x.at(i, 0) - 0.5f * x.at(i, 2) + 0.3f * g(rng);
    yb[i] = s > 0 ? 1.0f : 0.0f;
    ym[i] = s < -0.5f ? 0.0f : (s < 0.5f ? 1.0f : 2.0f);
    yr[i] = 3 * s + 1;
  }
  auto learner = CreateLinearLearner(Json::object());
  ExpectBitIdenticalAfterRoundTrip(*learner, *learner->Fit({&x, &yb, nullptr}, nullptr, Options(Task::kBinary, 2)), x,
                                   Task::kBinary, 2);
  ExpectBitIdenticalAfterRoundTrip(*learner, *learner->Fit({&x, &ym, nullptr}, nullptr, Options(Task::kMulticlass, 3)),
                                   x, Task::kMulticlass, 3);
  ExpectBitIdenticalAfterRoundTrip(*learner, *learner->Fit({&x, &yr, nullptr}, nullptr, Options(Task::kRegression, 1)),
                                   x, Task::kRegression, 1);
}

TEST(Linear, FitDoesNotDependOnThreadCount) {
  // More rows than one evaluation chunk, so several threads really split the work.
  std::mt19937 rng(9);
  std::normal_distribution<float> g;
  Matrix x(9000, 6);
  for (float& v : x.values) v = g(rng);
  std::vector<float> y(9000);
  for (size_t i = 0; i < y.size(); ++i) y[i] = x.at(i, 0) + x.at(i, 3) + g(rng) > 0 ? 2.0f : (i % 2 ? 1.0f : 0.0f);
  auto learner = CreateLinearLearner(Json::object());
  FitOptions one = Options(Task::kMulticlass, 3), two = one;
  two.threads = 2;
  EXPECT_EQ(learner->Fit({&x, &y, nullptr}, nullptr, one)->Serialize(),
            learner->Fit({&x, &y, nullptr}, nullptr, two)->Serialize());
}

void ExpectCorrupt(const Learner& learner, const std::string& bytes) {
  try {
    learner.Load(bytes, Options(Task::kBinary, 2));
    FAIL() << "expected InvalidInput for " << bytes.size() << " bytes";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("corrupt linear model: "), std::string::npos) << e.what();
  }
}

TEST(Linear, ReadsVersionOneWithoutAChecksum) {
  TwoGroups d;
  auto learner = CreateLinearLearner(Json::object());
  auto model = learner->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  const std::string bytes = model->Serialize();
  ASSERT_EQ(bytes[8], 2);
  std::string v1 = bytes.substr(0, bytes.size() - 8);  // version 2 added the checksum
  v1[8] = 1;
  auto loaded = learner->Load(v1, Options(Task::kBinary, 2));
  EXPECT_EQ(PredictAll(*loaded, d.x), PredictAll(*model, d.x));
  EXPECT_EQ(loaded->Serialize(), bytes);
}

TEST(Linear, CorruptBytesAreRejected) {
  TwoGroups d;
  auto learner = CreateLinearLearner(Json::object());
  const std::string bytes = learner->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2))->Serialize();
  for (size_t n = 0; n < bytes.size(); ++n) ExpectCorrupt(*learner, bytes.substr(0, n));
  ExpectCorrupt(*learner, bytes + "x");
  ExpectCorrupt(*learner, std::string(bytes.size(), '\x5a'));
  std::string bad_version = bytes;
  bad_version[8] = 9;
  ExpectCorrupt(*learner, bad_version);
  std::string bad_task = bytes;
  bad_task[12] = 7;
  ExpectCorrupt(*learner, bad_task);
  std::string huge_features = bytes;
  huge_features[17 + 7] = '\x7f';  // top byte of num_features
  ExpectCorrupt(*learner, huge_features);
  std::string nan_coef = bytes;
  const uint64_t nan_bits = 0x7ff8000000000000ull;
  std::memcpy(nan_coef.data() + nan_coef.size() - 8, &nan_bits, 8);
  ExpectCorrupt(*learner, nan_coef);
}

TEST(Linear, ParametersAreValidated) {
  EXPECT_THROW(CreateLinearLearner(Json{{"alpha", 1.0}}), InvalidInput);
  EXPECT_THROW(CreateLinearLearner(Json{{"C", 0.0}}), InvalidInput);
  EXPECT_THROW(CreateLinearLearner(Json{{"max_iter", 0}}), InvalidInput);
  auto registry = LearnerRegistry::WithBuiltins();
  try {
    registry.Create("linear", Json{{"l1", 1.0}});
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("unknown parameter 'l1' (valid: C, max_iter, tol)"), std::string::npos)
        << e.what();
  }
  auto learner = registry.Create("linear", Json{{"C", 2.5}});
  EXPECT_EQ(learner->family(), "linear");
  EXPECT_EQ(learner->flavor(), FeatureFlavor::kDense);
  EXPECT_FALSE(learner->early_stops());
  EXPECT_DOUBLE_EQ(learner->params().Float("C"), 2.5);
  EXPECT_EQ(learner->params().Int("max_iter"), 200);
}

TEST(Linear, SingleClassTrainingDataStillFits) {
  // A bagging fold can hold one class only; the MLE intercept is infinite, so
  // the model must stop at a finite, confident answer rather than fail.
  Matrix x = MakeMatrix(1, {-1, 0, 1, 2});
  std::vector<float> zeros(4, 0.0f);
  auto binary = CreateLinearLearner(Json::object())->Fit({&x, &zeros, nullptr}, nullptr, Options(Task::kBinary, 2));
  auto p = PredictAll(*binary, x);
  for (size_t i = 0; i < x.rows; ++i) EXPECT_LT(p[2 * i + 1], 1e-4);
  auto multi = CreateLinearLearner(Json::object())->Fit({&x, &zeros, nullptr}, nullptr, Options(Task::kMulticlass, 4));
  auto q = PredictAll(*multi, x);
  for (size_t i = 0; i < x.rows; ++i) EXPECT_GT(q[4 * i], 0.999);
}

TEST(Linear, BadTrainingDataIsInvalidInput) {
  TwoGroups d;
  auto learner = CreateLinearLearner(Json::object());
  std::vector<float> bad_label = d.y;
  bad_label[3] = 2;
  EXPECT_THROW(learner->Fit({&d.x, &bad_label, nullptr}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  std::vector<float> short_y(3, 0.0f);
  EXPECT_THROW(learner->Fit({&d.x, &short_y, nullptr}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  std::vector<float> negative_weights(8, -1.0f);
  EXPECT_THROW(learner->Fit({&d.x, &d.y, &negative_weights}, nullptr, Options(Task::kBinary, 2)), InvalidInput);
  auto model = learner->Fit({&d.x, &d.y, nullptr}, nullptr, Options(Task::kBinary, 2));
  Matrix wrong(2, 3);
  std::vector<float> out(4);
  EXPECT_THROW(model->Predict(wrong, out.data(), 1), InvalidInput);
}

TEST(Linear, ExpiredDeadlineReturnsThePriorModel) {
  Matrix x = MakeMatrix(1, {-2, -1, 0, 1, 2});
  std::vector<float> y = {0, 0, 1, 1, 1};
  FitOptions o = Options(Task::kBinary, 2);
  o.deadline = Deadline::In(1e-9);
  auto model = CreateLinearLearner(Json::object())->Fit({&x, &y, nullptr}, nullptr, o);
  Json info = model->Info();
  EXPECT_TRUE(info["stopped_by_deadline"].get<bool>());
  EXPECT_EQ(info["iterations"].get<int>(), 0);
  auto p = PredictAll(*model, x);
  EXPECT_NEAR(p[1], 0.6, 1e-6);
  EXPECT_NEAR(p[9], 0.6, 1e-6);
}

}  // namespace
}  // namespace tabpilot
