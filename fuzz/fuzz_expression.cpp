// ${...} expressions in a step field, resolved against a run's scope, and
// conditions (JSON) checked and evaluated.
#include "core/json.h"
#include "fuzz_support.h"
#include "pipeline/condition.h"
#include "pipeline/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(tabpilot::fuzz::Bytes(data, size));
  static const tabpilot::Json scope = tabpilot::Json::parse(R"({
    "params": {"threshold": 0.7, "name": "adult", "n": 3, "list": [1, 2, {"a": "b"}]},
    "steps": {"Evaluate": {"report": {"binary_classification_metrics": {"f1": {"value": 0.72}}}},
              "Train": {"model": "/models/m", "metrics": [0.1, 0.2]}},
    "execution": {"id": "20261203-000000-abcdef"}})");
  tabpilot::fuzz::Run([&] {
    tabpilot::FindReferences(text, "fuzz: ");
    tabpilot::ResolveExpressions(tabpilot::Json(text), scope, "fuzz: ");
  });
  // The same bytes as a condition, when they are JSON.
  const tabpilot::Json condition = tabpilot::Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (condition.is_discarded()) return 0;
  return tabpilot::fuzz::Run([&] {
    tabpilot::CheckConditionShape(condition, "fuzz: ");
    tabpilot::EvaluateCondition(tabpilot::ResolveExpressions(condition, scope, "fuzz: "), "fuzz: ");
  });
}
