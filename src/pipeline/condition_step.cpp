// condition: evaluates a condition (pipeline/condition.h) over resolved
// values; the executor then runs the steps listed in `then` or in `else` and
// marks the others Skipped. Output `outcome` is true or false.
#include "pipeline/condition.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

class ConditionStep : public StepType {
 public:
  std::string name() const override { return "condition"; }
  std::vector<FieldSpec> fields() const override {
    return {{"condition", true, "e.g. {\">=\": [\"${steps.E.report...}\", \"${params.threshold}\"]}"},
            {"then", false, "steps run when the condition holds"},
            {"else", false, "steps run when it does not"}};
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"outcome"};
  }
  void CheckConfig(const Json& config, const std::string& where) const override {
    if (config.contains("condition")) CheckConditionShape(config["condition"], where);
  }
  bool Cacheable() const override { return false; }

  Json Run(const StepContext& ctx) const override {
    const bool outcome = EvaluateCondition(ctx.config.at("condition"), "step '" + ctx.step_name + "': ");
    ctx.Log("condition " + ctx.config.at("condition").dump() + " -> " + (outcome ? "true" : "false"));
    Json out = Json::object();
    out["outcome"] = outcome;
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeConditionStep() { return std::make_unique<ConditionStep>(); }

}  // namespace tabpilot
