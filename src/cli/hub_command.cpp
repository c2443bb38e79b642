// tabpilot hub: text-generation models from files the user brings.
//   hub inspect --model FILE       what the file is (architecture, size, precision, license)
//   hub generate --model FILE --prompt TEXT [sampling options]
//                                  a completion on stdout as it is generated, timings on stderr
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "hub/generator.h"
#include "hub/language_model.h"

namespace tabpilot::cli {
namespace {

struct HubArgs {
  std::string model;
  std::string prompt;
  int max_tokens = 16;
  int min_tokens = 0;
  int results = 1;
  double temperature = 0.0;
  int top_k = 0;
  double top_p = 1.0;
  double min_p = 0.0;
  double repetition_penalty = 1.0;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  int threads = 0;
  std::string kernels;
  bool quiet = false;
};

std::string Megabytes(double bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << bytes / 1e6 << " MB";
  return s.str();
}

int RunInspect(const HubArgs& a) {
  const auto model = LanguageModel::Open(a.model, {ResolveThreads(a.threads), &KernelsNamed(a.kernels)});
  const LanguageModelInfo& i = model->info();
  const TransformerConfig& c = model->transformer().config();
  std::cout << "name:          " << i.name << "\n"
            << "architecture:  " << i.architecture << " (" << c.layers << " layers, width " << c.embedding << ", "
            << c.heads << " heads, " << c.kv_heads << " kv heads, feed-forward " << c.feed_forward << ")\n"
            << "parameters:    " << i.parameters << "\n"
            << "precision:     " << i.precision << "\n"
            << "file:          " << Megabytes(static_cast<double>(i.file_bytes)) << "\n"
            << "context:       " << i.context << " tokens\n"
            << "vocabulary:    " << i.vocab << " tokens (" << model->tokenizer().vocabulary().model << ")\n"
            << "license:       " << (i.license.empty() ? "(not stated in the file)" : i.license) << "\n";
  return 0;
}

int RunGenerate(const HubArgs& a) {
  const auto model = LanguageModel::Open(a.model, {ResolveThreads(a.threads), &KernelsNamed(a.kernels)});
  GenerationRequest request;
  request.prompt = model->tokenizer().Encode(a.prompt);
  request.max_tokens = a.max_tokens;
  request.min_tokens = a.min_tokens;
  request.results = a.results;
  request.sampling.temperature = a.temperature;
  request.sampling.top_k = a.top_k;
  request.sampling.top_p = a.top_p;
  request.sampling.min_p = a.min_p;
  request.sampling.repetition_penalty = a.repetition_penalty;
  request.sampling.seed = a.seed;
  request.stop = a.stop;
  int current = -1;
  const Generation g = Generate(*model, request, [&](int result, std::string_view delta) {
    if (result != current) {
      if (current >= 0) std::cout << "\n";
      if (a.results > 1) std::cout << "[" << result + 1 << "] ";
      std::cout << a.prompt;
      current = result;
    }
    std::cout << delta << std::flush;
    return true;
  });
  if (current < 0) std::cout << a.prompt;
  std::cout << std::endl;
  if (!a.quiet) {
    const GenerationTimings& t = g.timings;
    const double gen_rate =
        t.generation_seconds > 0 ? static_cast<double>(t.generated_tokens) / t.generation_seconds : 0;
    const double bytes = static_cast<double>(model->transformer().WeightBytesPerToken());
    std::cerr << std::fixed << std::setprecision(1) << "prompt: " << t.prompt_tokens << " tokens in "
              << t.prompt_seconds * 1000 << " ms ("
              << (t.prompt_seconds > 0 ? static_cast<double>(t.prompt_tokens) / t.prompt_seconds : 0)
              << " tokens/s); generated: " << t.generated_tokens << " tokens in " << t.generation_seconds << " s ("
              << gen_rate << " tokens/s, " << Megabytes(bytes) << " of weights a token = " << gen_rate * bytes / 1e9
              << " GB/s); finish: " << FinishReasonName(g.completions.front().reason) << "\n";
  }
  return 0;
}

}  // namespace

Runner AddHubCommand(CLI::App& app) {
  auto args = std::make_shared<HubArgs>();
  CLI::App* hub = app.add_subcommand("hub", "Text-generation models (GPT-2 and LLaMA families) from GGUF files");
  hub->require_subcommand(1);
  CLI::App* inspect = hub->add_subcommand("inspect", "Describe a model file");
  inspect->add_option("--model,-m", args->model, "GGUF model file")->required();
  CLI::App* gen = hub->add_subcommand("generate", "Complete a prompt");
  gen->add_option("--model,-m", args->model, "GGUF model file")->required();
  gen->add_option("--prompt,-p", args->prompt, "Text to complete")->required();
  gen->add_option("--max-tokens", args->max_tokens, "Tokens to generate at most (default 16)");
  gen->add_option("--min-tokens", args->min_tokens, "Tokens to generate before the end of text may end it");
  gen->add_option("--results,-n", args->results, "Completions of the prompt (default 1)");
  gen->add_option("--temperature", args->temperature, "0 = greedy (default); higher = more random");
  gen->add_option("--top-k", args->top_k, "Sample among the k most likely tokens (0 = all)");
  gen->add_option("--top-p", args->top_p, "Sample among the most likely tokens holding this probability");
  gen->add_option("--min-p", args->min_p, "Drop tokens below this share of the most likely one");
  gen->add_option("--repetition-penalty", args->repetition_penalty, "> 1 discourages repeating recent tokens");
  gen->add_option("--seed", args->seed, "Random seed (the same seed gives the same text)");
  gen->add_option("--stop", args->stop, "Stop before this text (repeatable)");
  for (CLI::App* sub : {inspect, gen}) {
    sub->add_option("--threads", args->threads, "Threads (0 = every core)");
    sub->add_option("--kernels", args->kernels, "generic, avx2 or avx512-vnni (default: the best this CPU runs)");
  }
  gen->add_flag("--quiet,-q", args->quiet, "No timings on stderr");
  return [args, inspect, gen]() -> int {
    if (inspect->parsed()) return RunInspect(*args);
    if (gen->parsed()) return RunGenerate(*args);
    return 2;
  };
}

}  // namespace tabpilot::cli
