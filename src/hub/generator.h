// Text generation for one prompt: the prompt runs through the model once,
// then tokens are sampled one at a time until max_tokens, the end of text
// (after min_tokens) or a stop sequence. Several results for one prompt
// share the prompt's pass (its KV cache is copied). Text is streamed in
// whole UTF-8 characters, holding back what might be the start of a stop
// sequence, so a client never sees a stop sequence or half a character.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/language_model.h"
#include "hub/sampler.h"

namespace tabpilot {

enum class FinishReason { kLength, kEndOfText, kStop, kCancelled };
// "length", "endoftext", "stop", "cancelled" (the Jurassic names; OpenAI says "stop" for the end of text too).
const char* FinishReasonName(FinishReason reason);

struct GenerationRequest {
  std::vector<int32_t> prompt;  // ids (BOS included when the model wants one)
  int max_tokens = 16;
  int min_tokens = 0;
  int results = 1;          // completions of the same prompt
  SamplingParams sampling;  // result i draws with seed + i
  std::vector<std::string> stop;
  // Also the log-probability of each prompt token given the ones before it
  // (AI21's answer carries them): the prompt's pass computes every
  // position's logits. Skipped (left empty) when prompt x vocabulary would
  // pass kMaxPromptLogitFloats.
  bool prompt_logprobs = false;

  // InvalidInput naming the field for a value out of range for `model`.
  void Check(const LanguageModel& model) const;
};

struct GeneratedToken {
  int32_t id = -1;
  float logprob = 0;
  size_t text_begin = 0;  // where its bytes start in the completion's text (may lie past a stop cut)
};

struct Completion {
  std::vector<GeneratedToken> tokens;  // the ones the text holds (a stop sequence's tokens are dropped)
  std::string text;
  FinishReason reason = FinishReason::kLength;
  std::string stop_sequence;  // kStop: the one that ended it
  int64_t sampled = 0;        // tokens drawn (a stop sequence's included)
};

struct GenerationTimings {
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prompt_seconds = 0;
  double generation_seconds = 0;
};

struct Generation {
  std::vector<Completion> completions;
  GenerationTimings timings;
  // With GenerationRequest::prompt_logprobs: one per prompt token, NaN for
  // the first (nothing comes before it); empty otherwise.
  std::vector<float> prompt_logprobs;
};

// The most floats (prompt tokens x vocabulary) prompt log-probabilities may take.
inline constexpr int64_t kMaxPromptLogitFloats = int64_t{1} << 25;

// Whether `request` gets prompt log-probabilities on `model`.
bool WantsPromptLogprobs(const GenerationRequest& request, const LanguageModel& model);
// Each prompt token's log-probability from every position's logits (n x
// vocab), NaN for the first; leaves the last position's logits in `last`.
std::vector<float> PromptLogprobs(std::span<const int32_t> prompt, const std::vector<float>& all, int64_t vocab,
                                  std::vector<float>* last);

// Called with each new piece of a completion's text (`result` is its index);
// return false to stop that generation (a client went away): its reason is kCancelled.
using TextSink = std::function<bool(int result, std::string_view delta)>;

// One completion being generated: samples a token from the model's logits,
// appends it, ends it at the end of text (after min tokens), a stop sequence
// or the length, and streams whole characters. Generate and the batching
// engine (generation_engine.h) both drive it, so a request gets the same
// text from either.
class CompletionState {
 public:
  CompletionState(const LanguageModel& model, const GenerationRequest& request, int result);
  // Samples from `logits` (which it changes). Returns the token to run
  // through the model next, or -1 once the completion has ended. `room`:
  // positions left in the sequence's cache after this token.
  int32_t Next(std::span<float> logits, int64_t room, const TextSink& sink);
  // Sends any text held back (unless cancelled) and returns the completion.
  Completion Finish(const TextSink& sink);
  // Ends it as cancelled (a client went away, the model is unloading).
  void Cancel() {
    if (!done_) completion_.reason = FinishReason::kCancelled;
    done_ = true;
  }
  bool done() const { return done_; }
  int result() const { return result_; }

 private:
  const Tokenizer& tok_;
  const GenerationRequest& request_;
  int result_;
  Sampler sampler_;
  std::vector<int32_t> sequence_;
  std::vector<int32_t> end_ids_;
  Completion completion_;
  size_t streamed_ = 0;  // bytes of the text already sent
  size_t longest_stop_ = 0;
  bool done_ = false;
};

// Runs `request` on `model`. InvalidInput for a bad request (see Check).
Generation Generate(const LanguageModel& model, const GenerationRequest& request, const TextSink& sink = nullptr);

}  // namespace tabpilot
