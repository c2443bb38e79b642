#include "explain/tree_unit.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"
#include "explain/link_attribution.h"

namespace tabpilot {
namespace {

// Rows explained at once (bounds the raw attributions held).
constexpr size_t kRowChunk = 256;

class TreeUnit final : public UnitExplainer {
 public:
  TreeUnit(const CompiledForest& forest, FeaturePlayers players, const Matrix* background, int threads)
      : forest_(forest), players_(std::move(players)) {
    if (players_.of_feature.size() != forest.num_features()) {
      throw Internal("tree unit: one player per feature column expected");
    }
    TreeShap::Options options;
    options.background = background;
    options.threads = threads;
    shap_ = TreeShap::Create(forest, options);
    // Every tree feature's players: an input column's own; an extension's
    // features those of the input columns it is computed from.
    shares_.resize(shap_->num_features());
    for (size_t f = 0; f < forest.num_features(); ++f) shares_[f].push_back({players_.of_feature[f], 1.0});
    size_t f = forest.num_features();
    for (const auto& extension : forest.extensions()) {
      for (size_t i = 0; i < extension->count(); ++i, ++f) {
        const std::vector<uint32_t> sources = extension->Sources(i);
        if (sources.empty()) throw Internal("tree unit: an extension feature names no input column");
        for (uint32_t s : sources) {
          if (s >= forest.num_features()) throw Internal("tree unit: an extension reads a column out of range");
          shares_[f].push_back({players_.of_feature[s], 1.0 / static_cast<double>(sources.size())});
        }
      }
    }
    const size_t k = outputs();
    base_.assign(k, 0.0);
    std::vector<double> scratch(4 * forest.num_raw() + 4);
    std::vector<double> zero(static_cast<size_t>(forest.num_raw()) * players_.players, 0.0);
    std::vector<double> ignored(k * players_.players, 0.0);
    for (const ScorePart& part : forest.parts()) {
      const double* bias = shap_->bias().data() + part.raw_begin;
      AddLinkedAttributions(part.link, part.raw_dims, bias, bias, zero.data(), players_.players, part.weight,
                            ignored.data(), base_.data(), scratch.data());
    }
  }

  size_t outputs() const override { return static_cast<size_t>(forest_.num_outputs()); }
  const std::vector<double>& base() const override { return base_; }
  std::string method() const override { return "tree_shap"; }

  void Explain(const Matrix& x, double* out, int threads) const override {
    const size_t k = outputs();
    const size_t np = players_.players;
    const size_t raw = shap_->num_raw();
    const size_t stride = shap_->num_features() + 1;
    std::vector<double> phi;
    for (size_t begin = 0; begin < x.rows; begin += kRowChunk) {
      const size_t end = std::min(x.rows, begin + kRowChunk);
      Matrix chunk(end - begin, x.cols);
      std::copy(x.values.begin() + static_cast<std::ptrdiff_t>(begin * x.cols),
                x.values.begin() + static_cast<std::ptrdiff_t>(end * x.cols), chunk.values.begin());
      phi.assign(chunk.rows * shap_->row_width(), 0.0);
      shap_->Explain(chunk, phi.data(), threads);
      ParallelFor(chunk.rows, threads, [&](size_t r0, size_t r1, int) {
        std::vector<double> folded(raw * np);
        std::vector<double> raw_values(raw);
        std::vector<double> scratch(4 * raw + 4);
        for (size_t r = r0; r < r1; ++r) {
          const double* row_phi = phi.data() + r * shap_->row_width();
          std::fill(folded.begin(), folded.end(), 0.0);
          for (size_t s = 0; s < raw; ++s) {
            const double* v = row_phi + s * stride;
            double total = shap_->bias()[s];
            for (size_t f = 0; f + 1 < stride; ++f) {
              if (v[f] == 0) continue;
              total += v[f];
              for (const Share& share : shares_[f]) folded[s * np + share.player] += share.fraction * v[f];
            }
            raw_values[s] = total;
          }
          double* o = out + (begin + r) * k * np;
          std::fill(o, o + k * np, 0.0);
          for (const ScorePart& part : forest_.parts()) {
            AddLinkedAttributions(part.link, part.raw_dims, raw_values.data() + part.raw_begin,
                                  shap_->bias().data() + part.raw_begin, folded.data() + part.raw_begin * np, np,
                                  part.weight, o, nullptr, scratch.data());
          }
        }
      });
    }
  }

 private:
  struct Share {
    uint32_t player;
    double fraction;
  };
  const CompiledForest& forest_;
  FeaturePlayers players_;
  std::unique_ptr<TreeShap> shap_;
  std::vector<std::vector<Share>> shares_;  // per tree feature
  std::vector<double> base_;
};

}  // namespace

std::unique_ptr<UnitExplainer> MakeTreeUnit(const CompiledForest& forest, FeaturePlayers players,
                                            const Matrix* background, int threads) {
  return std::make_unique<TreeUnit>(forest, std::move(players), background, threads);
}

}  // namespace tabpilot
