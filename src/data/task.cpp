#include "data/task.h"

#include "core/error.h"

namespace tabpilot {

const char* TaskName(Task task) {
  switch (task) {
    case Task::kBinary:
      return "binary";
    case Task::kMulticlass:
      return "multiclass";
    case Task::kRegression:
      return "regression";
  }
  return "unknown";
}

Task ParseTask(const std::string& name) {
  if (name == "binary") return Task::kBinary;
  if (name == "multiclass") return Task::kMulticlass;
  if (name == "regression") return Task::kRegression;
  throw InvalidInput("unknown problem type '" + name + "' (valid: binary, multiclass, regression)");
}

}  // namespace tabpilot
