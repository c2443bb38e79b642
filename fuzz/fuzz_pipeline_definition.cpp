// Pipeline definition YAML -> parsed and checked definition.
#include "fuzz_support.h"
#include "pipeline/definition.h"
#include "pipeline/definition_check.h"
#include "pipeline/step.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tabpilot::fuzz::Run([&] {
    const tabpilot::PipelineDefinition definition = tabpilot::ParseDefinition(
        std::string(tabpilot::fuzz::Bytes(data, size)), "fuzz.yaml", "/nonexistent", tabpilot::fuzz::SmallLimits());
    tabpilot::CheckDefinition(definition, tabpilot::StepTypeRegistry::Builtins());
  });
}
