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

class RegisterStep : public StepType {
 public:
  std::string name() const override { return "register"; }
  std::vector<FieldSpec> fields() const override {
    return {{"model", true, "model bundle folder (usually ${steps.Model.outputs.model})"},
            {"model_package_group_name", true, "the registry group"},
            {"approval_status", false, "PendingManualApproval (default), Approved or Rejected"},
            {"report", false, "evaluation report: ${steps.Evaluate.outputs.report} or a JSON file"},
            {"leaderboard", false, "leaderboard.json file (default: the bundle's own)"},
            {"description", false, "free text"},
            {"group_description", false, "used when the group is created"},
            {"tags", false, "mapping of tag: value"}};
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"group", "version", "artifact_path", "artifact_hash", "approval_status"};
  }
  void CheckConfig(const Json& config, const std::string& where) const override {
    if (config.contains("approval_status") && config["approval_status"].is_string()) {
      const std::string s = config["approval_status"].get<std::string>();
      if (s.find("${") == std::string::npos) {
        try {
          ParseApprovalStatus(s);
        } catch (const Error& e) {
          throw InvalidInput(where + e.what());
        }
      }
    }
    if (config.contains("tags") && !config["tags"].is_object()) throw InvalidInput(where + "'tags' must be a mapping");
  }
  // Registering twice would create two versions: never reuse a cached result.
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    RegisterRequest request;
    request.group = ctx.String("model_package_group_name");
    request.group_description = ctx.StringOr("group_description", "");
    request.model_dir = ctx.Path("model");
    request.description = ctx.StringOr("description", "");
    request.status = ParseApprovalStatus(ctx.StringOr("approval_status", "PendingManualApproval"));
    request.execution_id = ctx.execution_id;
    request.input_data_hashes = ctx.input_hashes;
    request.comment = "registered by pipeline " + ctx.pipeline_name + " execution " + ctx.execution_id;
    if (ctx.config.contains("report")) {
      const Json& r = ctx.config["report"];
      request.evaluation_report = r.is_object() ? r : Json::parse(ReadFile(ctx.Path("report")));
    }
    if (ctx.config.contains("leaderboard")) request.leaderboard = Json::parse(ReadFile(ctx.Path("leaderboard")));
    if (ctx.config.contains("tags")) {
      for (const auto& [k, v] : ctx.config["tags"].items()) request.tags[k] = v.is_string() ? v.get<std::string>() : v.dump();
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
