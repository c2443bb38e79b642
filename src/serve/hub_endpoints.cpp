#include "serve/hub_endpoints.h"

#include <chrono>
#include <sstream>

#include "core/error.h"

namespace tabpilot {

HubEndpoints::HubEndpoints(std::vector<Spec> specs, Options options) : specs_(std::move(specs)), options_(options) {
  for (const Spec& s : specs_) status_[s.name] = Status{};
  for (const Spec& s : specs_) loaders_.emplace_back([this, s] { Load(s); });
}

HubEndpoints::~HubEndpoints() {
  for (std::thread& t : loaders_) t.join();
  // The engines stop (and cancel what runs) as ready_ goes.
}

void HubEndpoints::Load(const Spec& spec) {
  try {
    auto endpoint = std::make_shared<HubEndpoint>();
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
    const std::lock_guard<std::mutex> lock(mutex_);
    ready_[spec.name] = std::move(endpoint);
    status_[spec.name] = Status{State::kReady, ""};
  } catch (const std::exception& e) {
    const std::lock_guard<std::mutex> lock(mutex_);
    status_[spec.name] = Status{State::kFailed, e.what()};
  }
  loaded_cv_.notify_all();
}

std::vector<std::string> HubEndpoints::Names() const {
  std::vector<std::string> names;
  for (const Spec& s : specs_) names.push_back(s.name);
  return names;
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
  return ready_.size() == specs_.size();
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
