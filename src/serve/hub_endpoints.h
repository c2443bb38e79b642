// The text-generation endpoints a server hosts: fixed ones (`tabpilot serve
// --hub-model NAME=FILE`) and the store's (endpoints whose registered model
// is a hub package, handed over by Sync at every poll). Each model is opened
// on a thread of its own, so /health answers 503 {"status": "loading"} until
// every one is ready and a model that fails to load is reported, not fatal.
// A changed target loads beside the old one and replaces it when ready (hot
// swap: requests in flight finish on the old engine); an endpoint gone from
// the store stops. A ready endpoint owns the model and its
// continuous-batching engine.
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
    // What identifies the model to load (a registry version's artifact
    // hash, or the path): a new key is a new model.
    std::string key;
  };
  struct Options {
    int threads = 0;              // the engine's kernels (0: every core)
    int max_sequences = 8;        // concurrent streams per model (more wait)
    int max_queued = 64;          // waiting requests per model (more: 429)
    int max_tokens_limit = 4096;  // the most a request may ask to generate
  };
  // Starts loading every fixed model in the background.
  HubEndpoints(std::vector<Spec> fixed, Options options);
  ~HubEndpoints();
  HubEndpoints(const HubEndpoints&) = delete;
  HubEndpoints& operator=(const HubEndpoints&) = delete;

  enum class State { kLoading, kReady, kFailed };
  struct Status {
    State state = State::kLoading;
    std::string error;  // kFailed: why
  };

  const Options& options() const { return options_; }
  // The store's hub endpoints now: new names and new keys start loading,
  // names no longer given stop (fixed ones stay). Thread-safe; returns at once.
  void Sync(const std::vector<Spec>& specs);
  // Status changes since the last call (for the store's endpoint statuses).
  std::vector<std::pair<std::string, Status>> TakeStatusChanges();
  // Names: the fixed ones in the order given, then the store's by name.
  std::vector<std::string> Names() const;
  bool Known(const std::string& name) const;
  Status StatusOf(const std::string& name) const;
  // The ready endpoint, or null (loading, failed or unknown).
  std::shared_ptr<HubEndpoint> Get(const std::string& name) const;
  // True when every model is ready (a failed one counts as not ready).
  bool AllReady() const;
  bool empty() const;
  // Blocks until no model is still loading (tests, `serve` before it says it listens).
  void WaitLoaded() const;
  // Prometheus exposition text for the hub's models.
  std::string MetricsText() const;

 private:
  void StartLoad(const Spec& spec);  // mutex_ held
  void Load(const Spec& spec);
  void SetStatus(const std::string& name, Status status);  // mutex_ held

  std::vector<std::string> fixed_;
  Options options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable loaded_cv_;
  std::map<std::string, Spec> specs_;  // what should be served, by name
  std::map<std::string, Status> status_;
  std::map<std::string, std::shared_ptr<HubEndpoint>> ready_;
  std::vector<std::pair<std::string, Status>> changes_;
  std::vector<std::thread> loaders_;
};

}  // namespace tabpilot
