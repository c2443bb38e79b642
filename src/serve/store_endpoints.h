// The endpoints a server serves from the metadata store: each endpoint
// configuration resolved against the registry at every poll (so a newly
// Approved version of a followed group is noticed), and the server's load
// statuses written back (`endpoint describe` shows them).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "serve/model_manager.h"
#include "store/store_location.h"

namespace tabpilot {

class StoreEndpoints : public EndpointWatch {
 public:
  // Opens the store (`--store` flag; see store_location.h) with a connection
  // of its own: the manager calls it from one thread at a time.
  explicit StoreEndpoints(const std::string& store_flag);
  std::vector<EndpointTarget> Current() override;
  // A registry copy is re-hashed (ArtifactStore::VerifiedPath) before it is
  // loaded: a changed or missing copy fails the load.
  std::filesystem::path Prepare(const EndpointTarget& target) override;
  void Report(const std::string& endpoint, const EndpointStatus& status) override;
  // Where the store is (for the server's first log line).
  const std::string& database() const { return store_.location.database; }

 private:
  Store store_;
  std::unique_ptr<ModelRegistry> registry_;
  std::unique_ptr<EndpointStore> endpoints_;
};

}  // namespace tabpilot
