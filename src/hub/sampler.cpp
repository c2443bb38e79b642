#include "hub/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "core/error.h"

namespace tabpilot {
namespace {

// log-softmax of logits[id] (numerically stable).
float LogProb(std::span<const float> logits, int32_t id) {
  float best = -std::numeric_limits<float>::infinity();
  for (float v : logits) best = std::max(best, v);
  double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<double>(v - best));
  return static_cast<float>(static_cast<double>(logits[static_cast<size_t>(id)] - best) - std::log(sum));
}

}  // namespace

void SamplingParams::Check() const {
  auto bad = [](const std::string& what) { throw InvalidInput(what); };
  if (!(temperature >= 0 && temperature <= 100)) bad("temperature must be between 0 and 100");
  if (top_k < 0) bad("top_k must be >= 0");
  if (!(top_p > 0 && top_p <= 1)) bad("top_p must be > 0 and <= 1");
  if (!(min_p >= 0 && min_p < 1)) bad("min_p must be >= 0 and < 1");
  if (!(repetition_penalty > 0 && repetition_penalty <= 10)) bad("repetition_penalty must be > 0 and <= 10");
  if (repeat_last_n < 0) bad("repeat_last_n must be >= 0");
}

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) { params_.Check(); }

SampledToken Sampler::Next(std::span<float> logits, std::span<const int32_t> recent, std::span<const int32_t> banned) {
  constexpr float kNever = -std::numeric_limits<float>::infinity();
  const auto vocab = static_cast<int32_t>(logits.size());
  for (int32_t id : banned) {
    if (id >= 0 && id < vocab) logits[static_cast<size_t>(id)] = kNever;
  }
  // The log-probability reported is the model's, before penalties and filters.
  std::vector<float> raw;
  if (params_.repetition_penalty != 1.0 && params_.repeat_last_n > 0) {
    raw.assign(logits.begin(), logits.end());
    const size_t from = recent.size() > static_cast<size_t>(params_.repeat_last_n)
                            ? recent.size() - static_cast<size_t>(params_.repeat_last_n)
                            : 0;
    const std::unordered_set<int32_t> seen(recent.begin() + static_cast<std::ptrdiff_t>(from), recent.end());
    const auto p = static_cast<float>(params_.repetition_penalty);
    for (int32_t id : seen) {
      if (id < 0 || id >= vocab) continue;
      float& v = logits[static_cast<size_t>(id)];
      v = v > 0 ? v / p : v * p;
    }
  }
  const std::span<const float> model = raw.empty() ? std::span<const float>(logits) : std::span<const float>(raw);

  if (params_.temperature == 0) {
    const auto best = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    return {best, LogProb(model, best)};
  }
  candidates_.clear();
  for (int32_t id = 0; id < vocab; ++id) {
    const float v = logits[static_cast<size_t>(id)];
    if (v != kNever) candidates_.emplace_back(v, id);
  }
  if (candidates_.empty()) throw InvalidInput("every token is banned");
  auto by_logit = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  if (params_.top_k > 0 && static_cast<size_t>(params_.top_k) < candidates_.size()) {
    const auto k = static_cast<std::ptrdiff_t>(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), by_logit);
    candidates_.resize(static_cast<size_t>(k));
  }
  // Softmax at the temperature over what is left.
  const double t = params_.temperature;
  float top = kNever;
  for (const auto& c : candidates_) top = std::max(top, c.first);
  double sum = 0;
  for (const auto& c : candidates_) sum += std::exp((c.first - top) / t);
  auto prob = [&](size_t i) { return std::exp((candidates_[i].first - top) / t) / sum; };
  size_t cut = candidates_.size();
  if (params_.min_p > 0 || params_.top_p < 1) {
    // Sort only as far as the filters reach: the most likely 64, then 8x more while needed.
    const double floor = params_.min_p;  // a share of the best token's probability (which is exp(0) / sum)
    size_t sorted = 0;
    for (size_t m = std::min<size_t>(64, cut);; m = std::min(cut, m * 8)) {
      std::partial_sort(candidates_.begin() + static_cast<std::ptrdiff_t>(sorted),
                        candidates_.begin() + static_cast<std::ptrdiff_t>(m), candidates_.end(), by_logit);
      sorted = m;
      double mass = 0;
      size_t keep = 0;
      bool settled = false;
      for (; keep < m; ++keep) {
        const double p = prob(keep);
        if (keep > 0 && p < floor * prob(0)) {
          settled = true;
          break;
        }
        mass += p;
        if (mass >= params_.top_p) {
          ++keep;
          settled = true;
          break;
        }
      }
      if (settled || m == cut) {
        cut = std::max<size_t>(keep, 1);
        break;
      }
    }
  }
  std::vector<double> weights(cut);
  for (size_t i = 0; i < cut; ++i) weights[i] = prob(i);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  const int32_t id = candidates_[pick(rng_)].second;
  return {id, LogProb(model, id)};
}

}  // namespace tabpilot
