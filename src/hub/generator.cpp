#include "hub/generator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "hub/unicode_text.h"

namespace tabpilot {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Bytes at the end of `text` that could begin a stop sequence (held back from a stream).
size_t PossibleStopStart(std::string_view text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& stop : stops) {
    for (size_t n = std::min(stop.size() - 1, text.size()); n > hold; --n) {
      if (text.substr(text.size() - n) == std::string_view(stop).substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

// The first stop sequence in `text` at or after `from` (npos when none);
// `which` is set to it.
size_t FindStop(std::string_view text, size_t from, const std::vector<std::string>& stops, std::string* which) {
  size_t first = std::string::npos;
  for (const std::string& stop : stops) {
    const size_t at = text.find(stop, from);
    if (at < first) {
      first = at;
      *which = stop;
    }
  }
  return first;
}

}  // namespace

CompletionState::CompletionState(const LanguageModel& model, const GenerationRequest& request, int result)
    : tok_(model.tokenizer()),
      request_(request),
      result_(result),
      sampler_([&] {
        SamplingParams p = request.sampling;
        p.seed += static_cast<uint64_t>(result);
        return p;
      }()),
      sequence_(request.prompt) {
  for (int32_t id = 0; id < tok_.size(); ++id) {
    if (tok_.IsEndOfGeneration(id)) end_ids_.push_back(id);
  }
  for (const std::string& s : request.stop) longest_stop_ = std::max(longest_stop_, s.size());
  if (request.max_tokens == 0) done_ = true;
}

int32_t CompletionState::Next(std::span<float> logits, int64_t room, const TextSink& sink) {
  if (done_) return -1;
  Completion& c = completion_;
  const bool may_end = c.sampled >= request_.min_tokens;
  const SampledToken next = sampler_.Next(logits, sequence_, may_end ? std::span<const int32_t>() : end_ids_);
  if (tok_.IsEndOfGeneration(next.id)) {
    c.reason = FinishReason::kEndOfText;
    done_ = true;
    return -1;
  }
  ++c.sampled;
  sequence_.push_back(next.id);
  c.tokens.push_back({next.id, next.logprob, c.text.size()});
  const size_t before = c.text.size();
  c.text += tok_.TokenBytes(next.id);
  if (!request_.stop.empty()) {
    const size_t from = before > longest_stop_ ? before - longest_stop_ : 0;
    const size_t at = FindStop(c.text, from, request_.stop, &c.stop_sequence);
    if (at != std::string::npos) {
      c.text.resize(at);
      while (!c.tokens.empty() && c.tokens.back().text_begin >= at) c.tokens.pop_back();
      c.reason = FinishReason::kStop;
      done_ = true;
      return -1;
    }
  }
  if (sink) {
    const std::string_view text(c.text);
    const size_t hold = std::max(IncompleteUtf8Tail(text), PossibleStopStart(text, request_.stop));
    const size_t ready = text.size() - hold;
    if (ready > streamed_) {
      if (!sink(result_, text.substr(streamed_, ready - streamed_))) {
        c.reason = FinishReason::kCancelled;
        done_ = true;
        return -1;
      }
      streamed_ = ready;
    }
  }
  if (c.sampled >= request_.max_tokens || room <= 0) {
    c.reason = FinishReason::kLength;
    done_ = true;
    return -1;
  }
  return next.id;
}

Completion CompletionState::Finish(const TextSink& sink) {
  done_ = true;
  if (sink && completion_.reason != FinishReason::kCancelled && completion_.text.size() > streamed_) {
    sink(result_, std::string_view(completion_.text).substr(streamed_));
    streamed_ = completion_.text.size();
  }
  return std::move(completion_);
}

bool WantsPromptLogprobs(const GenerationRequest& request, const LanguageModel& model) {
  return request.prompt_logprobs &&
         static_cast<int64_t>(request.prompt.size()) * model.transformer().config().vocab <= kMaxPromptLogitFloats;
}

std::vector<float> PromptLogprobs(std::span<const int32_t> prompt, const std::vector<float>& all, int64_t vocab,
                                  std::vector<float>* last) {
  const auto n = static_cast<int64_t>(prompt.size());
  std::vector<float> out(prompt.size(), std::numeric_limits<float>::quiet_NaN());
  for (int64_t t = 1; t < n; ++t) {
    const float* row = all.data() + (t - 1) * vocab;
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t v = 0; v < vocab; ++v) best = std::max(best, row[v]);
    double sum = 0;
    for (int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v] - best));
    out[static_cast<size_t>(t)] =
        static_cast<float>(static_cast<double>(row[prompt[static_cast<size_t>(t)]] - best) - std::log(sum));
  }
  last->assign(all.end() - vocab, all.end());
  return out;
}

const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kLength:
      return "length";
    case FinishReason::kEndOfText:
      return "endoftext";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kCancelled:
      return "cancelled";
  }
  return "length";
}

void GenerationRequest::Check(const LanguageModel& model) const {
  sampling.Check();
  const int64_t context = model.transformer().config().context;
  if (prompt.empty()) throw InvalidInput("the prompt is empty");
  if (static_cast<int64_t>(prompt.size()) >= context) {
    throw InvalidInput("the prompt is " + std::to_string(prompt.size()) + " tokens; the model's context is " +
                       std::to_string(context));
  }
  if (max_tokens < 0) throw InvalidInput("max tokens must be >= 0");
  if (min_tokens < 0 || min_tokens > max_tokens) throw InvalidInput("min tokens must be between 0 and max tokens");
  if (results < 1 || results > 16) throw InvalidInput("the number of results must be between 1 and 16");
  for (const std::string& s : stop) {
    if (s.empty()) throw InvalidInput("a stop sequence is empty");
  }
}

Generation Generate(const LanguageModel& model, const GenerationRequest& request, const TextSink& sink) {
  request.Check(model);
  const Transformer& transformer = model.transformer();
  Generation g;
  const auto start = Clock::now();
  KvCache cache = transformer.NewCache(static_cast<int64_t>(request.prompt.size()) + request.max_tokens);
  std::vector<float> logits;
  if (WantsPromptLogprobs(request, model)) {
    std::vector<float> all;
    transformer.Forward(request.prompt, &cache, &all, true);
    g.prompt_logprobs = PromptLogprobs(request.prompt, all, transformer.config().vocab, &logits);
  } else {
    transformer.Forward(request.prompt, &cache, &logits);
  }
  g.timings.prompt_tokens = static_cast<int64_t>(request.prompt.size());
  g.timings.prompt_seconds = Since(start);
  const auto generating = Clock::now();
  for (int r = 0; r < request.results; ++r) {
    // The last result takes the prompt's cache and logits; the others copy them.
    const bool last = r + 1 == request.results;
    // Moved only on the last pass (the checker cannot see that).
    KvCache own = last ? std::move(cache) : cache;                       // NOLINT(bugprone-use-after-move)
    std::vector<float> next_logits = last ? std::move(logits) : logits;  // NOLINT(bugprone-use-after-move)
    CompletionState state(model, request, r);
    for (int32_t token = state.Next(next_logits, own.capacity() - own.length(), sink); token >= 0;
         token = state.Next(next_logits, own.capacity() - own.length(), sink)) {
      transformer.Forward(std::span<const int32_t>(&token, 1), &own, &next_logits);
    }
    g.completions.push_back(state.Finish(sink));
    g.timings.generated_tokens += g.completions.back().sampled;
  }
  g.timings.generation_seconds = Since(generating);
  return g;
}

}  // namespace tabpilot
