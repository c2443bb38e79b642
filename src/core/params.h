// Declared hyperparameters. Each learner declares its parameters once (name,
// type, default, range, description); the declaration drives validation,
// --help text, the bundle's JSON and the AutoML search space.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

struct ParamSpec {
  enum class Kind { kInt, kFloat, kBool, kString };
  std::string name;
  Kind kind = Kind::kFloat;
  Json default_value;
  double min = 0;  // inclusive bounds for kInt/kFloat
  double max = 0;
  std::vector<std::string> choices;  // allowed values for kString (empty = any)
  std::string description;
};

// A validated, complete set of parameter values (defaults filled in).
class Params {
 public:
  Params() = default;
  // Validates `given` (a JSON object) against `specs`: unknown keys, wrong types
  // and out-of-range values throw InvalidInput naming the key (and, for unknown
  // keys, listing the valid ones). Missing keys take their defaults.
  static Params Validate(const std::vector<ParamSpec>& specs, const Json& given, const std::string& owner);

  long long Int(const std::string& name) const;
  double Float(const std::string& name) const;
  bool Bool(const std::string& name) const;
  std::string String(const std::string& name) const;
  const Json& values() const { return values_; }

 private:
  Json values_ = Json::object();
};

}  // namespace tabpilot
