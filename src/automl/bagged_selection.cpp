#include "automl/bagged_selection.h"

#include <random>

#include "automl/bootstrap_draw.h"
#include "automl/ensemble_selection.h"
#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

// Resample `index`'s seed: a SplitMix64 step of (seed, index), so resamples
// differ however they are spread over threads.
uint64_t ResampleSeed(uint64_t seed, size_t index) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (static_cast<uint64_t>(index) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The greedy selection's weights on the rows of one resample.
std::vector<double> ResampleWeights(const std::vector<const Matrix*>& preds, const std::vector<float>& y,
                                    const OofScorer& scorer, const BootstrapDraw& bootstrap, uint64_t seed,
                                    int rounds) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> rows;
  bootstrap.Draw(bootstrap.units(), rng, rows);
  std::vector<float> yb;
  yb.reserve(rows.size());
  for (size_t row : rows) yb.push_back(y[row]);
  const size_t k = preds[0]->cols;
  std::vector<Matrix> drawn;
  drawn.reserve(preds.size());
  for (const Matrix* p : preds) {
    Matrix m(rows.size(), k, 0.0f);
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t j = 0; j < k; ++j) m.values[i * k + j] = p->values[rows[i] * k + j];
    }
    drawn.push_back(std::move(m));
  }
  std::vector<const Matrix*> inputs;
  for (const Matrix& m : drawn) inputs.push_back(&m);
  EnsembleSelectionOptions es;
  es.rounds = rounds;
  return SelectEnsemble(
             inputs, [&](const float* pred) { return scorer.SelectionLoss(yb, pred); }, es)
      .weights;
}

// The plain selection on every row, as the result of no resample.
BaggedSelection PlainSelection(const std::vector<const Matrix*>& preds, const OofScorer& scorer, int rounds,
                               size_t units) {
  EnsembleSelectionOptions es;
  es.rounds = rounds;
  BaggedSelection out;
  out.weights = SelectEnsemble(
                    preds, [&](const float* pred) { return scorer.SelectionLoss(pred); }, es)
                    .weights;
  out.picked_share.assign(preds.size(), 0.0);
  for (size_t c = 0; c < preds.size(); ++c) out.picked_share[c] = out.weights[c] > 0 ? 1.0 : 0.0;
  out.units = units;
  return out;
}

}  // namespace

BaggedSelection SelectEnsembleBagged(const std::vector<const Matrix*>& preds, const std::vector<float>& y,
                                     const OofScorer& scorer, const BaggedSelectionOptions& options) {
  if (preds.empty()) throw Internal("bagged selection: no candidate");
  for (const Matrix* p : preds) {
    if (p == nullptr || p->rows != y.size() || p->values.size() != p->rows * preds[0]->cols) {
      throw Internal("bagged selection: every candidate needs one prediction row per target");
    }
  }
  if (options.resamples < 1) throw Internal("bagged selection: at least one resample is needed");
  const BootstrapDraw bootstrap(options.groups, y.size());
  const auto count = static_cast<size_t>(options.resamples);
  std::vector<std::vector<double>> weights(count);
  std::vector<char> ran(count, 0);
  ParallelFor(count, options.threads, [&](size_t begin, size_t end, int) {
    for (size_t r = begin; r < end; ++r) {
      if (options.deadline.Expired()) return;
      weights[r] = ResampleWeights(preds, y, scorer, bootstrap, ResampleSeed(options.seed, r), options.rounds);
      ran[r] = 1;
    }
  });
  BaggedSelection out;
  out.units = bootstrap.units();
  out.weights.assign(preds.size(), 0.0);
  out.picked_share.assign(preds.size(), 0.0);
  for (size_t r = 0; r < count; ++r) {
    if (!ran[r]) continue;
    ++out.resamples;
    for (size_t c = 0; c < preds.size(); ++c) {
      out.weights[c] += weights[r][c];
      if (weights[r][c] > 0) out.picked_share[c] += 1.0;
    }
  }
  if (out.resamples == 0) return PlainSelection(preds, scorer, options.rounds, out.units);
  size_t most_picked = 0;
  for (size_t c = 0; c < preds.size(); ++c) {
    out.picked_share[c] /= out.resamples;
    if (out.picked_share[c] > out.picked_share[most_picked]) most_picked = c;
  }
  // Members most resamples do without leave; the most picked one always stays.
  double kept = 0;
  for (size_t c = 0; c < preds.size(); ++c) {
    if (c != most_picked && out.picked_share[c] < options.keep_share) out.weights[c] = 0;
    kept += out.weights[c];
  }
  for (double& w : out.weights) w /= kept;
  return out;
}

}  // namespace tabpilot
