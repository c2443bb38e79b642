// tabpilot hub: text-generation models from files the user brings.
//   hub add NAME --path FILE|FOLDER  register the model as group NAME's next version (the registry's
//                                    approval, audit and artifacts, as for tabular models)
//   hub list                         the registered text-generation models
//   hub inspect --model FILE         what the file is (architecture, size, precision, license)
//   hub generate --model FILE --prompt TEXT [sampling options]
//                                    a completion on stdout as it is generated, timings on stderr
#include <stdlib.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "hub/generator.h"
#include "hub/hub_package.h"
#include "hub/language_model.h"
#include "registry/model_registry.h"
#include "store/postgres_database.h"
#include "store/store_location.h"

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
  // hub add / list
  std::string name;
  std::string path;
  std::string description;
  std::string license;
  std::string license_file;
  std::string usage_terms;
  std::string store;
  bool pending = false;
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

// A folder of its own under the system's temporary folder, removed with everything in it.
class StagingFolder {
 public:
  StagingFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tabpilot-hub-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw IoError("cannot make a temporary folder in " + pattern);
    path_ = pattern;
  }
  ~StagingFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string Size(uint64_t bytes) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(bytes >= 1000000000 ? 2 : 0)
    << (bytes >= 1000000000 ? static_cast<double>(bytes) / 1e9 : static_cast<double>(bytes) / 1e6)
    << (bytes >= 1000000000 ? " GB" : " MB");
  return s.str();
}

std::string Parameters(uint64_t n) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(n >= 1000000000 ? 2 : 1)
    << (n >= 1000000000 ? static_cast<double>(n) / 1e9 : static_cast<double>(n) / 1e6) << (n >= 1000000000 ? "B" : "M");
  return s.str();
}

int RunAdd(const HubArgs& a) {
  CheckResourceName(a.name, "model package group");
  // Opened first: a file the engine cannot run is refused before anything is stored.
  const auto model = LanguageModel::Open(a.path, {1, nullptr});
  Store store = OpenStore(a.store);
  ModelRegistry registry(*store.db, store.artifacts);
  const StagingFolder staging;
  HubPackageOptions options;
  options.license = a.license;
  options.license_file = a.license_file;
  options.usage_terms = a.usage_terms;
  const Json manifest = WriteHubPackage(a.path, *model, options, staging.path() / "package");
  RegisterRequest request;
  request.group = a.name;
  request.group_description = "text-generation model";
  request.model_dir = staging.path() / "package";
  request.description = a.description.empty()
                            ? "text-generation model from " + std::filesystem::path(a.path).filename().string()
                            : a.description;
  const Json& info = manifest.at("info");
  request.tags = {{"kind", "text-generation"},
                  {"architecture", info.at("architecture").get<std::string>()},
                  {"precision", info.at("precision").get<std::string>()},
                  {"parameters", std::to_string(info.at("parameters").get<uint64_t>())},
                  {"license", manifest.at("license").at("id").get<std::string>()}};
  request.metrics = Json::object();
  // The user brought the file and vouches for it: Approved, audited as such,
  // unless --pending asks for a review (registry approve) before it serves.
  request.status = a.pending ? ApprovalStatus::kPendingManualApproval : ApprovalStatus::kApproved;
  request.comment = a.pending ? "" : "approved at registration by hub add (--pending would await a review)";
  const ModelVersion v = registry.Register(request);
  if (!a.quiet) {
    std::cout << "registered " << v.group << " version " << v.version << " (" << ToString(v.status)
              << "): " << info.at("architecture").get<std::string>() << ", "
              << Parameters(info.at("parameters").get<uint64_t>()) << " parameters, "
              << info.at("precision").get<std::string>() << ", " << Size(info.at("file_bytes").get<uint64_t>()) << "\n";
    if (v.status != ApprovalStatus::kApproved) {
      std::cout << "approve it to serve it: tabpilot registry approve " << v.group << " " << v.version << "\n";
    }
  }
  return 0;
}

int RunList(const HubArgs& a) {
  Store store = OpenStore(a.store);
  ModelRegistry registry(*store.db, store.artifacts);
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "VERSION", "STATUS", "ARCHITECTURE", "PARAMETERS", "PRECISION", "SIZE", "LICENSE"}};
  for (const ModelPackageGroup& g : registry.ListGroups()) {
    const auto page = registry.ListVersionPage(g.name, 0, 1);
    if (page.versions.empty() || page.versions[0].tags.value("kind", "") != "text-generation") continue;
    const ModelVersion& v = page.versions[0];
    std::string size = "?";
    try {
      const Json m = ReadHubManifest(v.artifact_path);
      size = Size(m.at("info").at("file_bytes").get<uint64_t>());
    } catch (const std::exception&) {
      size = "(artifact missing)";
    }
    rows.push_back({g.name, std::to_string(v.version), ToString(v.status), v.tags.value("architecture", "?"),
                    Parameters(std::stoull(v.tags.value("parameters", "0"))), v.tags.value("precision", "?"), size,
                    v.tags.value("license", "")});
  }
  if (rows.size() == 1) {
    std::cout << "no text-generation models in " << RedactUrl(store.location.database)
              << " (add one: tabpilot hub add NAME --path FILE)\n";
    return 0;
  }
  PrintTable(rows);
  return 0;
}

}  // namespace

Runner AddHubCommand(CLI::App& app) {
  auto args = std::make_shared<HubArgs>();
  CLI::App* hub = app.add_subcommand("hub", "Text-generation models (GPT-2 and LLaMA families) from GGUF files");
  hub->require_subcommand(1);
  CLI::App* add =
      hub->add_subcommand("add", "Register a text-generation model as a model package group's next version");
  add->add_option("name", args->name, "Model package group (the name endpoints use)")->required();
  add->add_option("--path,-p", args->path, "GGUF file, or a Hugging Face folder (config.json, *.safetensors)")
      ->required();
  add->add_option("--description", args->description, "What the version is");
  add->add_option("--license", args->license, "License identifier (default: what the file says)");
  add->add_option("--license-file", args->license_file, "License text stored with the model");
  add->add_option("--usage-terms", args->usage_terms, "Usage terms shown with the model");
  add->add_flag("--pending", args->pending,
                "Register it PendingManualApproval: served only once `registry approve` says so (default: Approved)");
  CLI::App* list = hub->add_subcommand("list", "List the registered text-generation models");
  for (CLI::App* sub : {add, list}) {
    sub->add_option("--store", args->store, "Metadata store (default: $TABPILOT_STORE or .tabpilot/)");
  }
  add->add_flag("--quiet,-q", args->quiet, "Print only errors");
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
  return [args, add, list, inspect, gen]() -> int {
    if (add->parsed()) return RunAdd(*args);
    if (list->parsed()) return RunList(*args);
    if (inspect->parsed()) return RunInspect(*args);
    if (gen->parsed()) return RunGenerate(*args);
    return 2;
  };
}

}  // namespace tabpilot::cli
