#include "explain/sampling_unit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/parallel.h"

namespace tabpilot {
namespace {

class SamplingUnit final : public UnitExplainer {
 public:
  SamplingUnit(const Model& model, FeaturePlayers players, const Matrix& background, const SamplingOptions& options)
      : model_(model), players_(std::move(players)), background_(background), options_(options) {
    if (background_.rows == 0 || background_.cols != players_.of_feature.size()) {
      throw InvalidInput("sampled explanation: the background rows do not match the model's features");
    }
    options_.orderings = std::max(2, options_.orderings + (options_.orderings % 2));
    features_of_.resize(players_.players);
    for (size_t f = 0; f < players_.of_feature.size(); ++f) features_of_[players_.of_feature[f]].push_back(f);
    for (size_t p = 0; p < players_.players; ++p) {
      if (!features_of_[p].empty()) active_.push_back(static_cast<uint32_t>(p));
    }
    const size_t k = outputs();
    sums_ = model_.AsFeatureSum();
    if (sums_ != nullptr) PrepareSums();
    Predict(Start(), background_pred_);
    base_.assign(k, 0.0);
    for (size_t b = 0; b < background_.rows; ++b) {
      for (size_t c = 0; c < k; ++c) base_[c] += background_pred_[b * k + c];
    }
    for (double& v : base_) v /= static_cast<double>(background_.rows);
  }

  size_t outputs() const override { return static_cast<size_t>(model_.num_outputs()); }
  const std::vector<double>& base() const override { return base_; }
  std::string method() const override { return "sampling"; }

  void Explain(const Matrix& x, double* out, int threads) const override {
    if (x.cols != background_.cols) throw Internal("sampled explanation: wrong feature count");
    const size_t k = outputs();
    const size_t np = players_.players;
    std::fill(out, out + x.rows * k * np, 0.0);
    if (active_.empty()) return;
    const bool exact = active_.size() <= options_.exact_players;
    ParallelFor(x.rows, threads, [&](size_t r0, size_t r1, int) {
      Matrix batch;
      std::vector<float> pred;
      for (size_t i = r0; i < r1; ++i) {
        double* o = out + i * k * np;
        if (exact) {
          Enumerate(x.row(i), batch, pred, o);
        } else {
          Sample(x.row(i), i, batch, pred, o);
        }
      }
    });
  }

 private:
  // Coalitions are rows the model predicts. Features: the background rows
  // with a coalition's features taken from the explained row. Sums (a model
  // with a FeatureSumForm): each background row's first-stage sum, with a
  // coalition's players' vectors swapped for the explained row's.
  //
  // The rows every coalition starts from (the background, or its sums).
  const Matrix& Start() const { return sums_ != nullptr ? background_sums_ : background_; }

  // The per-player vectors of the background rows and their sums.
  void PrepareSums() {
    const size_t width = sums_->sum_width();
    const size_t nb = background_.rows;
    std::vector<float> contributions;
    sums_->Contributions(background_, contributions);
    background_sums_ = Matrix(nb, width);
    background_players_.assign(nb * players_.players * width, 0.0f);
    for (size_t b = 0; b < nb; ++b) {
      float* sum = background_sums_.row(b);
      std::copy(sums_->sum_bias().begin(), sums_->sum_bias().end(), sum);
      for (size_t f = 0; f < background_.cols; ++f) {
        const float* c = contributions.data() + (b * background_.cols + f) * width;
        float* player = background_players_.data() + (b * players_.players + players_.of_feature[f]) * width;
        for (size_t j = 0; j < width; ++j) {
          sum[j] += c[j];
          player[j] += c[j];
        }
      }
    }
  }

  // What Apply needs of the explained row: its features, or its per-player vectors.
  struct Explained {
    const float* row = nullptr;
    std::vector<float> players;  // players x sum width (sums only)
  };
  Explained Describe(const float* row) const {
    Explained e;
    e.row = row;
    if (sums_ == nullptr) return e;
    const size_t width = sums_->sum_width();
    Matrix one(1, background_.cols);
    std::copy(row, row + background_.cols, one.values.begin());
    std::vector<float> contributions;
    sums_->Contributions(one, contributions);
    e.players.assign(players_.players * width, 0.0f);
    for (size_t f = 0; f < background_.cols; ++f) {
      float* player = e.players.data() + players_.of_feature[f] * width;
      for (size_t j = 0; j < width; ++j) player[j] += contributions[f * width + j];
    }
    return e;
  }

  // Moves player p of background row b's coalition row `row` to the explained row's side.
  void Apply(uint32_t p, const Explained& x, size_t b, float* row) const {
    if (sums_ == nullptr) {
      for (size_t f : features_of_[p]) row[f] = x.row[f];
      return;
    }
    const size_t width = sums_->sum_width();
    const float* mine = x.players.data() + p * width;
    const float* theirs = background_players_.data() + (b * players_.players + p) * width;
    for (size_t j = 0; j < width; ++j) row[j] += mine[j] - theirs[j];
  }

  // v(coalition) for each block of `nb` background rows in pred: the mean over the block, per output.
  void BlockMeans(const std::vector<float>& pred, size_t blocks, size_t nb, std::vector<double>& means) const {
    const size_t k = outputs();
    means.assign(blocks * k, 0.0);
    for (size_t s = 0; s < blocks; ++s) {
      for (size_t b = 0; b < nb; ++b) {
        for (size_t c = 0; c < k; ++c) means[s * k + c] += pred[(s * nb + b) * k + c];
      }
      for (size_t c = 0; c < k; ++c) means[s * k + c] /= static_cast<double>(nb);
    }
  }

  void Predict(const Matrix& batch, std::vector<float>& pred) const {
    pred.resize(batch.rows * outputs());
    if (sums_ != nullptr) {
      sums_->PredictFromSums(batch.values.data(), batch.rows, pred.data());
    } else {
      model_.Predict(batch, pred.data(), 1);
    }
  }

  // Whether player p's features are the same in `row` as in background row
  // b (missing in both counts as the same): then moving p to the row's side
  // changes nothing, and the coalition row is the one before it.
  bool Same(uint32_t p, const float* row, size_t b) const {
    const float* theirs = background_.row(b);
    for (size_t f : features_of_[p]) {
      if (!(row[f] == theirs[f] || (std::isnan(row[f]) && std::isnan(theirs[f])))) return false;
    }
    return true;
  }

  void Sample(const float* row, size_t index, Matrix& batch, std::vector<float>& pred, double* out) const {
    const size_t n = active_.size();
    const Matrix& start = Start();
    const size_t nb = start.rows;
    const size_t width = start.cols;
    const size_t k = outputs();
    const size_t np = players_.players;
    const auto orderings = static_cast<size_t>(options_.orderings);
    const Explained x = Describe(row);
    std::mt19937_64 rng(options_.seed * 0x9E3779B97F4A7C15ULL + index);
    std::vector<std::vector<uint32_t>> order(orderings);
    for (size_t m = 0; m < orderings; m += 2) {
      order[m] = active_;
      std::shuffle(order[m].begin(), order[m].end(), rng);
      order[m + 1].assign(order[m].rbegin(), order[m].rend());
    }
    // Pair j's background rows: `per` of them from a random start, the pairs walking on.
    const size_t per = options_.background_per_ordering == 0 ? nb : std::min(nb, options_.background_per_ordering);
    const size_t first = static_cast<size_t>(rng() % nb);
    auto background_row = [&](size_t m, size_t q) { return (first + (m / 2) * per + q) % nb; };
    // Block (m, t): ordering m's background rows with its first t + 1
    // players taken from the row. Only the coalition rows a player's move
    // changes are predicted (`batch`, in order); the others repeat the row
    // before them: `from[(m * n + t) * per + q]` is the batch row a
    // coalition row's prediction is, or kBackground + b for background row
    // b unchanged.
    constexpr size_t kBackground = size_t{1} << 62;
    std::vector<size_t> from(orderings * n * per);
    std::vector<float> current(per * width);
    batch.cols = width;
    batch.values.clear();  // keeps the thread's buffer from the row before; rows are appended, not zero-filled
    size_t rows = 0;
    for (size_t m = 0; m < orderings; ++m) {
      for (size_t q = 0; q < per; ++q) {
        const float* start_row = start.row(background_row(m, q));
        std::copy(start_row, start_row + width, current.data() + q * width);
      }
      for (size_t t = 0; t < n; ++t) {
        for (size_t q = 0; q < per; ++q) {
          const size_t b = background_row(m, q);
          const size_t at = (m * n + t) * per + q;
          if (Same(order[m][t], x.row, b)) {
            from[at] = t == 0 ? kBackground + b : from[at - per];
            continue;
          }
          float* coalition = current.data() + q * width;
          Apply(order[m][t], x, b, coalition);
          batch.values.insert(batch.values.end(), coalition, coalition + width);
          from[at] = rows++;
        }
      }
    }
    batch.rows = rows;
    Predict(batch, pred);
    std::vector<float> all(from.size() * k);
    for (size_t at = 0; at < from.size(); ++at) {
      const float* p =
          from[at] >= kBackground ? background_pred_.data() + (from[at] - kBackground) * k : pred.data() + from[at] * k;
      std::copy(p, p + k, all.data() + at * k);
    }
    std::vector<double> v;
    BlockMeans(all, orderings * n, per, v);
    const double share = 1.0 / static_cast<double>(orderings);
    for (size_t m = 0; m < orderings; ++m) {
      for (size_t t = 0; t < n; ++t) {
        const uint32_t p = order[m][t];
        for (size_t c = 0; c < k; ++c) {
          const double before = t == 0 ? base_[c] : v[(m * n + t - 1) * k + c];
          out[c * np + p] += share * (v[(m * n + t) * k + c] - before);
        }
      }
    }
  }

  void Enumerate(const float* row, Matrix& batch, std::vector<float>& pred, double* out) const {
    const size_t n = active_.size();
    const Matrix& start = Start();
    const size_t nb = start.rows;
    const size_t width = start.cols;
    const size_t k = outputs();
    const size_t np = players_.players;
    const size_t coalitions = size_t{1} << n;
    const Explained x = Describe(row);
    batch = Matrix(coalitions * nb, width);
    for (size_t s = 0; s < coalitions; ++s) {
      float* block = batch.values.data() + s * nb * width;
      std::copy(start.values.begin(), start.values.end(), block);
      for (size_t a = 0; a < n; ++a) {
        if (((s >> a) & 1u) == 0) continue;
        for (size_t b = 0; b < nb; ++b) Apply(active_[a], x, b, block + b * width);
      }
    }
    Predict(batch, pred);
    std::vector<double> v;
    BlockMeans(pred, coalitions, nb, v);
    // Shapley weight of a coalition of size s without the player: s! (n - s - 1)! / n!.
    std::vector<double> weight(n, 0.0);
    for (size_t s = 0; s < n; ++s) {
      double w = 1.0 / static_cast<double>(n);
      // 1 / (n * C(n - 1, s))
      for (size_t j = 0; j < s; ++j) w *= static_cast<double>(j + 1) / static_cast<double>(n - 1 - j);
      weight[s] = w;
    }
    for (size_t a = 0; a < n; ++a) {
      const size_t bit = size_t{1} << a;
      for (size_t s = 0; s < coalitions; ++s) {
        if ((s & bit) != 0) continue;
        const double w = weight[static_cast<size_t>(__builtin_popcountll(s))];
        for (size_t c = 0; c < k; ++c) out[c * np + active_[a]] += w * (v[(s | bit) * k + c] - v[s * k + c]);
      }
    }
  }

  const Model& model_;
  const FeatureSumForm* sums_ = nullptr;  // the model's, when it has one
  FeaturePlayers players_;
  Matrix background_;
  Matrix background_sums_;                 // sums only: per background row, its sum
  std::vector<float> background_players_;  // sums only: background rows x players x sum width
  SamplingOptions options_;
  std::vector<std::vector<size_t>> features_of_;  // per player
  std::vector<uint32_t> active_;                  // players with features
  std::vector<double> base_;
  std::vector<float> background_pred_;  // the model's outputs on each background row
};

}  // namespace

std::unique_ptr<UnitExplainer> MakeSamplingUnit(const Model& model, FeaturePlayers players, const Matrix& background,
                                                const SamplingOptions& options) {
  return std::make_unique<SamplingUnit>(model, std::move(players), background, options);
}

}  // namespace tabpilot
