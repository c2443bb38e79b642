// model: turns the AutoML output into a deployable model: the bundle is
// checked (manifest readable, format supported), copied into the step's
// outputs so later runs cannot change it, and fingerprinted. Outputs the
// pinned model folder and its content hash.
#include "model/bundle.h"
#include "pipeline/content_hash.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace fs = std::filesystem;
namespace {

class ModelStep : public StepType {
 public:
  std::string name() const override { return "model"; }
  const std::vector<ParamSpec>& fields() const override {
    static const std::vector<ParamSpec> specs = {{"model_dir",
                                                  ParamSpec::Kind::kPath,
                                                  nullptr,
                                                  0,
                                                  0,
                                                  {},
                                                  "model bundle folder (usually ${steps.AutoML.outputs.model_dir})",
                                                  true}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"model", "hash", "problem_type", "target"};
  }

  Json Run(const StepContext& ctx) const override {
    const fs::path source = ctx.Path("model_dir");
    BundleLoadOptions load;
    load.limits = ctx.limits;
    const Json manifest = ReadManifest(source, load);  // NotFound / InvalidInput for a non-bundle
    fs::copy(source, ctx.staging_dir / "model", fs::copy_options::recursive);
    Json out = Json::object();
    out["model"] = (ctx.output_dir / "model").string();
    out["hash"] = HashPath(ctx.staging_dir / "model");
    out["problem_type"] =
        manifest.contains("problem") && manifest["problem"].contains("task") ? manifest["problem"]["task"] : Json("");
    out["target"] = manifest.contains("problem") && manifest["problem"].contains("target")
                        ? manifest["problem"]["target"]
                        : Json("");
    ctx.Log("pinned " + source.string() + " as " + out["model"].get<std::string>() + " (hash " +
            out["hash"].get<std::string>() + ")");
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeModelStep() { return std::make_unique<ModelStep>(); }

}  // namespace tabpilot
