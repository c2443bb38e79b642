// fail: stops the execution as Failed with a message (the "else" of a quality
// gate). Never retried or cached.
#include "pipeline/expression.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class FailStep : public StepType {
 public:
  std::string name() const override { return "fail"; }
  std::vector<FieldSpec> fields() const override { return {{"message", false, "why the execution failed"}}; }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override { return std::vector<std::string>{}; }
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    const std::string message =
        ctx.config.contains("message") ? ValueToText(ctx.config["message"]) : "the pipeline reached a fail step";
    ctx.Log("fail: " + message);
    throw PipelineFailStep(message);
  }
};

}  // namespace

std::unique_ptr<StepType> MakeFailStep() { return std::make_unique<FailStep>(); }

}  // namespace tabpilot
