// evaluate: the model-quality report of a model on a labelled CSV, as
// `tabpilot evaluate`. Output `report` is the report JSON itself, so
// conditions can read ${steps.S.report.binary_classification_metrics.f1.value}.
#include "evaluate/evaluate_file.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class EvaluateStep : public StepType {
 public:
  std::string name() const override { return "evaluate"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"model", K::kPath, nullptr, 0, 0, {}, "model bundle folder", true},
        {"data", K::kPath, nullptr, 0, 0, {}, "labelled CSV (with the target column)", true},
        {"form",
         K::kString,
         "default",
         0,
         0,
         {"default", "bagged", "full"},
         "which form of the model to load: default (the bundle's), bagged or full (members refit on all rows)"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"report", "report_path", "rows"};
  }

  Json Run(const StepContext& ctx) const override {
    EvaluateFileOptions options;
    options.model = ctx.Path("model");
    options.data = ctx.Path("data");
    options.output = ctx.staging_dir / "evaluation.json";
    options.threads = ctx.threads;
    options.load.limits = ctx.limits;
    options.load.form = ParseBundleForm(ctx.fields.String("form"), "field 'form'");
    options.logger = Logger(Logger::Level::kQuiet);
    EvaluateFileResult r = EvaluateFile(options);
    ctx.Log("evaluated on " + std::to_string(r.rows) + " rows");
    Json out = Json::object();
    out["report"] = std::move(r.report);
    out["report_path"] = (ctx.output_dir / "evaluation.json").string();
    out["rows"] = r.rows;
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeEvaluateStep() { return std::make_unique<EvaluateStep>(); }

}  // namespace tabpilot
