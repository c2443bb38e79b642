#include "pipeline/condition.h"

#include <cmath>
#include <optional>

#include "core/error.h"
#include "data/value_parse.h"

namespace tabpilot {
namespace {

const char* const kOperators = ">=, >, <=, <, ==, !=, in, and, or, not";

bool IsComparison(const std::string& op) {
  return op == ">=" || op == ">" || op == "<=" || op == "<" || op == "==" || op == "!=";
}

std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    if (auto d = ParseNumber(v.get<std::string>())) return d;
  }
  return std::nullopt;
}

bool Equal(const Json& a, const Json& b) {
  auto x = AsNumber(a);
  auto y = AsNumber(b);
  if (x && y) return *x == *y;
  return a == b;
}

// The single operator key of a condition object.
std::string OperatorOf(const Json& c, const std::string& where) {
  if (!c.is_object() || c.size() != 1) {
    throw InvalidInput(where + "a condition must be a mapping with one operator (" + kOperators + "), got " + c.dump());
  }
  return c.begin().key();
}

}  // namespace

void CheckConditionShape(const Json& c, const std::string& where) {
  const std::string op = OperatorOf(c, where);
  const Json& args = c.begin().value();
  if (IsComparison(op)) {
    if (!args.is_array() || args.size() != 2) throw InvalidInput(where + "'" + op + "' takes a list of two operands");
  } else if (op == "in") {
    if (!args.is_array() || args.size() != 2) throw InvalidInput(where + "'in' takes [VALUE, [CHOICES...]]");
    if (!args[1].is_array() && !args[1].is_string()) throw InvalidInput(where + "'in' needs a list of choices");
  } else if (op == "and" || op == "or") {
    if (!args.is_array() || args.empty())
      throw InvalidInput(where + "'" + op + "' takes a non-empty list of conditions");
    for (const auto& sub : args) CheckConditionShape(sub, where);
  } else if (op == "not") {
    CheckConditionShape(args, where);
  } else {
    throw InvalidInput(where + "unknown condition operator '" + op + "' (valid: " + kOperators + ")");
  }
}

bool EvaluateCondition(const Json& c, const std::string& where) {
  CheckConditionShape(c, where);
  const std::string op = OperatorOf(c, where);
  const Json& args = c.begin().value();
  if (op == "and") {
    for (const auto& sub : args) {
      if (!EvaluateCondition(sub, where)) return false;
    }
    return true;
  }
  if (op == "or") {
    for (const auto& sub : args) {
      if (EvaluateCondition(sub, where)) return true;
    }
    return false;
  }
  if (op == "not") return !EvaluateCondition(args, where);
  if (op == "in") {
    if (!args[1].is_array()) throw InvalidInput(where + "'in' needs a list of choices, got " + args[1].dump());
    for (const auto& choice : args[1]) {
      if (Equal(args[0], choice)) return true;
    }
    return false;
  }
  const Json& a = args[0];
  const Json& b = args[1];
  if (op == "==") return Equal(a, b);
  if (op == "!=") return !Equal(a, b);
  int cmp = 0;
  auto x = AsNumber(a);
  auto y = AsNumber(b);
  if (x && y) {
    cmp = *x < *y ? -1 : (*x > *y ? 1 : 0);
  } else if (a.is_string() && b.is_string()) {
    const int r = a.get<std::string>().compare(b.get<std::string>());
    cmp = r < 0 ? -1 : (r > 0 ? 1 : 0);
  } else {
    throw InvalidInput(where + "cannot compare " + a.dump() + " " + op + " " + b.dump() +
                       " (both must be numbers or both strings)");
  }
  if (op == ">=") return cmp >= 0;
  if (op == ">") return cmp > 0;
  if (op == "<=") return cmp <= 0;
  return cmp < 0;
}

}  // namespace tabpilot
