// Expected values were computed once with scikit-learn 1.2.1 (Debian's
// python3-sklearn) on the same inputs: roc_auc_score, log_loss, f1_score,
// precision_score, recall_score, accuracy_score, balanced_accuracy_score
// (average='macro'/'weighted' for multiclass), mean_squared_error,
// mean_absolute_error, r2_score. Float inputs were rounded to float32 first.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/error.h"
#include "metrics/classification_metrics.h"
#include "metrics/metric_registry.h"

namespace tabpilot {
namespace {

constexpr double kTol = 1e-6;

struct Binary {
  std::vector<float> y{0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  std::vector<float> pred;  // rows x 2
  Binary() {
    for (float p : {0.1f, 0.4f, 0.35f, 0.8f, 0.5f, 0.5f, 0.2f, 0.9f, 0.65f, 0.7f}) {
      pred.push_back(1.0f - p);
      pred.push_back(p);
    }
  }
  size_t rows() const { return y.size(); }
};

struct Multiclass {
  std::vector<float> y{0, 1, 2, 2, 1, 0, 2, 1};
  std::vector<float> pred{0.7f, 0.2f, 0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.3f, 0.5f, 0.4f, 0.4f, 0.2f,
                          0.1f, 0.8f, 0.1f, 0.3f, 0.3f, 0.4f, 0.3f, 0.3f, 0.4f, 0.5f, 0.2f, 0.3f};
  size_t rows() const { return y.size(); }
};

double Score(const std::string& name, const std::vector<float>& y, const std::vector<float>& pred,
             const MetricContext& ctx) {
  static const MetricRegistry registry = MetricRegistry::WithBuiltins();
  return registry.Get(name).Score(y, pred.data(), y.size(), ctx);
}

TEST(Metrics, BinaryMatchesScikitLearn) {
  Binary b;
  MetricContext ctx{Task::kBinary, 2, 0.5};
  EXPECT_NEAR(Score("auc", b.y, b.pred, ctx), 0.78, kTol);  // one tied pos/neg pair at 0.5
  EXPECT_NEAR(Score("logloss", b.y, b.pred, ctx), 0.5238706004625148, kTol);
  EXPECT_NEAR(Score("f1", b.y, b.pred, ctx), 0.7272727272727272, kTol);
  EXPECT_NEAR(Score("precision", b.y, b.pred, ctx), 0.6666666666666666, kTol);
  EXPECT_NEAR(Score("recall", b.y, b.pred, ctx), 0.8, kTol);
  EXPECT_NEAR(Score("accuracy", b.y, b.pred, ctx), 0.7, kTol);
  EXPECT_NEAR(Score("balanced_accuracy", b.y, b.pred, ctx), 0.7, kTol);
  EXPECT_NEAR(Score("f1_macro", b.y, b.pred, ctx), 0.6969696969696968, kTol);
}

TEST(Metrics, BinaryThresholdMovesDecisions) {
  Binary b;
  MetricContext ctx{Task::kBinary, 2, 0.3};
  EXPECT_NEAR(Score("f1", b.y, b.pred, ctx), 0.7692307692307693, kTol);
  EXPECT_NEAR(Score("precision", b.y, b.pred, ctx), 0.625, kTol);
  EXPECT_NEAR(Score("recall", b.y, b.pred, ctx), 1.0, kTol);
  EXPECT_NEAR(Score("accuracy", b.y, b.pred, ctx), 0.7, kTol);
  EXPECT_NEAR(Score("f1_macro", b.y, b.pred, ctx), 0.6703296703296704, kTol);
  // Threshold-free metrics ignore it.
  EXPECT_NEAR(Score("auc", b.y, b.pred, ctx), 0.78, kTol);
}

TEST(Metrics, MulticlassMatchesScikitLearn) {
  Multiclass m;
  MetricContext ctx{Task::kMulticlass, 3, 0.5};
  EXPECT_NEAR(Score("auc", m.y, m.pred, ctx), 0.7277777777777777, kTol);
  EXPECT_NEAR(Score("logloss", m.y, m.pred, ctx), 0.9410494766380035, kTol);
  EXPECT_NEAR(Score("accuracy", m.y, m.pred, ctx), 0.625, kTol);
  EXPECT_NEAR(Score("balanced_accuracy", m.y, m.pred, ctx), 0.611111111111111, kTol);
  EXPECT_NEAR(Score("f1", m.y, m.pred, ctx), 0.6222222222222222, kTol);
  EXPECT_NEAR(Score("f1_macro", m.y, m.pred, ctx), 0.6222222222222222, kTol);
  EXPECT_NEAR(Score("precision", m.y, m.pred, ctx), 0.6666666666666666, kTol);
  EXPECT_NEAR(Score("recall", m.y, m.pred, ctx), 0.611111111111111, kTol);

  ConfusionMatrix cm = ConfusionOf(m.y, m.pred.data(), m.rows(), ctx);
  EXPECT_NEAR(cm.WeightedF1(), 0.65, kTol);
  EXPECT_NEAR(cm.WeightedPrecision(), 0.7083333333333333, kTol);
  EXPECT_NEAR(cm.WeightedRecall(), 0.625, kTol);
  EXPECT_EQ(cm.count(2, 0), 1);  // row 3: 0.4/0.4 tie goes to the lower index
  EXPECT_EQ(cm.count(0, 2), 1);
}

TEST(Metrics, RegressionMatchesScikitLearn) {
  std::vector<float> y{3.0f, -0.5f, 2.0f, 7.0f, 4.25f};
  std::vector<float> p{2.5f, 0.0f, 2.0f, 8.0f, 3.0f};
  MetricContext ctx{Task::kRegression, 0, 0.5};
  EXPECT_NEAR(Score("mse", y, p, ctx), 0.6125, kTol);
  EXPECT_NEAR(Score("rmse", y, p, ctx), 0.7826237921249264, kTol);
  EXPECT_NEAR(Score("mae", y, p, ctx), 0.65, kTol);
  EXPECT_NEAR(Score("r2", y, p, ctx), 0.9002442996742671, kTol);
}

TEST(Metrics, R2OfConstantTarget) {
  std::vector<float> y{2, 2, 2};
  MetricContext ctx{Task::kRegression, 0, 0.5};
  EXPECT_EQ(Score("r2", y, {2, 2, 2}, ctx), 1.0);
  EXPECT_EQ(Score("r2", y, {1, 2, 3}, ctx), 0.0);
}

TEST(Metrics, LogLossClipsZeroProbability) {
  std::vector<float> y{1};
  MetricContext ctx{Task::kBinary, 2, 0.5};
  EXPECT_NEAR(Score("logloss", y, {1.0f, 0.0f}, ctx), -std::log(1e-15), 1e-9);
}

TEST(Metrics, LossFlipsSignWhenGreaterIsBetter) {
  Binary b;
  MetricRegistry r = MetricRegistry::WithBuiltins();
  MetricContext ctx{Task::kBinary, 2, 0.5};
  EXPECT_NEAR(r.Get("auc").Loss(b.y, b.pred.data(), b.rows(), ctx), -0.78, kTol);
  EXPECT_NEAR(r.Get("logloss").Loss(b.y, b.pred.data(), b.rows(), ctx), 0.5238706004625148, kTol);
}

TEST(Metrics, PropertiesOfBuiltins) {
  MetricRegistry r = MetricRegistry::WithBuiltins();
  EXPECT_EQ(r.Names(), (std::vector<std::string>{"accuracy", "auc", "balanced_accuracy", "f1", "f1_macro", "logloss",
                                                 "mae", "mse", "precision", "r2", "recall", "rmse"}));
  EXPECT_EQ(r.NamesFor(Task::kRegression), (std::vector<std::string>{"mae", "mse", "r2", "rmse"}));
  for (const char* name : {"f1", "precision", "recall", "accuracy", "balanced_accuracy", "f1_macro"}) {
    EXPECT_TRUE(r.Get(name).uses_threshold()) << name;
  }
  for (const char* name : {"auc", "logloss", "mse", "r2"}) EXPECT_FALSE(r.Get(name).uses_threshold()) << name;
  EXPECT_FALSE(r.Get("logloss").greater_is_better());
  EXPECT_FALSE(r.Get("rmse").greater_is_better());
  EXPECT_TRUE(r.Get("r2").greater_is_better());
  EXPECT_TRUE(r.Get("auc").supports(Task::kMulticlass));
  EXPECT_FALSE(r.Get("auc").supports(Task::kRegression));
  EXPECT_FALSE(r.Get("mae").supports(Task::kBinary));
  EXPECT_THROW(r.Get("mae").ScoreCounts({}), Internal);
}

TEST(Metrics, ScoreCountsAgreesWithScore) {
  Binary b;
  MetricRegistry r = MetricRegistry::WithBuiltins();
  MetricContext ctx{Task::kBinary, 2, 0.5};
  BinaryCounts c = CountBinary(b.y, b.pred.data(), b.rows(), 0.5);
  EXPECT_EQ(c.tp, 4);
  EXPECT_EQ(c.fp, 2);
  EXPECT_EQ(c.tn, 3);
  EXPECT_EQ(c.fn, 1);
  for (const char* name : {"f1", "precision", "recall", "accuracy", "balanced_accuracy", "f1_macro"}) {
    EXPECT_DOUBLE_EQ(r.Get(name).ScoreCounts(c), r.Get(name).Score(b.y, b.pred.data(), b.rows(), ctx)) << name;
  }
}

TEST(Metrics, DegenerateDecisionsScoreZeroNotNaN) {
  // Nothing predicted positive: precision and f1 are 0/0 -> 0, as scikit-learn.
  std::vector<float> y{0, 1};
  std::vector<float> pred{0.9f, 0.1f, 0.8f, 0.2f};
  MetricContext ctx{Task::kBinary, 2, 0.5};
  EXPECT_EQ(Score("precision", y, pred, ctx), 0.0);
  EXPECT_EQ(Score("f1", y, pred, ctx), 0.0);
  EXPECT_EQ(Score("balanced_accuracy", y, pred, ctx), 0.5);
  EXPECT_NEAR(Score("f1_macro", y, pred, ctx), (2.0 / 3.0) / 2.0, kTol);
}

TEST(Metrics, UnknownNameListsValidOnes) {
  MetricRegistry r = MetricRegistry::WithBuiltins();
  try {
    r.Get("f2");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("unknown metric 'f2'"), std::string::npos) << m;
    EXPECT_NE(m.find("accuracy, auc, balanced_accuracy"), std::string::npos) << m;
  }
}

TEST(Metrics, BadInputsThrowInvalidInput) {
  MetricRegistry r = MetricRegistry::WithBuiltins();
  const Metric& f1 = r.Get("f1");
  MetricContext bin{Task::kBinary, 2, 0.5};
  std::vector<float> pred{0.5f, 0.5f, 0.2f, 0.8f};
  EXPECT_THROW(f1.Score({0, 1}, pred.data(), 0, bin), InvalidInput);          // no rows
  EXPECT_THROW(f1.Score({0}, pred.data(), 2, bin), InvalidInput);             // size mismatch
  EXPECT_THROW(f1.Score({0, 2}, pred.data(), 2, bin), InvalidInput);          // not a class
  EXPECT_THROW(f1.Score({0, 0.5f}, pred.data(), 2, bin), InvalidInput);       // not an integer
  EXPECT_THROW(f1.Score({0, 1}, nullptr, 2, bin), InvalidInput);              // no predictions
  EXPECT_THROW(f1.Score({0, 1}, pred.data(), 2, {Task::kBinary, 3, 0.5}), InvalidInput);
  EXPECT_THROW(f1.Score({0, 1}, pred.data(), 2, {Task::kRegression, 0, 0.5}), InvalidInput);
  std::vector<float> nan_pred{0.5f, std::nanf(""), 0.2f, 0.8f};
  EXPECT_THROW(r.Get("auc").Score({0, 1}, nan_pred.data(), 2, bin), InvalidInput);
  // AUC is undefined with a single class present.
  EXPECT_THROW(r.Get("auc").Score({1, 1}, pred.data(), 2, bin), InvalidInput);
  try {
    f1.Score({0, 7}, pred.data(), 2, bin);
  } catch (const InvalidInput& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("metric 'f1'"), std::string::npos) << m;
    EXPECT_NE(m.find("row 1"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace tabpilot
