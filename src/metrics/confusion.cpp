#include "metrics/confusion.h"

namespace tabpilot {
namespace {

double Ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

BinaryCounts CountBinary(const std::vector<float>& y, const float* pred, size_t rows, double threshold) {
  BinaryCounts c;
  for (size_t r = 0; r < rows; ++r) {
    bool positive = static_cast<double>(pred[2 * r + 1]) >= threshold;
    bool actual = y[r] == 1.0f;
    if (actual) {
      (positive ? c.tp : c.fn) += 1;
    } else {
      (positive ? c.fp : c.tn) += 1;
    }
  }
  return c;
}

std::vector<int> PredictClasses(const float* pred, size_t rows, const MetricContext& ctx) {
  std::vector<int> out(rows);
  if (ctx.task == Task::kBinary) {
    for (size_t r = 0; r < rows; ++r) out[r] = static_cast<double>(pred[2 * r + 1]) >= ctx.threshold ? 1 : 0;
    return out;
  }
  const size_t k = PredictionColumns(ctx);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = pred + r * k;
    int best = 0;
    for (size_t j = 1; j < k; ++j) {
      if (row[j] > row[best]) best = static_cast<int>(j);
    }
    out[r] = best;
  }
  return out;
}

double PrecisionFromCounts(const BinaryCounts& c) { return Ratio(c.tp, c.tp + c.fp); }
double RecallFromCounts(const BinaryCounts& c) { return Ratio(c.tp, c.tp + c.fn); }
double F1FromCounts(const BinaryCounts& c) { return Ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn); }
double AccuracyFromCounts(const BinaryCounts& c) { return Ratio(c.tp + c.tn, c.total()); }

double BalancedAccuracyFromCounts(const BinaryCounts& c) {
  const double pos = c.tp + c.fn, neg = c.tn + c.fp;
  if (pos > 0 && neg > 0) return 0.5 * (c.tp / pos + c.tn / neg);
  if (pos > 0) return c.tp / pos;
  if (neg > 0) return c.tn / neg;
  return 0.0;
}

double F1MacroFromCounts(const BinaryCounts& c) {
  double sum = 0;
  int n = 0;
  if (c.tp + c.fn + c.fp > 0) {  // class 1 in y or predicted
    sum += Ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
    ++n;
  }
  if (c.tn + c.fp + c.fn > 0) {  // class 0 in y or predicted
    sum += Ratio(2 * c.tn, 2 * c.tn + c.fp + c.fn);
    ++n;
  }
  return n > 0 ? sum / n : 0.0;
}

ConfusionMatrix::ConfusionMatrix(const std::vector<float>& y, const std::vector<int>& predicted, int num_classes)
    : k_(num_classes),
      counts_(static_cast<size_t>(num_classes * num_classes), 0.0),
      support_(static_cast<size_t>(num_classes), 0.0),
      predicted_(static_cast<size_t>(num_classes), 0.0) {
  for (size_t r = 0; r < predicted.size(); ++r) {
    int a = static_cast<int>(y[r]);
    int p = predicted[r];
    counts_[static_cast<size_t>(a) * static_cast<size_t>(k_) + static_cast<size_t>(p)] += 1;
    support_[static_cast<size_t>(a)] += 1;
    predicted_[static_cast<size_t>(p)] += 1;
  }
  total_ = static_cast<double>(predicted.size());
}

double ConfusionMatrix::Precision(int c) const { return Ratio(count(c, c), predicted(c)); }
double ConfusionMatrix::Recall(int c) const { return Ratio(count(c, c), support(c)); }
double ConfusionMatrix::F1(int c) const { return Ratio(2 * count(c, c), support(c) + predicted(c)); }

double ConfusionMatrix::Accuracy() const {
  double correct = 0;
  for (int c = 0; c < k_; ++c) correct += count(c, c);
  return Ratio(correct, total_);
}

double ConfusionMatrix::BalancedAccuracy() const {
  double sum = 0;
  int n = 0;
  for (int c = 0; c < k_; ++c) {
    if (support(c) > 0) {
      sum += Recall(c);
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

template <typename Fn>
double ConfusionMatrix::Macro(Fn fn) const {
  double sum = 0;
  int n = 0;
  for (int c = 0; c < k_; ++c) {
    if (Present(c)) {
      sum += fn(c);
      ++n;
    }
  }
  return n > 0 ? sum / n : 0.0;
}

template <typename Fn>
double ConfusionMatrix::Weighted(Fn fn) const {
  double sum = 0;
  for (int c = 0; c < k_; ++c) sum += support(c) * fn(c);
  return Ratio(sum, total_);
}

double ConfusionMatrix::MacroPrecision() const { return Macro([this](int c) { return Precision(c); }); }
double ConfusionMatrix::MacroRecall() const { return Macro([this](int c) { return Recall(c); }); }
double ConfusionMatrix::MacroF1() const { return Macro([this](int c) { return F1(c); }); }
double ConfusionMatrix::WeightedPrecision() const { return Weighted([this](int c) { return Precision(c); }); }
double ConfusionMatrix::WeightedRecall() const { return Weighted([this](int c) { return Recall(c); }); }
double ConfusionMatrix::WeightedF1() const { return Weighted([this](int c) { return F1(c); }); }

}  // namespace tabpilot
