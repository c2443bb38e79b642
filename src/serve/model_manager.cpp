#include "serve/model_manager.h"

#include <algorithm>
#include <exception>

#include "store/timestamp.h"

namespace tabpilot {
namespace {

EndpointStatus StatusOf(EndpointState state, std::string model, int64_t generation, std::string message) {
  EndpointStatus status;
  status.state = state;
  status.model = std::move(model);
  status.generation = generation;
  status.message = std::move(message);
  status.reported_at = UtcTimestamp();
  return status;
}

// What identifies a load: the same key twice is the same model.
std::string KeyOf(const ServedModel::Identity& id) { return id.bundle.string() + "\n" + std::to_string(id.generation); }

}  // namespace

ModelManager::ModelManager(std::unique_ptr<EndpointWatch> watch, Options options, Logger logger)
    : watch_(std::move(watch)), options_(std::move(options)), logger_(logger) {}

ModelManager::~ModelManager() {
  {
    const std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void ModelManager::Set(const std::string& endpoint, const EndpointStatus& status) {
  {
    const std::unique_lock<std::shared_mutex> lock(mutex_);
    entries_[endpoint].status = status;
  }
  watch_->Report(endpoint, status);
}

void ModelManager::Refresh() {
  bool reload_all = false;
  {
    const std::lock_guard<std::mutex> lock(stop_mutex_);
    std::swap(reload_all, reload_all_);
    wake_ = false;
  }
  RefreshLocked(reload_all);
}

void ModelManager::RefreshLocked(bool reload_all) {
  const std::lock_guard<std::mutex> refreshing(refresh_mutex_);
  std::vector<EndpointTarget> targets;
  try {
    targets = watch_->Current();
  } catch (const std::exception& e) {
    logger_.Warn(std::string("cannot read the endpoints (still serving the loaded models): ") + e.what());
    return;
  }
  for (const EndpointTarget& target : targets) {
    const std::string& name = target.identity.endpoint;
    std::shared_ptr<const ServedModel> current;
    std::string failed_key;
    {
      const std::shared_lock<std::shared_mutex> lock(mutex_);
      auto it = entries_.find(name);
      if (it != entries_.end()) {
        current = it->second.model;
        failed_key = it->second.failed_key;
      }
    }
    if (!target.error.empty()) {
      if (current == nullptr && failed_key != target.error) {
        {
          const std::unique_lock<std::shared_mutex> lock(mutex_);
          entries_[name].failed_key = target.error;
        }
        logger_.Warn("endpoint '" + name + "': " + target.error);
        Set(name, StatusOf(EndpointState::kFailed, "", target.identity.generation, target.error));
      }
      continue;
    }
    const std::string key = KeyOf(target.identity);
    if (!reload_all && current != nullptr && KeyOf(current->identity()) == key) continue;  // up to date
    if (!reload_all && key == failed_key) continue;  // failed before: wait for a change
    Set(name, StatusOf(EndpointState::kLoading, target.identity.model, target.identity.generation, ""));
    try {
      ServedModel::Identity identity = target.identity;
      identity.bundle = watch_->Prepare(target);
      std::shared_ptr<const ServedModel> model = ServedModel::Load(std::move(identity), options_.model);
      {
        const std::unique_lock<std::shared_mutex> lock(mutex_);
        Entry& entry = entries_[name];
        entry.model = std::move(model);
        entry.failed_key.clear();
      }
      logger_.Info("endpoint '" + name + "': serving " + target.identity.model);
      Set(name, StatusOf(EndpointState::kServing, target.identity.model, target.identity.generation, ""));
    } catch (const std::exception& e) {
      {
        const std::unique_lock<std::shared_mutex> lock(mutex_);
        Entry& entry = entries_[name];
        entry.failed_key = key;
        ++entry.load_failures;
      }
      const std::string message = e.what();
      logger_.Warn("endpoint '" + name + "': cannot load " + target.identity.model + ": " + message +
                   (current != nullptr ? " (still serving " + current->identity().model + ")" : ""));
      Set(name, StatusOf(EndpointState::kFailed, target.identity.model, target.identity.generation, message));
    }
  }
  // Endpoints no longer named are unloaded (requests in flight keep theirs).
  std::vector<std::string> gone;
  {
    const std::unique_lock<std::shared_mutex> lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      const bool named = std::any_of(targets.begin(), targets.end(),
                                     [&](const EndpointTarget& t) { return t.identity.endpoint == it->first; });
      if (named) {
        ++it;
        continue;
      }
      gone.push_back(it->first);
      it = entries_.erase(it);
    }
  }
  for (const std::string& name : gone) logger_.Info("endpoint '" + name + "': removed");
}

void ModelManager::Start() {
  poller_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(stop_mutex_);
    for (;;) {
      // Wakes at the interval, or at once for RequestRefresh or the stop.
      stop_cv_.wait_for(lock, options_.poll_interval, [this] { return stop_ || wake_; });
      if (stop_) break;
      lock.unlock();
      Refresh();
      lock.lock();
    }
  });
}

void ModelManager::RequestRefresh(bool reload_all) {
  {
    const std::lock_guard<std::mutex> lock(stop_mutex_);
    wake_ = true;
    reload_all_ = reload_all_ || reload_all;
  }
  stop_cv_.notify_all();
}

std::shared_ptr<const ServedModel> ModelManager::Get(std::string_view endpoint) const {
  const std::shared_lock<std::shared_mutex> lock(mutex_);
  auto it = entries_.find(endpoint);
  return it == entries_.end() ? nullptr : it->second.model;
}

std::shared_ptr<const ServedModel> ModelManager::Default(std::string* why) const {
  const std::shared_lock<std::shared_mutex> lock(mutex_);
  if (!options_.default_endpoint.empty()) {
    auto it = entries_.find(options_.default_endpoint);
    if (it == entries_.end() || it->second.model == nullptr) {
      if (why) *why = "the default endpoint '" + options_.default_endpoint + "' has no model loaded";
      return nullptr;
    }
    return it->second.model;
  }
  if (entries_.size() != 1) {
    if (why) {
      *why = entries_.empty() ? "no endpoint is served"
                              : "several endpoints are served: name one with the X-Amzn-SageMaker-Target-Model "
                                "header or POST /endpoints/NAME/invocations";
    }
    return nullptr;
  }
  if (entries_.begin()->second.model == nullptr) {
    if (why) *why = "endpoint '" + entries_.begin()->first + "' has no model loaded";
    return nullptr;
  }
  return entries_.begin()->second.model;
}

std::vector<ModelManager::Summary> ModelManager::Summaries() const {
  const std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<Summary> out;
  for (const auto& [name, entry] : entries_) out.push_back({name, entry.model, entry.status, entry.load_failures});
  return out;
}

}  // namespace tabpilot
