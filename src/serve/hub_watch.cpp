#include "serve/hub_watch.h"

#include "hub/hub_package.h"

namespace tabpilot {

SplitEndpointWatch::SplitEndpointWatch(std::unique_ptr<EndpointWatch> inner, HubEndpoints& hub)
    : inner_(std::move(inner)), hub_(hub) {}

std::vector<EndpointTarget> SplitEndpointWatch::Current() {
  std::vector<EndpointTarget> tabular;
  std::vector<HubEndpoints::Spec> hub;
  std::map<std::string, EndpointTarget> hub_targets;
  for (EndpointTarget& t : inner_->Current()) {
    if (!t.error.empty() || !IsHubPackage(t.identity.bundle)) {
      tabular.push_back(std::move(t));
      continue;
    }
    HubEndpoints::Spec spec;
    spec.name = t.identity.endpoint;
    spec.file = HubPackageModel(t.identity.bundle);
    spec.key = (t.artifact_hash.empty() ? t.identity.bundle.string() : t.artifact_hash) + "#" +
               std::to_string(t.identity.generation);
    hub.push_back(std::move(spec));
    hub_targets[t.identity.endpoint] = std::move(t);
  }
  hub_.Sync(hub);
  hub_targets_ = std::move(hub_targets);
  // The hub's load outcomes, reported on this (the manager's) thread.
  for (const auto& [name, status] : hub_.TakeStatusChanges()) {
    const auto it = hub_targets_.find(name);
    if (it == hub_targets_.end()) continue;  // a fixed --hub-model endpoint: not the store's
    EndpointStatus s;
    s.state = status.state == HubEndpoints::State::kReady    ? EndpointState::kServing
              : status.state == HubEndpoints::State::kFailed ? EndpointState::kFailed
                                                             : EndpointState::kLoading;
    s.model = it->second.identity.model;
    s.generation = it->second.identity.generation;
    s.message = status.error;
    inner_->Report(name, s);
  }
  return tabular;
}

}  // namespace tabpilot
