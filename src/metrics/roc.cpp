#include "metrics/roc.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

struct Scored {
  float score;
  bool positive;
};

// (score, is-positive) pairs of one column, sorted by descending score.
std::vector<Scored> SortDescending(const std::vector<float>& y, const float* pred, size_t rows, size_t cols,
                                   int positive_col, double* positives) {
  std::vector<Scored> v(rows);
  const float label = static_cast<float>(positive_col);
  double p = 0;
  for (size_t r = 0; r < rows; ++r) {
    v[r] = {pred[r * cols + static_cast<size_t>(positive_col)], y[r] == label};
    p += v[r].positive ? 1 : 0;
  }
  std::sort(v.begin(), v.end(), [](const Scored& a, const Scored& b) { return a.score > b.score; });
  *positives = p;
  return v;
}

// Calls fn(tp, fp, score) after each group of equal scores, highest first.
template <typename Fn>
void WalkGroups(const std::vector<Scored>& v, Fn fn) {
  double tp = 0, fp = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && v[j].score == v[i].score) {
      (v[j].positive ? tp : fp) += 1;
      ++j;
    }
    fn(tp, fp, static_cast<double>(v[i].score));
    i = j;
  }
}

}  // namespace

std::optional<double> OneVsRestAuc(const std::vector<float>& y, const float* pred, size_t rows, size_t cols,
                                   int positive_col) {
  double pos = 0;
  std::vector<Scored> v = SortDescending(y, pred, rows, cols, positive_col, &pos);
  const double neg = static_cast<double>(rows) - pos;
  if (pos == 0 || neg == 0) return std::nullopt;
  // Walking from the top: each positive outranks the negatives below it; a
  // tie between a positive and a negative counts one half.
  double above_neg = 0;  // negatives strictly above the current group
  double wins = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    double gp = 0, gn = 0;
    while (j < v.size() && v[j].score == v[i].score) {
      (v[j].positive ? gp : gn) += 1;
      ++j;
    }
    // Positives in this group beat the negatives below: neg - above_neg - gn,
    // and tie with the gn negatives in the group.
    wins += gp * (neg - above_neg - gn) + 0.5 * gp * gn;
    above_neg += gn;
    i = j;
  }
  return wins / (pos * neg);
}

double RocAuc(const std::vector<float>& y, const float* pred, size_t rows, const MetricContext& ctx) {
  if (ctx.task == Task::kBinary) {
    auto auc = OneVsRestAuc(y, pred, rows, 2, 1);
    if (!auc) throw InvalidInput("metric 'auc': undefined when the labels hold only one class");
    return *auc;
  }
  const size_t k = PredictionColumns(ctx);
  double sum = 0;
  int n = 0;
  for (size_t c = 0; c < k; ++c) {
    auto auc = OneVsRestAuc(y, pred, rows, k, static_cast<int>(c));
    if (auc) {
      sum += *auc;
      ++n;
    }
  }
  if (n == 0) throw InvalidInput("metric 'auc': undefined when the labels hold only one class");
  return sum / n;
}

RocCurve ComputeRocCurve(const std::vector<float>& y, const float* pred, size_t rows, size_t cols, int positive_col) {
  double pos = 0;
  std::vector<Scored> v = SortDescending(y, pred, rows, cols, positive_col, &pos);
  const double neg = static_cast<double>(rows) - pos;
  RocCurve c;
  if (pos == 0 || neg == 0) return c;
  c.false_positive_rates.push_back(0);
  c.true_positive_rates.push_back(0);
  c.thresholds.push_back(std::numeric_limits<double>::infinity());
  WalkGroups(v, [&](double tp, double fp, double score) {
    c.false_positive_rates.push_back(fp / neg);
    c.true_positive_rates.push_back(tp / pos);
    c.thresholds.push_back(score);
  });
  return c;
}

PrecisionRecallCurve ComputePrecisionRecallCurve(const std::vector<float>& y, const float* pred, size_t rows,
                                                 size_t cols, int positive_col) {
  double pos = 0;
  std::vector<Scored> v = SortDescending(y, pred, rows, cols, positive_col, &pos);
  PrecisionRecallCurve c;
  if (pos == 0) return c;
  c.precisions.push_back(1);
  c.recalls.push_back(0);
  c.thresholds.push_back(std::numeric_limits<double>::infinity());
  WalkGroups(v, [&](double tp, double fp, double score) {
    c.precisions.push_back(tp / (tp + fp));
    c.recalls.push_back(tp / pos);
    c.thresholds.push_back(score);
  });
  return c;
}

}  // namespace tabpilot
