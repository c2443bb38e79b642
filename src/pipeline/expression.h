// ${...} expressions inside step fields: `${params.NAME}`,
// `${steps.STEP.outputs.NAME}` (or the short `${steps.STEP.NAME}`), followed by
// an optional JSON path into the output (`${steps.Evaluate.report.
// binary_classification_metrics.f1.value}`), and `${execution.id}`.
//
// A string that is exactly one expression resolves to the referenced JSON
// value with its type (number, bool, object); expressions embedded in longer
// text are substituted as text.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

struct Reference {
  enum class Kind { kParam, kStep, kExecution };
  Kind kind = Kind::kParam;
  std::string name;               // parameter, step or execution field name
  std::vector<std::string> path;  // steps: output name, then JSON path inside it
  std::string text;               // as written, "${...}"
};

// Parses every ${...} in `s`. Throws InvalidInput(`where` + message) for a
// malformed or unknown-root expression.
std::vector<Reference> FindReferences(const std::string& s, const std::string& where);

// Every reference in a JSON value's strings (recursively), in order.
void CollectReferences(const Json& value, const std::string& where, std::vector<Reference>* out);

// What expressions resolve against: {"params": {...}, "steps": {STEP: outputs},
// "execution": {"id": ...}}.
Json ResolveExpressions(const Json& value, const Json& scope, const std::string& where);

// The value one reference names in `scope`; InvalidInput(`where` ...) when the
// path does not exist there.
Json ResolveReference(const Reference& ref, const Json& scope, const std::string& where);

// For text a shell will run: replaces each ${...} in `s` by a reference to
// an environment variable, "${TABPILOT_VALUE_<n>}" (n counting from
// `env`'s size + 1), and puts the resolved value's text under that name in
// `env`. A value then reaches the shell as data: its quotes, semicolons or
// $(...) are never parsed as shell syntax.
std::string BindShellExpressions(const std::string& s, const Json& scope, const std::string& where,
                                 std::map<std::string, std::string>* env);

// Text form of a resolved value for string interpolation (strings unquoted,
// numbers in shortest form, objects as compact JSON).
std::string ValueToText(const Json& value);

}  // namespace tabpilot
