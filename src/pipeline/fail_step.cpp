// fail: stops the execution as Failed with a message (the "else" of a quality
// gate). Never retried or cached.
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class FailStep : public StepType {
 public:
  std::string name() const override { return "fail"; }
  const std::vector<ParamSpec>& fields() const override {
    static const std::vector<ParamSpec> specs = {
        {"message", ParamSpec::Kind::kText, "the pipeline reached a fail step", 0, 0, {}, "why the execution failed"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override { return std::vector<std::string>{}; }
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    const std::string message = ctx.fields.String("message");
    ctx.Log("fail: " + message);
    throw PipelineFailStep(message);
  }
};

}  // namespace

std::unique_ptr<StepType> MakeFailStep() { return std::make_unique<FailStep>(); }

}  // namespace tabpilot
