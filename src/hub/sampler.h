// Picks the next token from a model's logits the way llama.cpp's and
// OpenAI's parameters describe it: repetition penalty over the recent
// tokens, then greedy (temperature 0) or temperature + top-k + top-p
// (nucleus) + min-p, drawn with a seeded generator so a seed repeats its
// answer. One sampler per sequence; not shared between threads.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace tabpilot {

struct SamplingParams {
  double temperature = 1.0;         // 0: greedy
  int top_k = 0;                    // 0: all tokens
  double top_p = 1.0;               // keep the most likely tokens whose probabilities add up to this
  double min_p = 0.0;               // drop tokens below this share of the most likely one's probability
  double repetition_penalty = 1.0;  // > 1 discourages tokens seen in the last `repeat_last_n`
  int repeat_last_n = 64;
  uint64_t seed = 0;

  // InvalidInput naming the field for a value out of range.
  void Check() const;
};

struct SampledToken {
  int32_t id = -1;
  float logprob = 0;  // log-probability under the model's own distribution (temperature 1, no filters)
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);
  // The next token. `logits` is changed (penalties, masking); `recent` are
  // the sequence's tokens so far; `banned` are never picked (EOS before min tokens).
  SampledToken Next(std::span<float> logits, std::span<const int32_t> recent, std::span<const int32_t> banned);

 private:
  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused between calls
};

}  // namespace tabpilot
