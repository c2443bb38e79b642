// The text-generation endpoints a server hosts (`tabpilot serve --hub-model
// NAME=FILE`): each model is opened on a thread of its own after the port is
// open, so /health answers 503 {"status": "loading"} until every one is
// ready and a model that fails to load is reported, not fatal. A ready
// endpoint owns the model and its continuous-batching engine.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/chat_template.h"
#include "hub/generation_engine.h"
#include "hub/language_model.h"

namespace tabpilot {

struct HubEndpoint {
  std::string name;
  std::filesystem::path file;
  std::shared_ptr<const LanguageModel> model;
  std::unique_ptr<GenerationEngine> engine;
  ChatFormat chat = ChatFormat::kPlain;
  int64_t created = 0;  // unix seconds when it became ready
  // The generation rate of the request that finished last (tokens/s), for /metrics.
  std::atomic<double> last_tokens_per_second{0};
};

class HubEndpoints {
 public:
  struct Spec {
    std::string name;
    std::filesystem::path file;
  };
  struct Options {
    int threads = 0;              // the engine's kernels (0: every core)
    int max_sequences = 8;        // concurrent streams per model (more wait)
    int max_queued = 64;          // waiting requests per model (more: 429)
    int max_tokens_limit = 4096;  // the most a request may ask to generate
  };
  // Starts loading every model in the background.
  HubEndpoints(std::vector<Spec> specs, Options options);
  ~HubEndpoints();
  HubEndpoints(const HubEndpoints&) = delete;
  HubEndpoints& operator=(const HubEndpoints&) = delete;

  enum class State { kLoading, kReady, kFailed };
  struct Status {
    State state = State::kLoading;
    std::string error;  // kFailed: why
  };

  bool empty() const { return specs_.empty(); }
  const Options& options() const { return options_; }
  // Names in the order given.
  std::vector<std::string> Names() const;
  bool Known(const std::string& name) const;
  Status StatusOf(const std::string& name) const;
  // The ready endpoint, or null (loading, failed or unknown).
  std::shared_ptr<HubEndpoint> Get(const std::string& name) const;
  // True when every model is ready (a failed one counts as not ready).
  bool AllReady() const;
  // Blocks until no model is still loading (tests, `serve` before it says it listens).
  void WaitLoaded() const;
  // Prometheus exposition text for the hub's models.
  std::string MetricsText() const;

 private:
  void Load(const Spec& spec);

  std::vector<Spec> specs_;
  Options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable loaded_cv_;
  std::map<std::string, Status> status_;
  std::map<std::string, std::shared_ptr<HubEndpoint>> ready_;
  std::vector<std::thread> loaders_;
};

}  // namespace tabpilot
