#include "hub/generator.h"

#include <algorithm>

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

// The first stop sequence in `text` at or after `from` (npos when none).
size_t FindStop(std::string_view text, size_t from, const std::vector<std::string>& stops) {
  size_t first = std::string::npos;
  for (const std::string& stop : stops) {
    const size_t at = text.find(stop, from);
    if (at < first) first = at;
  }
  return first;
}

// One completion from the prompt's cache.
Completion Complete(const LanguageModel& model, const GenerationRequest& request, int result, KvCache cache,
                    std::vector<float> logits, const TextSink& sink) {
  const Tokenizer& tok = model.tokenizer();
  SamplingParams params = request.sampling;
  params.seed += static_cast<uint64_t>(result);
  Sampler sampler(params);
  std::vector<int32_t> sequence = request.prompt;
  std::vector<int32_t> end_ids;
  for (int32_t id = 0; id < tok.size(); ++id) {
    if (tok.IsEndOfGeneration(id)) end_ids.push_back(id);
  }
  Completion c;
  size_t streamed = 0;  // bytes of c.text already sent
  size_t longest_stop = 0;
  for (const std::string& s : request.stop) longest_stop = std::max(longest_stop, s.size());
  for (int i = 0; i < request.max_tokens; ++i) {
    const bool may_end = i >= request.min_tokens;
    const SampledToken next = sampler.Next(logits, sequence, may_end ? std::span<const int32_t>() : end_ids);
    if (tok.IsEndOfGeneration(next.id)) {
      c.reason = FinishReason::kEndOfText;
      break;
    }
    ++c.sampled;
    sequence.push_back(next.id);
    c.tokens.push_back({next.id, next.logprob, c.text.size()});
    const size_t before = c.text.size();
    c.text += tok.TokenBytes(next.id);
    if (!request.stop.empty()) {
      const size_t from = before > longest_stop ? before - longest_stop : 0;
      const size_t at = FindStop(c.text, from, request.stop);
      if (at != std::string::npos) {
        c.text.resize(at);
        while (!c.tokens.empty() && c.tokens.back().text_begin >= at) c.tokens.pop_back();
        c.reason = FinishReason::kStop;
        break;
      }
    }
    if (sink) {
      const std::string_view text(c.text);
      const size_t hold = std::max(IncompleteUtf8Tail(text), PossibleStopStart(text, request.stop));
      const size_t ready = text.size() - hold;
      if (ready > streamed) {
        if (!sink(result, text.substr(streamed, ready - streamed))) {
          c.reason = FinishReason::kCancelled;
          return c;
        }
        streamed = ready;
      }
    }
    if (i + 1 == request.max_tokens || cache.length() >= cache.capacity()) break;
    model.transformer().Forward(std::span<const int32_t>(&next.id, 1), &cache, &logits);
  }
  if (sink && c.text.size() > streamed) sink(result, std::string_view(c.text).substr(streamed));
  return c;
}

}  // namespace

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
  transformer.Forward(request.prompt, &cache, &logits);
  g.timings.prompt_tokens = static_cast<int64_t>(request.prompt.size());
  g.timings.prompt_seconds = Since(start);
  const auto generating = Clock::now();
  for (int r = 0; r < request.results; ++r) {
    // The last result takes the prompt's cache; the others copy it.
    const bool last = r + 1 == request.results;
    g.completions.push_back(Complete(model, request, r, last ? std::move(cache) : cache, logits, sink));
    g.timings.generated_tokens += g.completions.back().sampled;
  }
  g.timings.generation_seconds = Since(generating);
  return g;
}

}  // namespace tabpilot
