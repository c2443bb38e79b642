#include "serve/hub_endpoints.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <utility>

#include "core/error.h"

namespace tabpilot {

HubEndpoints::HubEndpoints(std::vector<Spec> fixed, Options options) : options_(options) {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (Spec& spec : fixed) {
    if (spec.key.empty()) spec.key = spec.file.string();
    fixed_.push_back(spec.name);
    specs_[spec.name] = spec;
    StartLoad(spec);
  }
}

HubEndpoints::~HubEndpoints() {
  std::vector<std::thread> loaders;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    loaders.swap(loaders_);
  }
  for (std::thread& t : loaders) t.join();
  // The engines stop (and cancel what runs) as ready_ goes.
}

void HubEndpoints::SetStatus(const std::string& name, Status status) {
  status_[name] = status;
  changes_.emplace_back(name, std::move(status));
}

void HubEndpoints::StartLoad(const Spec& spec) {
  // A model still serving keeps serving while its successor loads.
  if (ready_.count(spec.name) == 0) SetStatus(spec.name, Status{});
  loaders_.emplace_back([this, spec] { Load(spec); });
}

void HubEndpoints::Sync(const std::vector<Spec>& specs) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::map<std::string, Spec> wanted;
  for (const Spec& s : specs) wanted[s.name] = s;
  for (const std::string& name : fixed_) wanted[name] = specs_[name];
  for (auto it = specs_.begin(); it != specs_.end();) {
    if (wanted.count(it->first) == 0) {  // gone from the store: stop serving it
      ready_.erase(it->first);
      status_.erase(it->first);
      it = specs_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, spec] : wanted) {
    const auto it = specs_.find(name);
    if (it != specs_.end() && it->second.key == spec.key) continue;
    specs_[name] = spec;
    StartLoad(spec);
  }
}

std::vector<std::pair<std::string, HubEndpoints::Status>> HubEndpoints::TakeStatusChanges() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(changes_, {});
}

void HubEndpoints::Load(const Spec& spec) {
  std::shared_ptr<HubEndpoint> endpoint;
  std::string error;
  try {
    endpoint = std::make_shared<HubEndpoint>();
    endpoint->name = spec.name;
    endpoint->file = spec.file;
    endpoint->model = LanguageModel::Open(spec.file, {options_.threads, nullptr});
    GenerationEngine::Options engine;
    engine.max_sequences = options_.max_sequences;
    engine.max_queued = options_.max_queued;
    endpoint->engine = std::make_unique<GenerationEngine>(endpoint->model, engine);
    endpoint->chat = DetectChatFormat(endpoint->model->tokenizer().vocabulary());
    endpoint->created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  } catch (const std::exception& e) {
    error = e.what();
  }
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    const auto it = specs_.find(spec.name);
    // Superseded (a newer key) or removed meanwhile: this load is dropped.
    if (it != specs_.end() && it->second.key == spec.key) {
      if (error.empty()) {
        ready_[spec.name] = std::move(endpoint);
        SetStatus(spec.name, Status{State::kReady, ""});
      } else if (ready_.count(spec.name) == 0) {
        SetStatus(spec.name, Status{State::kFailed, error});
      } else {  // the old model keeps serving; the failure is still reported
        changes_.emplace_back(spec.name, Status{State::kFailed, error});
      }
    }
  }
  loaded_cv_.notify_all();
}

std::vector<std::string> HubEndpoints::Names() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names = fixed_;
  for (const auto& [name, spec] : specs_) {
    if (std::find(fixed_.begin(), fixed_.end(), name) == fixed_.end()) names.push_back(name);
  }
  return names;
}

bool HubEndpoints::empty() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return specs_.empty();
}

bool HubEndpoints::Known(const std::string& name) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return status_.count(name) > 0;
}

HubEndpoints::Status HubEndpoints::StatusOf(const std::string& name) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = status_.find(name);
  if (it == status_.end()) throw NotFound("no text-generation model '" + name + "'");
  return it->second;
}

std::shared_ptr<HubEndpoint> HubEndpoints::Get(const std::string& name) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = ready_.find(name);
  return it == ready_.end() ? nullptr : it->second;
}

bool HubEndpoints::AllReady() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, s] : status_) {
    if (s.state != State::kReady) return false;
  }
  return true;
}

void HubEndpoints::WaitLoaded() const {
  std::unique_lock<std::mutex> lock(mutex_);
  loaded_cv_.wait(lock, [this] {
    for (const auto& [name, s] : status_) {
      if (s.state == State::kLoading) return false;
    }
    return true;
  });
}

std::string HubEndpoints::MetricsText() const {
  std::vector<std::shared_ptr<HubEndpoint>> ready;
  std::map<std::string, Status> status;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, e] : ready_) ready.push_back(e);
    status = status_;
  }
  std::ostringstream m;
  auto family = [&](const char* name, const char* type, const char* help) {
    m << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  family("tabpilot_hub_model_ready", "gauge", "1 when the text-generation model is loaded and serving");
  for (const auto& [name, s] : status) {
    m << "tabpilot_hub_model_ready{endpoint=\"" << name << "\"} " << (s.state == State::kReady ? 1 : 0) << "\n";
  }
  family("tabpilot_hub_prompt_tokens_total", "counter", "Prompt tokens processed");
  for (const auto& e : ready) {
    m << "tabpilot_hub_prompt_tokens_total{endpoint=\"" << e->name << "\"} " << e->engine->stats().prompt_tokens
      << "\n";
  }
  family("tabpilot_hub_generated_tokens_total", "counter", "Tokens generated");
  for (const auto& e : ready) {
    m << "tabpilot_hub_generated_tokens_total{endpoint=\"" << e->name << "\"} " << e->engine->stats().generated_tokens
      << "\n";
  }
  family("tabpilot_hub_sequences_running", "gauge", "Completions being generated now (requests in flight)");
  for (const auto& e : ready) {
    m << "tabpilot_hub_sequences_running{endpoint=\"" << e->name << "\"} " << e->engine->stats().running << "\n";
  }
  family("tabpilot_hub_requests_queued", "gauge", "Requests waiting for room");
  for (const auto& e : ready) {
    m << "tabpilot_hub_requests_queued{endpoint=\"" << e->name << "\"} " << e->engine->stats().queued << "\n";
  }
  family("tabpilot_hub_tokens_per_second", "gauge", "Generation rate of the request that finished last");
  for (const auto& e : ready) {
    m << "tabpilot_hub_tokens_per_second{endpoint=\"" << e->name << "\"} " << e->last_tokens_per_second.load() << "\n";
  }
  return m.str();
}

}  // namespace tabpilot
