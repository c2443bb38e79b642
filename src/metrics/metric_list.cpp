// The one table of built-in metrics. Add a metric here.
//
// Threshold metrics (those with a `counts` function) score binary problems
// from the confusion counts at ctx.threshold; on multiclass problems they use
// argmax decisions, and precision/recall/f1 are macro averages.
#include "metrics/classification_metrics.h"
#include "metrics/confusion.h"
#include "metrics/metric_registry.h"
#include "metrics/regression_metrics.h"
#include "metrics/roc.h"

namespace tabpilot {
namespace {

using Y = const std::vector<float>&;
using Ctx = const MetricContext&;

std::unique_ptr<Metric> Make(FunctionMetric::Spec spec) { return std::make_unique<FunctionMetric>(std::move(spec)); }

// A regression metric from a plain (y, pred, rows) function.
FunctionMetric::Spec Regression(std::string name, bool greater_is_better,
                                double (*fn)(const std::vector<float>&, const float*, size_t)) {
  FunctionMetric::Spec s;
  s.name = std::move(name);
  s.greater_is_better = greater_is_better;
  s.for_classification = false;
  s.for_regression = true;
  s.score = [fn](Y y, const float* p, size_t n, Ctx) { return fn(y, p, n); };
  return s;
}

}  // namespace

void RegisterBuiltinMetrics(MetricRegistry& registry) {
  // name, greater is better, classification, regression, score, binary counts score
  registry.Register(Make({"auc", true, true, false, RocAuc, nullptr}));
  registry.Register(Make({"logloss", false, true, false, LogLoss, nullptr}));
  registry.Register(Make({"accuracy", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) { return ConfusionOf(y, p, n, c).Accuracy(); },
                          AccuracyFromCounts}));
  registry.Register(Make({"balanced_accuracy", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) {
                            return ConfusionOf(y, p, n, c).BalancedAccuracy();
                          },
                          BalancedAccuracyFromCounts}));
  registry.Register(Make({"precision", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) {
                            return ConfusionOf(y, p, n, c).MacroPrecision();
                          },
                          PrecisionFromCounts}));
  registry.Register(Make({"recall", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) { return ConfusionOf(y, p, n, c).MacroRecall(); },
                          RecallFromCounts}));
  registry.Register(Make({"f1", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) { return ConfusionOf(y, p, n, c).MacroF1(); },
                          F1FromCounts}));
  registry.Register(Make({"f1_macro", true, true, false,
                          [](Y y, const float* p, size_t n, Ctx c) { return ConfusionOf(y, p, n, c).MacroF1(); },
                          F1MacroFromCounts}));
  registry.Register(Make(Regression("mse", false, MeanSquaredError)));
  registry.Register(Make(Regression("rmse", false, RootMeanSquaredError)));
  registry.Register(Make(Regression("mae", false, MeanAbsoluteError)));
  registry.Register(Make(Regression("r2", true, R2Score)));
}

}  // namespace tabpilot
