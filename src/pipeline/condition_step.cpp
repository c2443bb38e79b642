// condition: evaluates a condition (pipeline/condition.h) over resolved
// values. Output `outcome` is true or false. The steps listed in `then` run
// only when it is true, those in `else` only when it is false; the others are
// skipped. What the branches mean lives here alone: the executor only asks
// DecidedSteps/SkippedAfter.
#include "pipeline/condition.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

// A branch as written: a list of step names, or one name.
std::vector<std::string> Names(const Json& config, const char* key) {
  std::vector<std::string> out;
  if (!config.contains(key)) return out;
  if (config[key].is_string()) return {config[key].get<std::string>()};
  if (!config[key].is_array()) return out;
  for (const auto& item : config[key]) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

class ConditionStep : public StepType {
 public:
  std::string name() const override { return "condition"; }
  const std::vector<ParamSpec>& fields() const override {
    using K = ParamSpec::Kind;
    static const std::vector<ParamSpec> specs = {
        {"condition",
         K::kJson,
         nullptr,
         0,
         0,
         {},
         "e.g. {\">=\": [\"${steps.E.report...}\", \"${params.threshold}\"]}",
         true},
        {"then", K::kStringList, nullptr, 0, 0, {}, "steps run when the condition holds"},
        {"else", K::kStringList, nullptr, 0, 0, {}, "steps run when it does not"}};
    return specs;
  }
  std::optional<std::vector<std::string>> Outputs(const Json&) const override {
    return std::vector<std::string>{"outcome"};
  }
  void CheckConfig(const Json& config, const std::string& where) const override {
    if (config.contains("condition")) CheckConditionShape(config["condition"], where);
  }
  bool Cacheable() const override { return false; }

  std::vector<Decided> DecidedSteps(const Json& config) const override {
    std::vector<Decided> out;
    for (const char* key : {"then", "else"}) {
      for (auto& n : Names(config, key)) out.push_back({key, std::move(n)});
    }
    return out;
  }
  std::vector<std::string> SkippedAfter(const Json& config, const Json& outputs) const override {
    const bool outcome = outputs.contains("outcome") && outputs["outcome"] == true;
    return Names(config, outcome ? "else" : "then");
  }

  Json Run(const StepContext& ctx) const override {
    const Json& condition = ctx.fields.Get("condition");
    const bool outcome = EvaluateCondition(condition, "step '" + ctx.step_name + "': ");
    ctx.Log("condition " + condition.dump() + " -> " + (outcome ? "true" : "false"));
    Json out = Json::object();
    out["outcome"] = outcome;
    return out;
  }
};

}  // namespace

std::unique_ptr<StepType> MakeConditionStep() { return std::make_unique<ConditionStep>(); }

}  // namespace tabpilot
