#include "serve/store_endpoints.h"

#include <exception>

namespace tabpilot {

StoreEndpoints::StoreEndpoints(const std::string& store_flag) : store_(OpenStore(store_flag)) {
  registry_ = std::make_unique<ModelRegistry>(*store_.db, store_.artifacts);
  endpoints_ = std::make_unique<EndpointStore>(*store_.db, *registry_);
}

std::vector<EndpointTarget> StoreEndpoints::Current() {
  std::vector<EndpointTarget> targets;
  for (const EndpointConfig& config : endpoints_->List()) {
    EndpointTarget target;
    target.identity.endpoint = config.name;
    target.identity.generation = config.generation;
    try {
      const ResolvedModel resolved = ResolveEndpointModel(config.source, *registry_);
      target.identity.model = resolved.description;
      target.identity.group = resolved.group;
      target.identity.version = resolved.version;
      target.identity.bundle = resolved.bundle;
      target.artifact_hash = resolved.artifact_hash;
    } catch (const std::exception& e) {
      target.identity.model = DescribeSource(config.source);
      target.error = e.what();
    }
    targets.push_back(std::move(target));
  }
  return targets;
}

std::filesystem::path StoreEndpoints::Prepare(const EndpointTarget& target) {
  if (target.artifact_hash.empty()) return target.identity.bundle;
  return store_.artifacts.VerifiedPath(target.artifact_hash);
}

void StoreEndpoints::Report(const std::string& endpoint, const EndpointStatus& status) {
  try {
    endpoints_->ReportStatus(endpoint, status);
  } catch (const std::exception&) {
    // The endpoint was deleted or changed meanwhile: the next poll sees it.
  }
}

}  // namespace tabpilot
