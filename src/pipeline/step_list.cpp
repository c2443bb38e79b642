// The one list of built-in pipeline step types. Add a new type here.
#include "pipeline/step.h"

namespace tabpilot {

void RegisterBuiltinSteps(StepTypeRegistry& registry) {
  registry.Add(MakeProcessingStep());
  registry.Add(MakeAutoMLStep());
  registry.Add(MakeModelStep());
  registry.Add(MakeTransformStep());
  registry.Add(MakeEvaluateStep());
  registry.Add(MakeConditionStep());
  registry.Add(MakeRegisterStep());
  registry.Add(MakeFailStep());
  registry.Add(MakeDeployStep());
}

}  // namespace tabpilot
