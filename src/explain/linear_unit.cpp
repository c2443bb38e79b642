#include "explain/linear_unit.h"

#include <cmath>
#include <utility>
#include <vector>

#include "compiled/compiled_forest.h"
#include "core/error.h"
#include "core/parallel.h"
#include "explain/link_attribution.h"

namespace tabpilot {
namespace {

// As the linear family reads a feature: non-finite values count as 0.
double Finite(float v) { return std::isfinite(v) ? static_cast<double>(v) : 0.0; }

ScoreLink LinkOf(LinearForm::Link link) {
  switch (link) {
    case LinearForm::Link::kLogistic:
      return ScoreLink::kLogistic;
    case LinearForm::Link::kSoftmax:
      return ScoreLink::kSoftmax;
    case LinearForm::Link::kIdentity:
      break;
  }
  return ScoreLink::kIdentity;
}

class LinearUnit final : public UnitExplainer {
 public:
  LinearUnit(LinearForm form, FeaturePlayers players, const Matrix& background)
      : form_(std::move(form)), players_(std::move(players)), link_(LinkOf(form_.link)) {
    if (players_.of_feature.size() != form_.features || background.cols != form_.features || background.rows == 0 ||
        form_.weights.size() != form_.raw * form_.features || form_.intercepts.size() != form_.raw) {
      throw InvalidInput("linear explanation: the model, its features and the background rows disagree");
    }
    mean_.assign(form_.features, 0.0);
    for (size_t i = 0; i < background.rows; ++i) {
      const float* row = background.row(i);
      for (size_t j = 0; j < form_.features; ++j) mean_[j] += Finite(row[j]);
    }
    for (double& m : mean_) m /= static_cast<double>(background.rows);
    raw_bias_.assign(form_.raw, 0.0);
    for (size_t r = 0; r < form_.raw; ++r) {
      double b = form_.intercepts[r];
      for (size_t j = 0; j < form_.features; ++j) b += form_.weights[r * form_.features + j] * mean_[j];
      raw_bias_[r] = b;
    }
    outputs_ = link_ == ScoreLink::kLogistic ? 2 : form_.raw;
    base_.assign(outputs_, 0.0);
    std::vector<double> zero(form_.raw * players_.players, 0.0);
    std::vector<double> ignored(outputs_ * players_.players, 0.0);
    std::vector<double> work(4 * form_.raw);
    AddLinkedAttributions(link_, static_cast<uint32_t>(form_.raw), raw_bias_.data(), raw_bias_.data(), zero.data(),
                          players_.players, 1.0, ignored.data(), base_.data(), work.data());
  }

  size_t outputs() const override { return outputs_; }
  const std::vector<double>& base() const override { return base_; }
  std::string method() const override { return "linear"; }

  void Explain(const Matrix& x, double* out, int threads) const override {
    if (x.cols != form_.features) throw Internal("linear explanation: wrong feature count");
    const size_t np = players_.players;
    ParallelFor(x.rows, threads, [&](size_t r0, size_t r1, int) {
      std::vector<double> phi(form_.raw * np);
      std::vector<double> raw(form_.raw);
      std::vector<double> work(4 * form_.raw);
      for (size_t i = r0; i < r1; ++i) {
        const float* row = x.row(i);
        std::fill(phi.begin(), phi.end(), 0.0);
        for (size_t r = 0; r < form_.raw; ++r) {
          const double* w = form_.weights.data() + r * form_.features;
          double total = raw_bias_[r];
          for (size_t j = 0; j < form_.features; ++j) {
            const double v = w[j] * (Finite(row[j]) - mean_[j]);
            total += v;
            phi[r * np + players_.of_feature[j]] += v;
          }
          raw[r] = total;
        }
        double* o = out + i * outputs_ * np;
        std::fill(o, o + outputs_ * np, 0.0);
        AddLinkedAttributions(link_, static_cast<uint32_t>(form_.raw), raw.data(), raw_bias_.data(), phi.data(), np,
                              1.0, o, nullptr, work.data());
      }
    });
  }

 private:
  LinearForm form_;
  FeaturePlayers players_;
  ScoreLink link_;
  std::vector<double> mean_;
  std::vector<double> raw_bias_;
  size_t outputs_ = 1;
  std::vector<double> base_;
};

}  // namespace

std::unique_ptr<UnitExplainer> MakeLinearUnit(LinearForm form, FeaturePlayers players, const Matrix& background) {
  return std::make_unique<LinearUnit>(std::move(form), std::move(players), background);
}

}  // namespace tabpilot
