#include "evaluate/quality_report.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <random>

#include "core/error.h"
#include "metrics/classification_metrics.h"
#include "metrics/metric_registry.h"
#include "metrics/regression_metrics.h"
#include "metrics/roc.h"

namespace tabpilot {
namespace {

// A scalar of the report: computed on the full data for "value" and on each
// bootstrap resample for "standard_deviation". nullopt = undefined here.
struct Statistic {
  std::string key;
  std::function<std::optional<double>(const std::vector<float>& y, const float* pred, size_t rows)> compute;
  bool with_deviation = true;
};

// Sample standard deviation per statistic over resamples (nullopt when fewer
// than two resamples gave a value).
std::vector<std::optional<double>> BootstrapDeviations(const std::vector<Statistic>& stats, const std::vector<float>& y,
                                                       const float* pred, size_t rows, size_t k,
                                                       const QualityReportOptions& options) {
  std::vector<std::optional<double>> out(stats.size());
  if (options.bootstrap_resamples <= 0) return out;
  std::vector<double> sum(stats.size(), 0), sum_sq(stats.size(), 0);
  std::vector<int> count(stats.size(), 0);
  std::mt19937_64 rng(options.seed);
  std::uniform_int_distribution<size_t> pick(0, rows - 1);
  std::vector<float> yb(rows), pb(rows * k);
  for (int b = 0; b < options.bootstrap_resamples; ++b) {
    for (size_t r = 0; r < rows; ++r) {
      size_t src = pick(rng);
      yb[r] = y[src];
      for (size_t j = 0; j < k; ++j) pb[r * k + j] = pred[src * k + j];
    }
    for (size_t s = 0; s < stats.size(); ++s) {
      if (!stats[s].with_deviation) continue;
      std::optional<double> v = stats[s].compute(yb, pb.data(), rows);
      if (!v) continue;
      sum[s] += *v;
      sum_sq[s] += *v * *v;
      ++count[s];
    }
  }
  for (size_t s = 0; s < stats.size(); ++s) {
    if (count[s] < 2) continue;
    double n = count[s];
    double var = (sum_sq[s] - sum[s] * sum[s] / n) / (n - 1);
    out[s] = std::sqrt(std::max(0.0, var));
  }
  return out;
}

// Adds {"key": {"value": v, "standard_deviation": s}} for every defined statistic.
void AddStatistics(Json& section, const std::vector<Statistic>& stats, const std::vector<float>& y, const float* pred,
                   size_t rows, size_t k, const QualityReportOptions& options) {
  std::vector<std::optional<double>> dev = BootstrapDeviations(stats, y, pred, rows, k, options);
  for (size_t s = 0; s < stats.size(); ++s) {
    std::optional<double> v = stats[s].compute(y, pred, rows);
    if (!v) continue;
    Json entry = {{"value", *v}};
    if (dev[s]) entry["standard_deviation"] = *dev[s];
    section[stats[s].key] = std::move(entry);
  }
}

// A statistic scored by a registry metric; InvalidInput (AUC on one class) -> undefined.
Statistic FromMetric(const std::string& key, const Metric& metric, const MetricContext& ctx) {
  return {key, [&metric, ctx](const std::vector<float>& y, const float* p, size_t n) -> std::optional<double> {
            try {
              return metric.Score(y, p, n, ctx);
            } catch (const InvalidInput&) {
              return std::nullopt;
            }
          }};
}

Json ConfusionJson(const ConfusionMatrix& cm, const std::vector<std::string>& labels) {
  Json out = Json::object();
  for (int a = 0; a < cm.num_classes(); ++a) {
    Json row = Json::object();
    for (int p = 0; p < cm.num_classes(); ++p)
      row[labels[static_cast<size_t>(p)]] = static_cast<int64_t>(cm.count(a, p));
    out[labels[static_cast<size_t>(a)]] = std::move(row);
  }
  return out;
}

Json Thinned(const std::vector<double>& xs, const std::vector<double>& ys, size_t max_points, const char* x_key,
             const char* y_key) {
  Json xj = Json::array(), yj = Json::array();
  for (size_t i : ThinCurve(xs, ys, max_points)) {
    xj.push_back(xs[i]);
    yj.push_back(ys[i]);
  }
  return {{x_key, std::move(xj)}, {y_key, std::move(yj)}};
}

// Precision, recall, F1 and the false-positive rate at thresholds 0, 0.01,
// ..., 1 (predict positive when the positive class's probability is >= the
// threshold; column 1 of `pred`): what the UI's threshold slider shows. One
// sort of the scores, then a binary search per threshold.
Json ThresholdCurve(const std::vector<float>& y, const float* pred, size_t rows) {
  std::vector<std::pair<float, bool>> scored(rows);
  for (size_t r = 0; r < rows; ++r) scored[r] = {pred[2 * r + 1], y[r] == 1.0f};
  std::sort(scored.begin(), scored.end());
  // positives_below[i]: positives among the i lowest scores.
  std::vector<size_t> positives_below(rows + 1, 0);
  for (size_t i = 0; i < rows; ++i) positives_below[i + 1] = positives_below[i] + (scored[i].second ? 1 : 0);
  const double positives = static_cast<double>(positives_below[rows]);
  const double negatives = static_cast<double>(rows) - positives;
  Json thresholds = Json::array(), precisions = Json::array(), recalls = Json::array(), f1s = Json::array(),
       fprs = Json::array();
  constexpr int kSteps = 100;
  for (int k = 0; k <= kSteps; ++k) {
    const double t = k / static_cast<double>(kSteps);
    const auto below = static_cast<size_t>(
        std::lower_bound(scored.begin(), scored.end(), t,
                         [](const std::pair<float, bool>& a, double v) { return static_cast<double>(a.first) < v; }) -
        scored.begin());
    const double tp = positives - static_cast<double>(positives_below[below]);
    const double predicted = static_cast<double>(rows - below);
    const double fp = predicted - tp;
    const double precision = predicted > 0 ? tp / predicted : 1.0;
    const double recall = positives > 0 ? tp / positives : 0.0;
    thresholds.push_back(t);
    precisions.push_back(precision);
    recalls.push_back(recall);
    f1s.push_back(precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
    fprs.push_back(negatives > 0 ? fp / negatives : 0.0);
  }
  return {{"thresholds", std::move(thresholds)},
          {"precisions", std::move(precisions)},
          {"recalls", std::move(recalls)},
          {"f1s", std::move(f1s)},
          {"false_positive_rates", std::move(fprs)}};
}

double Prevalence(const std::vector<float>& y, size_t rows) {
  double pos = 0;
  for (size_t r = 0; r < rows; ++r) pos += y[r] == 1.0f ? 1 : 0;
  return pos / static_cast<double>(rows);
}

Json BinarySection(const std::vector<std::string>& labels, int positive_class, double threshold,
                   const std::vector<float>& y_in, const float* pred_in, size_t rows, const MetricRegistry& metrics,
                   const QualityReportOptions& options) {
  // Work with the positive label as class 1 (the metrics' convention).
  std::vector<float> y(y_in);
  std::vector<float> pred(pred_in, pred_in + 2 * rows);
  std::vector<std::string> internal_labels = labels;
  if (positive_class == 0) {
    for (float& v : y) v = 1.0f - v;
    for (size_t r = 0; r < rows; ++r) std::swap(pred[2 * r], pred[2 * r + 1]);
    std::swap(internal_labels[0], internal_labels[1]);
  }
  const MetricContext ctx{Task::kBinary, 2, threshold};
  Json section = Json::object();
  ConfusionMatrix cm = ConfusionOf(y, pred.data(), rows, ctx);
  section["confusion_matrix"] = ConfusionJson(cm, internal_labels);

  std::vector<Statistic> stats;
  for (const char* name : {"recall", "precision", "accuracy", "f1", "auc", "logloss", "balanced_accuracy"}) {
    stats.push_back(FromMetric(name, metrics.Get(name), ctx));
    if (std::string(name) == "auc") stats.back().with_deviation = 2 * rows <= options.auc_deviation_max_cells;
  }
  AddStatistics(section, stats, y, pred.data(), rows, 2, options);

  BinaryCounts c = CountBinary(y, pred.data(), rows, threshold);
  auto rate = [](double num, double den) { return den > 0 ? num / den : 0.0; };
  section["true_positive_rate"] = {{"value", rate(c.tp, c.tp + c.fn)}};
  section["true_negative_rate"] = {{"value", rate(c.tn, c.tn + c.fp)}};
  section["false_positive_rate"] = {{"value", rate(c.fp, c.fp + c.tn)}};
  section["false_negative_rate"] = {{"value", rate(c.fn, c.fn + c.tp)}};

  // The constant classifier that does best on each metric: always-positive
  // for recall, precision and f1; the majority class for accuracy.
  using Fn = std::function<std::optional<double>(const std::vector<float>&, const float*, size_t)>;
  auto constant = [](const std::function<double(double)>& of_prevalence) -> Fn {
    return [of_prevalence](const std::vector<float>& yy, const float*, size_t n) -> std::optional<double> {
      return of_prevalence(Prevalence(yy, n));
    };
  };
  std::vector<Statistic> best_constant = {
      {"recall_best_constant_classifier", constant([](double p) { return p > 0 ? 1.0 : 0.0; })},
      {"precision_best_constant_classifier", constant([](double p) { return p; })},
      {"accuracy_best_constant_classifier", constant([](double p) { return std::max(p, 1.0 - p); })},
      {"f1_best_constant_classifier", constant([](double p) { return 2 * p / (1 + p); })},
  };
  AddStatistics(section, best_constant, y, pred.data(), rows, 2, options);

  RocCurve roc = ComputeRocCurve(y, pred.data(), rows, 2, 1);
  if (!roc.false_positive_rates.empty()) {
    section["receiver_operating_characteristic_curve"] =
        Thinned(roc.false_positive_rates, roc.true_positive_rates, options.max_curve_points, "false_positive_rates",
                "true_positive_rates");
  }
  PrecisionRecallCurve pr = ComputePrecisionRecallCurve(y, pred.data(), rows, 2, 1);
  if (!pr.recalls.empty()) {
    section["precision_recall_curve"] =
        Thinned(pr.precisions, pr.recalls, options.max_curve_points, "precisions", "recalls");
  }
  if (rows > 0) section["threshold_curve"] = ThresholdCurve(y, pred.data(), rows);
  section["threshold"] = threshold;
  section["positive_label"] = labels[static_cast<size_t>(positive_class)];
  return section;
}

Json MulticlassSection(const std::vector<std::string>& labels, const std::vector<float>& y, const float* pred,
                       size_t rows, const MetricRegistry& metrics, const QualityReportOptions& options) {
  const int k = static_cast<int>(labels.size());
  const MetricContext ctx{Task::kMulticlass, k, 0.5};
  Json section = Json::object();
  ConfusionMatrix cm = ConfusionOf(y, pred, rows, ctx);
  section["confusion_matrix"] = ConfusionJson(cm, labels);

  using CmFn = double (ConfusionMatrix::*)() const;
  auto from_cm = [ctx](const std::string& key, CmFn fn) -> Statistic {
    return {key, [ctx, fn](const std::vector<float>& yy, const float* p, size_t n) -> std::optional<double> {
              return (ConfusionOf(yy, p, n, ctx).*fn)();
            }};
  };
  std::vector<Statistic> stats = {
      from_cm("accuracy", &ConfusionMatrix::Accuracy),
      from_cm("balanced_accuracy", &ConfusionMatrix::BalancedAccuracy),
      from_cm("weighted_recall", &ConfusionMatrix::WeightedRecall),
      from_cm("weighted_precision", &ConfusionMatrix::WeightedPrecision),
      from_cm("weighted_f1", &ConfusionMatrix::WeightedF1),
      from_cm("f1_macro", &ConfusionMatrix::MacroF1),
      FromMetric("logloss", metrics.Get("logloss"), ctx),
      FromMetric("auc", metrics.Get("auc"), ctx),
  };
  stats.back().with_deviation = rows * static_cast<size_t>(k) <= options.auc_deviation_max_cells;
  AddStatistics(section, stats, y, pred, rows, static_cast<size_t>(k), options);

  Json per_class = Json::object();
  for (int c = 0; c < k; ++c) {
    per_class[labels[static_cast<size_t>(c)]] = {{"precision", cm.Precision(c)},
                                                 {"recall", cm.Recall(c)},
                                                 {"f1", cm.F1(c)},
                                                 {"support", static_cast<int64_t>(cm.support(c))}};
  }
  section["per_class"] = std::move(per_class);
  return section;
}

Json RegressionSection(const std::vector<float>& y, const float* pred, size_t rows,
                       const QualityReportOptions& options) {
  using Fn = double (*)(const std::vector<float>&, const float*, size_t);
  auto stat = [](const std::string& key, Fn fn) -> Statistic {
    return {key, [fn](const std::vector<float>& yy, const float* p, size_t n) -> std::optional<double> {
              return fn(yy, p, n);
            }};
  };
  std::vector<Statistic> stats = {stat("mae", MeanAbsoluteError), stat("mse", MeanSquaredError),
                                  stat("rmse", RootMeanSquaredError), stat("r2", R2Score)};
  Json section = Json::object();
  AddStatistics(section, stats, y, pred, rows, 1, options);
  return section;
}

}  // namespace

std::vector<size_t> ThinCurve(const std::vector<double>& xs, const std::vector<double>& ys, size_t max_points) {
  const size_t n = std::min(xs.size(), ys.size());
  std::vector<size_t> out;
  if (n == 0) return out;
  max_points = std::max<size_t>(max_points, 2);
  if (n <= max_points) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  std::vector<double> length(n, 0.0);  // cumulative length up to point i
  for (size_t i = 1; i < n; ++i) length[i] = length[i - 1] + std::hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
  const double total = length[n - 1];
  out.push_back(0);
  size_t i = 0;
  for (size_t j = 1; j + 1 < max_points && total > 0; ++j) {
    const double target = total * static_cast<double>(j) / static_cast<double>(max_points - 1);
    while (i < n - 1 && length[i] < target) ++i;
    if (i != out.back() && i != n - 1) out.push_back(i);
  }
  out.push_back(n - 1);
  return out;
}

Json BuildQualityReport(Task task, const std::vector<std::string>& class_labels, int positive_class, double threshold,
                        const std::vector<float>& y, const float* pred, size_t rows,
                        const QualityReportOptions& options) {
  MetricRegistry metrics = MetricRegistry::WithBuiltins();
  const int k = IsClassification(task) ? static_cast<int>(class_labels.size()) : 1;
  if (task == Task::kBinary && k != 2) {
    throw InvalidInput("quality report: a binary problem needs 2 class labels, got " + std::to_string(k));
  }
  if (task == Task::kMulticlass && k < 2) {
    throw InvalidInput("quality report: a multiclass problem needs at least 2 class labels, got " + std::to_string(k));
  }
  if (task == Task::kBinary && positive_class != 0 && positive_class != 1) {
    throw InvalidInput("quality report: positive class index " + std::to_string(positive_class) + " is not 0 or 1");
  }
  if (IsClassification(task)) {
    for (size_t a = 0; a < class_labels.size(); ++a) {
      for (size_t b = a + 1; b < class_labels.size(); ++b) {
        if (class_labels[a] == class_labels[b]) {
          throw InvalidInput("quality report: class label '" + class_labels[a] + "' appears twice");
        }
      }
    }
  }
  const MetricContext ctx{task, k, threshold};
  CheckMetricInputs(metrics.Get(IsClassification(task) ? "accuracy" : "mse"), y, pred, rows, ctx);

  Json report = {{"version", "0.0"}, {"dataset", {{"item_count", static_cast<int64_t>(rows)}}}};
  switch (task) {
    case Task::kBinary:
      report["binary_classification_metrics"] =
          BinarySection(class_labels, positive_class, threshold, y, pred, rows, metrics, options);
      break;
    case Task::kMulticlass:
      report["multiclass_classification_metrics"] = MulticlassSection(class_labels, y, pred, rows, metrics, options);
      break;
    case Task::kRegression:
      report["regression_metrics"] = RegressionSection(y, pred, rows, options);
      break;
  }
  return report;
}

}  // namespace tabpilot
