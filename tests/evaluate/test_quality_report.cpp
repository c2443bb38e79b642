// Expected metric values come from scikit-learn 1.2.1 on the same inputs (see
// tests/metrics/test_metrics.cpp); rates and best-constant values by hand.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "evaluate/quality_report.h"

namespace tabpilot {
namespace {

constexpr double kTol = 1e-6;

struct Binary {
  std::vector<float> y{0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  std::vector<float> pred;  // rows x 2; column 1 = p(">50K")
  Binary() {
    for (float p : {0.1f, 0.4f, 0.35f, 0.8f, 0.5f, 0.5f, 0.2f, 0.9f, 0.65f, 0.7f}) {
      pred.push_back(1 - p);
      pred.push_back(p);
    }
  }
};

TEST(QualityReport, BinaryValuesAndShape) {
  Binary b;
  Json r = BuildQualityReport(Task::kBinary, {"<=50K", ">50K"}, 1, 0.5, b.y, b.pred.data(), b.y.size());
  EXPECT_EQ(r["version"], "0.0");
  EXPECT_EQ(r["dataset"]["item_count"], 10);
  const Json& m = r.at("binary_classification_metrics");
  // At 0.5: tp 4, fp 2, tn 3, fn 1.
  EXPECT_EQ(m["confusion_matrix"][">50K"][">50K"], 4);
  EXPECT_EQ(m["confusion_matrix"][">50K"]["<=50K"], 1);
  EXPECT_EQ(m["confusion_matrix"]["<=50K"][">50K"], 2);
  EXPECT_EQ(m["confusion_matrix"]["<=50K"]["<=50K"], 3);
  EXPECT_NEAR(m["recall"]["value"].get<double>(), 0.8, kTol);
  EXPECT_NEAR(m["precision"]["value"].get<double>(), 2.0 / 3.0, kTol);
  EXPECT_NEAR(m["accuracy"]["value"].get<double>(), 0.7, kTol);
  EXPECT_NEAR(m["f1"]["value"].get<double>(), 0.7272727272727272, kTol);
  EXPECT_NEAR(m["auc"]["value"].get<double>(), 0.78, kTol);
  EXPECT_NEAR(m["logloss"]["value"].get<double>(), 0.5238706004625148, kTol);
  EXPECT_NEAR(m["balanced_accuracy"]["value"].get<double>(), 0.7, kTol);
  EXPECT_NEAR(m["true_positive_rate"]["value"].get<double>(), 0.8, kTol);
  EXPECT_NEAR(m["true_negative_rate"]["value"].get<double>(), 0.6, kTol);
  EXPECT_NEAR(m["false_positive_rate"]["value"].get<double>(), 0.4, kTol);
  EXPECT_NEAR(m["false_negative_rate"]["value"].get<double>(), 0.2, kTol);
  // Prevalence 0.5: always-positive gives recall 1, precision 0.5, f1 2/3;
  // the majority class gives accuracy 0.5.
  EXPECT_NEAR(m["recall_best_constant_classifier"]["value"].get<double>(), 1.0, kTol);
  EXPECT_NEAR(m["precision_best_constant_classifier"]["value"].get<double>(), 0.5, kTol);
  EXPECT_NEAR(m["accuracy_best_constant_classifier"]["value"].get<double>(), 0.5, kTol);
  EXPECT_NEAR(m["f1_best_constant_classifier"]["value"].get<double>(), 2.0 / 3.0, kTol);
  EXPECT_EQ(m["threshold"], 0.5);
  EXPECT_EQ(m["positive_label"], ">50K");
  for (const char* key : {"recall", "precision", "accuracy", "f1", "auc", "logloss", "balanced_accuracy"}) {
    ASSERT_TRUE(m[key].contains("standard_deviation")) << key;
  }
  // Accuracy of 10 rows at 0.7: the binomial deviation is sqrt(.21 / 10) = 0.145.
  double sd = m["accuracy"]["standard_deviation"].get<double>();
  EXPECT_GT(sd, 0.07);
  EXPECT_LT(sd, 0.25);

  const Json& roc = m["receiver_operating_characteristic_curve"];
  const Json& fpr = roc["false_positive_rates"];
  const Json& tpr = roc["true_positive_rates"];
  ASSERT_EQ(fpr.size(), 10u);  // one point per distinct score, plus the origin
  ASSERT_EQ(tpr.size(), fpr.size());
  EXPECT_EQ(fpr.front(), 0.0);
  EXPECT_EQ(tpr.front(), 0.0);
  EXPECT_EQ(fpr.back(), 1.0);
  EXPECT_EQ(tpr.back(), 1.0);
  const Json& pr = m["precision_recall_curve"];
  EXPECT_EQ(pr["recalls"].front(), 0.0);
  EXPECT_EQ(pr["recalls"].back(), 1.0);
  EXPECT_EQ(pr["precisions"].back(), 0.5);

  // The threshold slider's curve: 101 points; at the report's threshold
  // (0.5) it agrees with the report's own precision, recall and F1; at 0
  // everything is predicted positive, past the top score nothing is.
  const Json& tc = m["threshold_curve"];
  ASSERT_EQ(tc["thresholds"].size(), 101u);
  for (const char* key : {"precisions", "recalls", "f1s", "false_positive_rates"}) {
    ASSERT_EQ(tc[key].size(), 101u) << key;
  }
  EXPECT_NEAR(tc["precisions"][50].get<double>(), m["precision"]["value"].get<double>(), kTol);
  EXPECT_NEAR(tc["recalls"][50].get<double>(), m["recall"]["value"].get<double>(), kTol);
  EXPECT_NEAR(tc["f1s"][50].get<double>(), m["f1"]["value"].get<double>(), kTol);
  EXPECT_NEAR(tc["false_positive_rates"][50].get<double>(), 0.4, kTol);
  EXPECT_EQ(tc["recalls"][0], 1.0);
  EXPECT_EQ(tc["false_positive_rates"][0], 1.0);
  EXPECT_EQ(tc["recalls"][100], 0.0);
}

TEST(QualityReport, PositiveClassZeroIsTheSameReportMirrored) {
  Binary b;
  std::vector<float> y, pred;
  for (float v : b.y) y.push_back(1 - v);
  for (size_t r = 0; r < b.y.size(); ++r) {
    pred.push_back(b.pred[2 * r + 1]);
    pred.push_back(b.pred[2 * r]);
  }
  QualityReportOptions o;
  Json a = BuildQualityReport(Task::kBinary, {"<=50K", ">50K"}, 1, 0.5, b.y, b.pred.data(), 10, o);
  Json m = BuildQualityReport(Task::kBinary, {">50K", "<=50K"}, 0, 0.5, y, pred.data(), 10, o);
  EXPECT_EQ(a, m);
}

TEST(QualityReport, Multiclass) {
  std::vector<float> y{0, 1, 2, 2, 1, 0, 2, 1};
  std::vector<float> pred{0.7f, 0.2f, 0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.3f, 0.5f, 0.4f, 0.4f, 0.2f,
                          0.1f, 0.8f, 0.1f, 0.3f, 0.3f, 0.4f, 0.3f, 0.3f, 0.4f, 0.5f, 0.2f, 0.3f};
  Json r = BuildQualityReport(Task::kMulticlass, {"a", "b", "c"}, 0, 0.5, y, pred.data(), y.size());
  const Json& m = r.at("multiclass_classification_metrics");
  EXPECT_NEAR(m["accuracy"]["value"].get<double>(), 0.625, kTol);
  EXPECT_NEAR(m["balanced_accuracy"]["value"].get<double>(), 0.611111111111111, kTol);
  EXPECT_NEAR(m["weighted_recall"]["value"].get<double>(), 0.625, kTol);
  EXPECT_NEAR(m["weighted_precision"]["value"].get<double>(), 0.7083333333333333, kTol);
  EXPECT_NEAR(m["weighted_f1"]["value"].get<double>(), 0.65, kTol);
  EXPECT_NEAR(m["f1_macro"]["value"].get<double>(), 0.6222222222222222, kTol);
  EXPECT_NEAR(m["logloss"]["value"].get<double>(), 0.9410494766380035, kTol);
  EXPECT_NEAR(m["auc"]["value"].get<double>(), 0.7277777777777777, kTol);
  // Predicted (argmax): a b c a b c c a.
  EXPECT_EQ(m["confusion_matrix"]["a"]["a"], 1);
  EXPECT_EQ(m["confusion_matrix"]["a"]["c"], 1);
  EXPECT_EQ(m["confusion_matrix"]["b"]["a"], 1);
  EXPECT_EQ(m["confusion_matrix"]["c"]["c"], 2);
  EXPECT_EQ(m["per_class"]["c"]["support"], 3);
  EXPECT_NEAR(m["per_class"]["c"]["precision"].get<double>(), 2.0 / 3.0, kTol);
  EXPECT_NEAR(m["per_class"]["b"]["recall"].get<double>(), 2.0 / 3.0, kTol);
  EXPECT_FALSE(r.contains("binary_classification_metrics"));
}

TEST(QualityReport, Regression) {
  std::vector<float> y{3.0f, -0.5f, 2.0f, 7.0f, 4.25f};
  std::vector<float> p{2.5f, 0.0f, 2.0f, 8.0f, 3.0f};
  Json r = BuildQualityReport(Task::kRegression, {}, 0, 0.5, y, p.data(), y.size());
  const Json& m = r.at("regression_metrics");
  EXPECT_NEAR(m["mse"]["value"].get<double>(), 0.6125, kTol);
  EXPECT_NEAR(m["rmse"]["value"].get<double>(), 0.7826237921249264, kTol);
  EXPECT_NEAR(m["mae"]["value"].get<double>(), 0.65, kTol);
  EXPECT_NEAR(m["r2"]["value"].get<double>(), 0.9002442996742671, kTol);
  EXPECT_GT(m["mae"]["standard_deviation"].get<double>(), 0.0);
}

TEST(QualityReport, BootstrapIsSeededAndOptional) {
  Binary b;
  QualityReportOptions o;
  o.seed = 42;
  Json a1 = BuildQualityReport(Task::kBinary, {"n", "y"}, 1, 0.5, b.y, b.pred.data(), 10, o);
  Json a2 = BuildQualityReport(Task::kBinary, {"n", "y"}, 1, 0.5, b.y, b.pred.data(), 10, o);
  EXPECT_EQ(a1, a2);
  o.seed = 43;
  Json a3 = BuildQualityReport(Task::kBinary, {"n", "y"}, 1, 0.5, b.y, b.pred.data(), 10, o);
  EXPECT_NE(a1["binary_classification_metrics"]["f1"]["standard_deviation"],
            a3["binary_classification_metrics"]["f1"]["standard_deviation"]);
  o.bootstrap_resamples = 0;
  Json none = BuildQualityReport(Task::kBinary, {"n", "y"}, 1, 0.5, b.y, b.pred.data(), 10, o);
  EXPECT_FALSE(none["binary_classification_metrics"]["f1"].contains("standard_deviation"));
  EXPECT_EQ(none["binary_classification_metrics"]["f1"]["value"], a1["binary_classification_metrics"]["f1"]["value"]);
}

TEST(QualityReport, CurvesAreThinnedKeepingEndPoints) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0, 1);
  std::vector<float> y, pred;
  for (int i = 0; i < 5000; ++i) {
    float p = u(rng);
    y.push_back(u(rng) < p ? 1.0f : 0.0f);
    pred.push_back(1 - p);
    pred.push_back(p);
  }
  QualityReportOptions o;
  o.bootstrap_resamples = 2;
  Json r = BuildQualityReport(Task::kBinary, {"0", "1"}, 1, 0.5, y, pred.data(), y.size(), o);
  const Json& roc = r["binary_classification_metrics"]["receiver_operating_characteristic_curve"];
  const Json& fpr = roc["false_positive_rates"];
  const Json& tpr = roc["true_positive_rates"];
  EXPECT_LE(fpr.size(), 200u);
  EXPECT_GE(fpr.size(), 150u);
  EXPECT_EQ(fpr.front(), 0.0);
  EXPECT_EQ(tpr.front(), 0.0);
  EXPECT_EQ(fpr.back(), 1.0);
  EXPECT_EQ(tpr.back(), 1.0);
  for (size_t i = 1; i < fpr.size(); ++i) {
    EXPECT_GE(fpr[i].get<double>(), fpr[i - 1].get<double>());
    EXPECT_GE(tpr[i].get<double>(), tpr[i - 1].get<double>());
  }
  EXPECT_LE(r["binary_classification_metrics"]["precision_recall_curve"]["recalls"].size(), 200u);
  EXPECT_TRUE(r["binary_classification_metrics"]["auc"].contains("standard_deviation"));
  // Too many cells for a bootstrapped AUC: the value stays, the deviation goes.
  o.auc_deviation_max_cells = 9999;
  Json cheap = BuildQualityReport(Task::kBinary, {"0", "1"}, 1, 0.5, y, pred.data(), y.size(), o);
  EXPECT_FALSE(cheap["binary_classification_metrics"]["auc"].contains("standard_deviation"));
  EXPECT_EQ(cheap["binary_classification_metrics"]["auc"]["value"], r["binary_classification_metrics"]["auc"]["value"]);
}

TEST(QualityReport, ThinCurve) {
  std::vector<double> xs, ys;
  for (int i = 0; i < 1000; ++i) {
    xs.push_back(i / 999.0);
    ys.push_back(0);
  }
  std::vector<size_t> idx = ThinCurve(xs, ys, 11);
  EXPECT_EQ(idx, (std::vector<size_t>{0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 999}));
  EXPECT_EQ(ThinCurve({0, 1}, {0, 1}, 200), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(ThinCurve({0, 0, 0, 0}, {0, 0, 0, 0}, 2), (std::vector<size_t>{0, 3}));
}

TEST(QualityReport, SingleClassLeavesAucOut) {
  std::vector<float> y{1, 1, 1};
  std::vector<float> pred{0.2f, 0.8f, 0.6f, 0.4f, 0.1f, 0.9f};
  Json r = BuildQualityReport(Task::kBinary, {"n", "y"}, 1, 0.5, y, pred.data(), 3);
  const Json& m = r["binary_classification_metrics"];
  EXPECT_FALSE(m.contains("auc"));
  EXPECT_FALSE(m.contains("receiver_operating_characteristic_curve"));
  EXPECT_NEAR(m["recall"]["value"].get<double>(), 2.0 / 3.0, kTol);
}

TEST(QualityReport, BadInputsThrow) {
  Binary b;
  EXPECT_THROW(BuildQualityReport(Task::kBinary, {"a", "b", "c"}, 1, 0.5, b.y, b.pred.data(), 10), InvalidInput);
  EXPECT_THROW(BuildQualityReport(Task::kBinary, {"a", "b"}, 2, 0.5, b.y, b.pred.data(), 10), InvalidInput);
  EXPECT_THROW(BuildQualityReport(Task::kBinary, {"a", "a"}, 1, 0.5, b.y, b.pred.data(), 10), InvalidInput);
  EXPECT_THROW(BuildQualityReport(Task::kBinary, {"a", "b"}, 1, 0.5, b.y, b.pred.data(), 11), InvalidInput);
  EXPECT_THROW(BuildQualityReport(Task::kBinary, {"a", "b"}, 1, 0.5, b.y, b.pred.data(), 0), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
