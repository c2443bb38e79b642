// The condition language of `condition` steps, written as YAML/JSON:
//   {">=": [LEFT, RIGHT]}  (also ">", "<=", "<", "==", "!=")
//   {"in": [VALUE, [A, B, ...]]}
//   {"and": [C1, C2, ...]}, {"or": [C1, C2, ...]}, {"not": C}
// Operands are literals or ${...} expressions (resolved before evaluation).
// Numbers compare numerically (a string that reads as a number counts as one),
// strings lexically, booleans only with == / !=.
#pragma once

#include <string>

#include "core/json.h"

namespace tabpilot {

// Checks operators and arity before anything runs. Throws InvalidInput(`where` ...).
void CheckConditionShape(const Json& condition, const std::string& where);

// Evaluates a condition whose expressions are already resolved. Throws
// InvalidInput(`where` ...) for operands that cannot be compared.
bool EvaluateCondition(const Json& condition, const std::string& where);

}  // namespace tabpilot
