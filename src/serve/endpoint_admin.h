// Endpoint changes over HTTP (`tabpilot serve --admin`): what the admin
// routes may do to the store's endpoint configurations. Registry sources
// only: a request names a model package group (and a version), never a
// file, so no request makes the server read a path it chose.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "store/store_location.h"

namespace tabpilot {

// The source an admin request's body names: {"model_group": G} (the group's
// latest Approved version, followed) or {"model_group": G, "version": N}.
// InvalidInput for anything else, a bundle path included.
EndpointSource AdminSourceFromJson(const Json& body);

class EndpointAdmin {
 public:
  // Opens the store (`--store` flag) with a connection of its own, used by
  // one request at a time (the calls are serialized).
  explicit EndpointAdmin(const std::string& store_flag);

  // EndpointStore::Put: creates, updates, or leaves an endpoint already
  // serving `source` alone. Throws what it throws.
  EndpointStore::PutResult Put(const std::string& name, const EndpointSource& source);
  // NotFound for an unknown endpoint.
  void Delete(const std::string& name);
  std::vector<EndpointConfig> List();

 private:
  std::mutex mutex_;
  Store store_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<EndpointStore> endpoints_;
};

}  // namespace tabpilot
