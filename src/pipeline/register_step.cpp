// register: adds the model as the next version of a model package group in
// the registry, with its approval status, the evaluation report attached, and
// lineage (this execution's id and the content hashes of the step's inputs).
// It runs only after every step it references has Succeeded, so the bundle it
// copies is complete.
#include "core/atomic_file.h"
#include "pipeline/step.h"
#include "registry/model_registry.h"
#include "store/store_location.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> StatusNames() {
  std::vector<std::string> out;
  for (ApprovalStatus s :
       {ApprovalStatus::kPendingManualApproval, ApprovalStatus::kApproved, ApprovalStatus::kRejected}) {
    out.push_back(ToString(s));
  }
  return out;
}

class RegisterStep : public StepType {
 public:
  std::string name() const override { return "register"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"model", K::kPath, nullptr, 0, 0, {}, "model bundle folder (usually ${steps.Model.outputs.model})", true},
        {"model_package_group_name", K::kString, nullptr, 0, 0, {}, "the registry group", true},
        {"approval_status", K::kString, ToString(ApprovalStatus::kPendingManualApproval), 0, 0, StatusNames(),
         "status of the new version"},
        {"report", K::kJson, nullptr, 0, 0, {}, "evaluation report: ${steps.Evaluate.outputs.report} or a JSON file"},
        {"leaderboard", K::kPath, nullptr, 0, 0, {}, "leaderboard.json file (default: the bundle's own)"},
        {"description", K::kText, "", 0, 0, {}, "free text"},
        {"group_description", K::kText, "", 0, 0, {}, "used when the group is created"},
        {"tags", K::kStringMap, nullptr, 0, 0, {}, "mapping of tag: value"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"group", "version", "artifact_path", "artifact_hash", "approval_status"};
  }
  void CheckConfig(const Json& config, const std::string& where) const override {
    if (config.contains("report")) {
      const Json& r = config["report"];
      if (!r.is_object() && !(r.is_string() && !r.get<std::string>().empty())) {
        throw InvalidInput(where + "field 'report' must be a report object or a JSON file, got " + r.dump());
      }
    }
  }
  // Registering twice would create two versions: never reuse a cached result.
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    RegisterRequest request;
    const Params& f = ctx.fields;
    request.group = f.String("model_package_group_name");
    request.group_description = f.String("group_description");
    request.model_dir = ctx.Path("model");
    request.description = f.String("description");
    request.status = ParseApprovalStatus(f.String("approval_status"));
    request.execution_id = ctx.execution_id;
    request.input_data_hashes = ctx.input_hashes;
    request.comment = "registered by pipeline " + ctx.pipeline_name + " execution " + ctx.execution_id;
    if (f.Has("report")) {
      const Json& r = f.Get("report");
      if (r.is_object()) {
        request.evaluation_report = r;
      } else if (r.is_string()) {
        request.evaluation_report = Json::parse(ReadFile(ctx.ResolvePath(r.get<std::string>())));
      } else {
        throw InvalidInput("step '" + ctx.step_name + "': field 'report' must be a report object or a JSON file");
      }
    }
    if (f.Has("leaderboard")) request.leaderboard = Json::parse(ReadFile(ctx.Path("leaderboard")));
    if (f.Has("tags")) {
      for (const auto& [k, v] : f.Get("tags").items()) request.tags[k] = v.get<std::string>();
    }
    Store store = OpenStore(ctx.store_location);
    ModelRegistry registry(*store.db, store.artifacts);
    const ModelVersion v = registry.Register(request);
    ctx.Log("registered " + v.group + " version " + std::to_string(v.version) + " at " + v.artifact_path.string());
    Json out = Json::object();
    out["group"] = v.group;
    out["version"] = v.version;
    out["artifact_path"] = v.artifact_path.string();
    out["artifact_hash"] = v.artifact_hash;
    out["approval_status"] = ToString(v.status);
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeRegisterStep() { return std::make_unique<RegisterStep>(); }

}  // namespace tabpilot
