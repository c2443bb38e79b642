// Which model each endpoint serves, and swapping in new ones without a
// failed request (TF Serving's source/manager split, simplified).
//
// An EndpointWatch says what should be served (the store's endpoint
// configurations, resolved against the registry; or a fixed bundle given on
// the command line). Refresh() compares that with what is loaded and loads
// what changed (a new endpoint, a new generation of its configuration, a
// newly Approved version for one that follows the group), on the calling
// thread, with no lock held; the finished ServedModel is then swapped in
// under a short lock. Requests hold a shared_ptr to the model they started
// with, so in-flight ones finish on the old model. A model that fails to
// load leaves the old one serving (or the endpoint unserved, when it had
// none), counts a load failure, is reported to the watch (the store shows
// it in `endpoint describe`) and is not retried until its target changes.
// Start() runs Refresh every poll_interval on a thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/log.h"
#include "serve/endpoint_store.h"
#include "serve/served_model.h"

namespace tabpilot {

// One endpoint as the watch resolves it: the model it should serve, or why
// it cannot say (e.g. the group has no Approved version yet).
struct EndpointTarget {
  ServedModel::Identity identity;  // endpoint, model, generation, bundle...
  std::string error;               // non-empty: unresolved, identity.bundle unset
  std::string artifact_hash;       // a registry copy's content hash ("" for a bundle path)
};

class EndpointWatch {
 public:
  virtual ~EndpointWatch() = default;
  // The endpoints to serve now. May throw (IoError: the store is
  // unreachable): the manager then keeps serving what it has.
  virtual std::vector<EndpointTarget> Current() = 0;
  // The folder to load for a target the manager is about to load (the
  // expensive checks a poll cannot afford go here, e.g. re-hashing a
  // registry copy); throws when it must not be loaded.
  virtual std::filesystem::path Prepare(const EndpointTarget& target) { return target.identity.bundle; }
  // What became of an endpoint (loading, serving, failed); errors are the
  // watch's to swallow (a status it cannot record must not stop serving).
  virtual void Report(const std::string& endpoint, const EndpointStatus& status) = 0;
};

// A watch of fixed bundles (`tabpilot serve --model PATH`): generation 1 each.
class FixedEndpoints : public EndpointWatch {
 public:
  explicit FixedEndpoints(std::vector<EndpointTarget> targets) : targets_(std::move(targets)) {}
  std::vector<EndpointTarget> Current() override { return targets_; }
  void Report(const std::string&, const EndpointStatus&) override {}

 private:
  std::vector<EndpointTarget> targets_;
};

class ModelManager {
 public:
  struct Options {
    ServedModel::Options model;
    std::chrono::milliseconds poll_interval{1000};
    // The endpoint /invocations serves without a target; empty: the only
    // endpoint, when there is one.
    std::string default_endpoint;
  };

  // One endpoint's state for /metrics and the OIP's readiness.
  struct Summary {
    std::string endpoint;
    std::shared_ptr<const ServedModel> model;  // null: nothing serving
    EndpointStatus status;
    int64_t load_failures = 0;
  };

  ModelManager(std::unique_ptr<EndpointWatch> watch, Options options, Logger logger);
  ~ModelManager();
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  // Loads and unloads to match the watch (see above). Calls are serialized
  // (the polling thread's, the caller's before Start).
  void Refresh();
  // Polls on a background thread until destruction.
  void Start();
  // Makes the polling thread refresh now instead of at its next interval;
  // with `reload_all`, every endpoint's model is loaded again even when its
  // target is unchanged (a bundle rewritten in place) and failed loads are
  // retried. Returns at once; thread-safe.
  void RequestRefresh(bool reload_all);

  // The model an endpoint serves now, or null. Thread-safe, lock-shared.
  std::shared_ptr<const ServedModel> Get(std::string_view endpoint) const;
  // The model /invocations serves without a target: the default endpoint's,
  // or the only endpoint's; null otherwise (`why` says which case).
  std::shared_ptr<const ServedModel> Default(std::string* why) const;
  // Every endpoint the watch named, by name.
  std::vector<Summary> Summaries() const;

 private:
  struct Entry {
    std::shared_ptr<const ServedModel> model;
    EndpointStatus status;
    int64_t load_failures = 0;
    std::string failed_key;  // the target last failed to load (not retried)
  };
  void Set(const std::string& endpoint, const EndpointStatus& status);
  void RefreshLocked(bool reload_all);

  std::unique_ptr<EndpointWatch> watch_;
  Options options_;
  Logger logger_;                    // a level: held by value
  mutable std::shared_mutex mutex_;  // guards entries_
  std::map<std::string, Entry, std::less<>> entries_;
  std::mutex refresh_mutex_;  // one Refresh at a time
  std::mutex stop_mutex_;     // guards stop_, wake_, reload_all_
  std::condition_variable stop_cv_;
  bool stop_ = false;
  bool wake_ = false;        // RequestRefresh was called
  bool reload_all_ = false;  // ... with reload_all
  std::thread poller_;
};

}  // namespace tabpilot
