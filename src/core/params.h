// Declared parameters. Each owner (a learner family, a pipeline step type)
// declares its parameters once (name, type, default or required, range or
// choices, one-line description); the declaration drives validation, --help
// text, the bundle's JSON and the AutoML search space.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

struct ParamSpec {
  // kInt, kFloat, kBool and kString are what learners use. The others serve
  // pipeline step fields: kText takes any scalar as its text (a class label,
  // a shell command), kPath a non-empty file or folder path (the reader
  // resolves relative ones), kStringList a list of strings (one string reads
  // as a list of one), kStringMap a mapping of name: scalar (values kept as
  // text), kJson any JSON value (its owner checks the shape).
  enum class Kind { kInt, kFloat, kBool, kString, kText, kPath, kStringList, kStringMap, kJson };
  std::string name;
  Kind kind = Kind::kFloat;
  // The value when the key is not given. A null default on an optional
  // parameter means "absent unless given" (Params::Has is false).
  Json default_value;
  double min = 0;  // inclusive bounds for kInt/kFloat
  double max = 0;
  std::vector<std::string> choices;  // allowed values for kString (empty = any)
  std::string description;
  bool required = false;  // must be given; default_value is not used
};

// "int", "float", "bool", "string", "text", "path", "list of strings",
// "mapping", "any": the kind as shown in messages and docs.
const char* ParamKindName(ParamSpec::Kind kind);

// A bound of a kInt/kFloat spec as the parameter's type (integers without a
// fraction).
Json ParamBound(const ParamSpec& spec, double v);
// "[min, max]" for kInt/kFloat, "a | b" for choices, "" otherwise.
std::string ParamRangeText(const ParamSpec& spec);

// Checks one given value against its spec and returns it normalized (an
// integral float becomes an int for kInt, numbers become doubles for kFloat,
// scalars become text for kText and kStringMap values, one string becomes a
// list for kStringList). Throws InvalidInput naming `where` (e.g.
// "xgboost: parameter 'depth'") for a wrong type, a value out of range or not
// among the choices.
Json CheckParamValue(const ParamSpec& spec, const Json& value, const std::string& where);

// A validated, complete set of parameter values (defaults filled in).
class Params {
 public:
  Params() = default;
  // Validates `given` (a JSON object) against `specs`: unknown keys, wrong types
  // and out-of-range values throw InvalidInput naming the key (and, for unknown
  // keys, listing the valid ones); so does a missing required key. Missing (or
  // null) keys take their defaults. `noun` names the keys in messages
  // ("parameter", "field").
  static Params Validate(const std::vector<ParamSpec>& specs, const Json& given, const std::string& owner,
                         const std::string& noun = "parameter");

  long long Int(const std::string& name) const;
  double Float(const std::string& name) const;
  bool Bool(const std::string& name) const;
  // kString, kText and kPath values.
  std::string String(const std::string& name) const;
  std::vector<std::string> StringList(const std::string& name) const;
  // Whether the parameter has a value (given, or a non-null default).
  bool Has(const std::string& name) const;
  // The value as JSON (null when !Has); throws Internal for an undeclared name.
  const Json& Get(const std::string& name) const;
  const Json& values() const { return values_; }

 private:
  Json values_ = Json::object();
};

}  // namespace tabpilot
