#include "automl/oof_scorer.h"

#include "automl/threshold_tuning.h"

namespace tabpilot {
namespace {

// The positive-class column of a binary prediction matrix.
std::vector<float> PositiveColumn(const Matrix& p) {
  std::vector<float> out(p.rows);
  for (size_t r = 0; r < p.rows; ++r) out[r] = p.at(r, 1);
  return out;
}

}  // namespace

OofScorer::OofScorer(const ProblemInfo& problem, const std::vector<float>& y)
    : problem_(problem), y_(y), metrics_(MetricRegistry::WithBuiltins()), objective_(metrics_.Get(problem.metric)) {
  ctx_.task = problem.task;
  ctx_.num_classes = problem.num_outputs();
}

bool OofScorer::tunes_threshold() const { return problem_.task == Task::kBinary && objective_.uses_threshold(); }

double OofScorer::Score(const Matrix& pred, double* threshold) const {
  MetricContext ctx = ctx_;
  if (tunes_threshold()) {
    std::vector<float> p = PositiveColumn(pred);
    ctx.threshold = TuneThreshold(y_, p.data(), p.size(), objective_);
  }
  if (threshold) *threshold = ctx.threshold;
  return objective_.Score(y_, pred.values.data(), pred.rows, ctx);
}

double OofScorer::SelectionLoss(const float* pred) const { return SelectionLoss(y_, pred); }

double OofScorer::SelectionLoss(const std::vector<float>& y, const float* pred) const {
  const Metric& m = tunes_threshold() ? metrics_.Get("logloss") : objective_;
  return m.Loss(y, pred, y.size(), ctx_);
}

}  // namespace tabpilot
