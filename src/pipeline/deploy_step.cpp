// deploy: points a real-time endpoint at a registered model (creating the
// endpoint, or updating it when it points elsewhere). By default the endpoint
// follows the group's latest Approved version, as the SageMaker workflow
// deploys on approval: registering a version PendingManualApproval deploys
// nothing until someone approves it, and a running `tabpilot serve` then
// loads it. `version` pins one version instead.
#include "pipeline/step.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "store/store_location.h"

namespace tabpilot {
namespace {

class DeployStep : public StepType {
 public:
  std::string name() const override { return "deploy"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"endpoint_name", K::kString, nullptr, 0, 0, {}, "the endpoint to create or update", true},
        {"model_package_group_name", K::kString, nullptr, 0, 0, {}, "the registry group it serves", true},
        {"version",
         K::kInt,
         nullptr,
         1,
         1e12,
         {},
         "serve this version (e.g. ${steps.RegisterModel.outputs.version}); default: follow the latest Approved one"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"endpoint", "generation", "source", "changed", "serves_now"};
  }
  // The store changes: never reuse a cached result.
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    const Params& f = ctx.fields;
    const std::string endpoint = f.String("endpoint_name");
    const std::string group = f.String("model_package_group_name");
    const EndpointSource source = f.Has("version") ? EndpointSource::GroupVersion(group, f.Int("version"))
                                                   : EndpointSource::LatestApproved(group);
    Store store = OpenStore(ctx.store_location);
    ModelRegistry registry(*store.db, store.artifacts);
    EndpointStore endpoints(*store.db, registry);
    const EndpointStore::PutResult put = endpoints.Put(endpoint, source);
    const EndpointConfig& config = put.config;
    const bool changed = put.action != EndpointStore::PutAction::kUnchanged;
    if (changed) {
      ctx.Log(std::string(put.action == EndpointStore::PutAction::kCreated ? "created" : "updated") + " endpoint " +
              endpoint + " (generation " + std::to_string(config.generation) + "): " + DescribeSource(source));
    } else {
      ctx.Log("endpoint " + endpoint + " already serves " + DescribeSource(source));
    }
    std::string serves_now;
    try {
      serves_now = ResolveEndpointModel(source, registry).description;
    } catch (const Error& e) {
      serves_now = "";  // e.g. nothing Approved yet: approving a version deploys it
      ctx.Log(std::string("endpoint ") + endpoint + " serves nothing yet: " + e.what());
    }
    Json out = Json::object();
    out["endpoint"] = endpoint;
    out["generation"] = config.generation;
    out["source"] = DescribeSource(source);
    out["changed"] = changed;
    out["serves_now"] = serves_now;
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeDeployStep() { return std::make_unique<DeployStep>(); }

}  // namespace tabpilot
