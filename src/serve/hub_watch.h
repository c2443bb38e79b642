// The store's endpoints split by what they serve: endpoints whose model is
// a tabular bundle stay with the model manager; those whose registered
// model is a text-generation package (hub add) go to HubEndpoints, which
// loads, swaps and drops them. Their load statuses go back to the store as
// the tabular ones' do, so `endpoint describe` shows both.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "serve/hub_endpoints.h"
#include "serve/model_manager.h"

namespace tabpilot {

class SplitEndpointWatch : public EndpointWatch {
 public:
  // Borrows `hub` (it outlives the watch).
  SplitEndpointWatch(std::unique_ptr<EndpointWatch> inner, HubEndpoints& hub);
  // The tabular targets; the hub ones are handed to HubEndpoints::Sync.
  std::vector<EndpointTarget> Current() override;
  std::filesystem::path Prepare(const EndpointTarget& target) override { return inner_->Prepare(target); }
  void Report(const std::string& endpoint, const EndpointStatus& status) override { inner_->Report(endpoint, status); }

 private:
  std::unique_ptr<EndpointWatch> inner_;
  HubEndpoints& hub_;
  // Per hub endpoint: the target it was last given (the model and
  // generation its reported statuses name).
  std::map<std::string, EndpointTarget> hub_targets_;
};

}  // namespace tabpilot
