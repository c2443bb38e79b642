#include "metrics/metric.h"

#include <cmath>

#include "core/error.h"
#include "metrics/confusion.h"

namespace tabpilot {

double Metric::ScoreCounts(const BinaryCounts& /*counts*/) const {
  throw Internal("metric '" + name() + "' does not score confusion counts (it does not use a threshold)");
}

double Metric::Loss(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) const {
  double s = Score(y, pred, rows, ctx);
  return greater_is_better() ? -s : s;
}

size_t PredictionColumns(const MetricContext& ctx) {
  if (ctx.task == Task::kRegression) return 1;
  return ctx.num_classes > 0 ? static_cast<size_t>(ctx.num_classes) : 0;
}

void CheckMetricInputs(const Metric& metric, const std::vector<float>& y, const float* pred, size_t rows,
                       const MetricContext& ctx) {
  const std::string who = "metric '" + metric.name() + "': ";
  if (!metric.supports(ctx.task)) {
    throw InvalidInput(who + "does not apply to " + TaskName(ctx.task) + " problems");
  }
  if (rows == 0) throw InvalidInput(who + "no rows to score");
  if (y.size() != rows) {
    throw InvalidInput(who + std::to_string(y.size()) + " labels for " + std::to_string(rows) + " prediction rows");
  }
  if (pred == nullptr) throw InvalidInput(who + "no predictions");
  if (ctx.task == Task::kBinary && ctx.num_classes != 2) {
    throw InvalidInput(who + "binary problems need num_classes = 2, got " + std::to_string(ctx.num_classes));
  }
  if (ctx.task == Task::kMulticlass && ctx.num_classes < 2) {
    throw InvalidInput(who + "multiclass problems need num_classes >= 2, got " + std::to_string(ctx.num_classes));
  }
  if (IsClassification(ctx.task)) {
    for (size_t r = 0; r < rows; ++r) {
      float v = y[r];
      if (!(v >= 0.0f) || v >= static_cast<float>(ctx.num_classes) || v != std::floor(v)) {
        throw InvalidInput(who + "row " + std::to_string(r) + ": label " + std::to_string(v) +
                           " is not a class index in [0, " + std::to_string(ctx.num_classes) + ")");
      }
    }
  } else {
    for (size_t r = 0; r < rows; ++r) {
      if (!std::isfinite(y[r])) throw InvalidInput(who + "row " + std::to_string(r) + ": label is not a finite number");
    }
  }
  const size_t k = PredictionColumns(ctx);
  for (size_t i = 0; i < rows * k; ++i) {
    if (!std::isfinite(pred[i])) {
      throw InvalidInput(who + "row " + std::to_string(i / k) + ", column " + std::to_string(i % k) +
                         ": prediction is not a finite number");
    }
  }
}

FunctionMetric::FunctionMetric(Spec spec) : spec_(std::move(spec)) {
  if (spec_.name.empty() || !spec_.score) throw Internal("metric spec needs a name and a score function");
}

bool FunctionMetric::supports(Task task) const {
  return task == Task::kRegression ? spec_.for_regression : spec_.for_classification;
}

double FunctionMetric::Score(const std::vector<float>& y, const float* pred, size_t rows,
                             const MetricContext& ctx) const {
  CheckMetricInputs(*this, y, pred, rows, ctx);
  if (ctx.task == Task::kBinary && spec_.counts) {
    return spec_.counts(CountBinary(y, pred, rows, ctx.threshold));
  }
  return spec_.score(y, pred, rows, ctx);
}

double FunctionMetric::ScoreCounts(const BinaryCounts& counts) const {
  if (!spec_.counts) return Metric::ScoreCounts(counts);
  return spec_.counts(counts);
}

}  // namespace tabpilot
