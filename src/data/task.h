// The kind of prediction problem a learner is fitted for.
#pragma once

#include <string>

namespace tabpilot {

enum class Task { kBinary, kMulticlass, kRegression };

// "binary", "multiclass", "regression".
const char* TaskName(Task task);
// Parses the names above; throws InvalidInput listing them otherwise.
Task ParseTask(const std::string& name);
inline bool IsClassification(Task t) { return t != Task::kRegression; }

}  // namespace tabpilot
