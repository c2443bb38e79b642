#include "serve/endpoint_admin.h"

#include "core/error.h"

namespace tabpilot {

EndpointSource AdminSourceFromJson(const Json& body) {
  if (!body.is_object()) throw InvalidInput("the body must be a JSON object: {\"model_group\": G[, \"version\": N]}");
  for (const auto& [key, value] : body.items()) {
    if (key == "model" || key == "bundle" || key == "path") {
      throw InvalidInput(
          "a bundle path cannot be set over HTTP (no request names a file); register the bundle, or "
          "run `tabpilot endpoint create NAME --model PATH`");
    }
    if (key != "model_group" && key != "version") {
      throw InvalidInput("unknown key '" + key + "' (model_group, version)");
    }
  }
  const auto group = body.find("model_group");
  if (group == body.end() || !group->is_string() || group->get<std::string>().empty()) {
    throw InvalidInput("\"model_group\" (a non-empty string) is required");
  }
  const auto version = body.find("version");
  if (version == body.end()) return EndpointSource::LatestApproved(group->get<std::string>());
  if (!version->is_number_integer() || version->get<int64_t>() < 1) {
    throw InvalidInput("\"version\" must be a positive integer");
  }
  return EndpointSource::GroupVersion(group->get<std::string>(), version->get<int64_t>());
}

EndpointAdmin::EndpointAdmin(const std::string& store_flag) : store_(OpenStore(store_flag)) {
  registry_ = std::make_unique<ModelRegistry>(*store_.db, store_.artifacts);
  endpoints_ = std::make_unique<EndpointStore>(*store_.db, *registry_);
}

EndpointStore::PutResult EndpointAdmin::Put(const std::string& name, const EndpointSource& source) {
  const std::lock_guard<std::mutex> lock(mutex_);
  return endpoints_->Put(name, source);
}

void EndpointAdmin::Delete(const std::string& name) {
  CheckResourceName(name, "endpoint");
  const std::lock_guard<std::mutex> lock(mutex_);
  endpoints_->Delete(name);
}

std::vector<EndpointConfig> EndpointAdmin::List() {
  const std::lock_guard<std::mutex> lock(mutex_);
  return endpoints_->List();
}

}  // namespace tabpilot
