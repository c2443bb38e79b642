// Static checks of a definition before anything runs, and the step graph they
// produce: unknown step types and fields, missing required fields, the type
// and range of every literal field value (against the step type's fields()
// table), references to unknown parameters/steps/outputs, the steps a step
// decides about (StepType::DecidedSteps), cycles.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/definition.h"
#include "pipeline/step.h"

namespace tabpilot {

struct PipelineGraph {
  // step -> the steps it waits for (references, depends_on, its decider).
  std::map<std::string, std::vector<std::string>> deps;
  // Every step, dependencies before dependents (file order among equals).
  std::vector<std::string> order;
  // step -> the step that decides whether it runs (e.g. the condition whose
  // then/else lists it); steps nobody decides about are absent.
  std::map<std::string, std::string> decided_by;
};

// Throws InvalidInput "file:line: ..." at the first problem found.
PipelineGraph CheckDefinition(const PipelineDefinition& definition, const StepTypeRegistry& registry);

}  // namespace tabpilot
