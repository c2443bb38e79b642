// Times tabpilot's text-generation engine on a GGUF file the way
// bench/llama_cpp/run.mjs times llama.cpp; bench/hub_speed.py runs both.
//   hub_bench MODEL.gguf THREADS PROMPT_TOKENS GENERATED_TOKENS STREAMS  -> one JSON line
// prompt: P tokens processed (the second of two runs); ttft: a 100-token
// prompt to its first sampled token; generation: G greedy tokens after a
// 1-token prompt (after one warm-up); streams: S concurrent requests of G
// tokens through the continuous-batching engine, total tokens per second.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "hub/generation_engine.h"
#include "hub/generator.h"
#include "hub/language_model.h"

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<int32_t> Prompt(int n, int32_t vocab) {
  std::vector<int32_t> p;
  for (int i = 0; i < n; ++i) p.push_back(static_cast<int32_t>(100 + (i * 7) % 1000) % vocab);
  return p;
}

tabpilot::GenerationRequest Greedy(std::vector<int32_t> prompt, int tokens) {
  tabpilot::GenerationRequest r;
  r.prompt = std::move(prompt);
  r.max_tokens = tokens;
  r.min_tokens = tokens;  // the end of text may not cut a timed run short
  r.sampling.temperature = 0;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: hub_bench MODEL.gguf THREADS PROMPT_TOKENS GENERATED_TOKENS STREAMS\n");
    return 2;
  }
  const int threads = std::atoi(argv[2]);
  const int prompt_tokens = std::atoi(argv[3]);
  const int generated = std::atoi(argv[4]);
  const int streams = std::atoi(argv[5]);
  const auto load_start = Clock::now();
  std::shared_ptr<const tabpilot::LanguageModel> model = tabpilot::LanguageModel::Open(argv[1], {threads, nullptr});
  const double load_seconds = Since(load_start);
  const tabpilot::Transformer& t = model->transformer();
  const auto vocab = static_cast<int32_t>(t.config().vocab);

  // Prompt processing.
  const std::vector<int32_t> prompt = Prompt(prompt_tokens, vocab);
  double prompt_seconds = 0;
  for (int run = 0; run < 2; ++run) {
    tabpilot::KvCache cache = t.NewCache(prompt_tokens);
    std::vector<float> logits;
    const auto start = Clock::now();
    t.Forward(prompt, &cache, &logits);
    prompt_seconds = Since(start);
  }
  // Time to first token for a 100-token prompt.
  const auto ttft_start = Clock::now();
  tabpilot::Generate(*model, Greedy(Prompt(100, vocab), 1));
  const double ttft = Since(ttft_start);
  // One stream.
  tabpilot::Generate(*model, Greedy({100 % vocab}, 8));
  const tabpilot::Generation one = tabpilot::Generate(*model, Greedy({100 % vocab}, generated));
  const double one_rate = static_cast<double>(one.timings.generated_tokens) / one.timings.generation_seconds;
  // Several streams at once through the engine.
  tabpilot::GenerationEngine engine(model, {.max_sequences = streams});
  std::vector<std::shared_ptr<tabpilot::GenerationEngine::Job>> jobs;
  const auto streams_start = Clock::now();
  for (int s = 0; s < streams; ++s)
    jobs.push_back(engine.Submit(Greedy({static_cast<int32_t>(100 + s) % vocab}, generated), nullptr));
  int64_t total = 0;
  for (auto& j : jobs) total += j->Wait().timings.generated_tokens;
  const double streams_seconds = Since(streams_start);

  const double bytes = static_cast<double>(t.WeightBytesPerToken());
  nlohmann::json out = {
      {"engine", "tabpilot"},
      {"threads", threads},
      {"kernels", model->info().precision},
      {"load_seconds", load_seconds},
      {"prompt_tokens", prompt_tokens},
      {"prompt_seconds", prompt_seconds},
      {"prompt_tokens_per_second", prompt_tokens / prompt_seconds},
      {"ttft_100_seconds", ttft},
      {"generated_tokens", one.timings.generated_tokens},
      {"generation_seconds", one.timings.generation_seconds},
      {"tokens_per_second", one_rate},
      {"weight_bytes_per_token", bytes},
      {"read_gb_per_second", one_rate * bytes / 1e9},
      {"streams", streams},
      {"streams_tokens", total},
      {"streams_seconds", streams_seconds},
      {"streams_tokens_per_second", static_cast<double>(total) / streams_seconds},
      {"engine_steps", engine.stats().steps},
  };
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
