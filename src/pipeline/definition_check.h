// Static checks of a definition before anything runs, and the step graph they
// produce: unknown step types and fields, missing required fields, references
// to unknown parameters/steps/outputs, condition syntax, branch lists, cycles.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pipeline/definition.h"
#include "pipeline/step.h"

namespace tabpilot {

struct PipelineGraph {
  // step -> the steps it waits for (references, depends_on, its condition).
  std::map<std::string, std::vector<std::string>> deps;
  // Every step, dependencies before dependents (file order among equals).
  std::vector<std::string> order;
  // step listed in a condition's then/else -> (condition step, true for then).
  std::map<std::string, std::pair<std::string, bool>> branch_of;
};

// Throws InvalidInput "file:line: ..." at the first problem found.
PipelineGraph CheckDefinition(const PipelineDefinition& definition, const StepTypeRegistry& registry);

}  // namespace tabpilot
