// transform: batch prediction of a CSV with a model, as `tabpilot predict`.
// Outputs the predictions file and its row count.
#include "pipeline/step.h"
#include "predict/batch_predict.h"

namespace tabpilot {
namespace {

class TransformStep : public StepType {
 public:
  std::string name() const override { return "transform"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"model", K::kPath, nullptr, 0, 0, {}, "model bundle folder", true},
        {"data", K::kPath, nullptr, 0, 0, {}, "CSV to predict", true},
        {"join", K::kBool, false, 0, 0, {}, "append the input columns to each prediction row"},
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
    return std::vector<std::string>{"predictions", "rows"};
  }

  Json Run(const StepContext& ctx) const override {
    BatchPredictOptions options;
    options.model = ctx.Path("model");
    options.data = ctx.Path("data");
    options.output = ctx.staging_dir / "predictions.csv";
    options.join = ctx.fields.Bool("join");
    options.threads = ctx.threads;
    options.load.limits = ctx.limits;
    options.load.form = ParseBundleForm(ctx.fields.String("form"), "field 'form'");
    options.logger = Logger(Logger::Level::kQuiet);
    const size_t rows = BatchPredict(options);
    ctx.Log("wrote " + std::to_string(rows) + " predictions");
    Json out = Json::object();
    out["predictions"] = (ctx.output_dir / "predictions.csv").string();
    out["rows"] = rows;
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeTransformStep() { return std::make_unique<TransformStep>(); }

}  // namespace tabpilot
