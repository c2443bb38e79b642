#include "pipeline/run_status.h"

#include <ostream>

#include "core/error.h"

namespace tabpilot {
namespace {

constexpr RunStatus kAll[] = {RunStatus::kExecuting, RunStatus::kSucceeded, RunStatus::kFailed, RunStatus::kSkipped,
                              RunStatus::kStopped};

}  // namespace

const char* ToString(RunStatus status) {
  switch (status) {
    case RunStatus::kExecuting:
      return "Executing";
    case RunStatus::kSucceeded:
      return "Succeeded";
    case RunStatus::kFailed:
      return "Failed";
    case RunStatus::kSkipped:
      return "Skipped";
    case RunStatus::kStopped:
      return "Stopped";
  }
  return "Failed";
}

RunStatus ParseRunStatus(std::string_view text) {
  for (RunStatus s : kAll) {
    if (text == ToString(s)) return s;
  }
  throw InvalidInput("unknown pipeline status '" + std::string(text) +
                     "' (valid: Executing, Succeeded, Failed, Skipped, Stopped)");
}

std::ostream& operator<<(std::ostream& out, RunStatus status) { return out << ToString(status); }

}  // namespace tabpilot
