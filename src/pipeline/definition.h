// A pipeline definition: the parsed YAML file (name, typed parameters, steps).
// Parsing checks the structure and the fields every step has; the fields of
// each step type, references and cycles are checked by CheckDefinition
// (pipeline/definition_check.h), which needs the step-type registry.
//
// Paths written in a definition (data, inputs, scripts) are relative to the
// folder holding the definition file, so a pipeline runs the same from any
// working directory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/input_limits.h"
#include "core/json.h"

namespace tabpilot {

enum class ParamType { kString, kInt, kFloat, kBool };
const char* ParamTypeName(ParamType type);

struct ParameterDef {
  std::string name;
  ParamType type = ParamType::kString;
  std::optional<Json> default_value;  // typed per `type`; none = must be given with --param
  std::string description;
  size_t line = 0;
};

struct CachePolicy {
  bool enabled = false;
  double expire_after_seconds = 0;  // 0 = a cached result never expires
};

struct RetryPolicy {
  int max_attempts = 1;         // 1 = no retry
  double interval_seconds = 1;  // wait before the second attempt
  double backoff_rate = 2;      // each further wait is multiplied by this
  // Seconds to wait before attempt `attempt` (2-based; attempt 1 never waits).
  double WaitBefore(int attempt) const;
};

struct StepDef {
  std::string name;
  std::string type;
  // The type-specific fields, YAML scalars converted to JSON (plain scalars
  // that read as numbers/booleans become numbers/booleans; quoted ones stay
  // strings). Strings may hold ${...} expressions, resolved at run time. A
  // list holding step definitions (mappings with a `name` or `type`, as in a
  // condition's `then`) holds their names; the steps are added after this one.
  Json config = Json::object();
  std::map<std::string, size_t> field_lines;  // line of each type-specific field
  std::vector<std::string> depends_on;
  CachePolicy cache;
  RetryPolicy retry;
  double timeout_seconds = 0;  // 0 = no timeout
  size_t line = 0;             // where the step starts
};

struct PipelineDefinition {
  std::string name;
  std::string description;
  std::vector<ParameterDef> parameters;
  std::vector<StepDef> steps;      // in file order
  std::string source;              // file name used in error messages
  std::filesystem::path base_dir;  // relative paths resolve against this (absolute)
  std::string text;                // the YAML as read
  std::string hash;                // SHA-256 of `text`, 64 hex digits

  const StepDef* FindStep(const std::string& step_name) const;
  const ParameterDef* FindParameter(const std::string& param_name) const;
};

// Parses YAML text. `source` names the file in "file:line: ..." errors.
// Throws InvalidInput for malformed YAML, unknown or mistyped common fields,
// duplicate names, and bad policies, and for text over the yaml_* limits
// (size, nesting, nodes with aliases expanded: see pipeline/yaml_guard.h).
PipelineDefinition ParseDefinition(const std::string& text, const std::string& source,
                                   const std::filesystem::path& base_dir, const InputLimits& limits = {});

// Reads and parses a definition file (NotFound if it does not exist; a file
// over limits.yaml_bytes is refused before it is read).
PipelineDefinition LoadDefinition(const std::filesystem::path& file, const InputLimits& limits = {});

// Parses a duration such as "30d", "12h", "15m", "45s" or a bare number of
// seconds. Throws InvalidInput(`where` + message) when it is not one.
double ParseDuration(const std::string& text, const std::string& where);

// The parameter values for a run: defaults overridden by `overrides`
// ("name=value" strings, from --param). Returns a JSON object name -> typed
// value. Throws InvalidInput for an unknown name (listing the declared ones),
// a value that does not parse as the parameter's type, or a parameter with no
// default that was not given.
Json ResolveParameters(const PipelineDefinition& definition, const std::vector<std::string>& overrides);

// Converts `text` to a JSON value of `type`; nullopt when it does not parse.
std::optional<Json> ParseTypedValue(ParamType type, const std::string& text);

}  // namespace tabpilot
