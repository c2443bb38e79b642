// The status of a pipeline execution or of one of its steps. Inside the
// program it is this enum; the records in the metadata store and the CLI's
// output spell it as SageMaker does ("Executing", "Succeeded", ...), converted
// only at those boundaries.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

namespace tabpilot {

enum class RunStatus {
  kExecuting,  // started, not finished
  kSucceeded,
  kFailed,
  kSkipped,  // steps only: a dependency was skipped, or a deciding step chose the other branch
  kStopped,  // the runner died before it finished (see ExecutionRecords::RecoverAbandoned)
};

// "Executing", "Succeeded", "Failed", "Skipped", "Stopped".
const char* ToString(RunStatus status);
// The inverse of ToString; InvalidInput for any other text (a store written by
// something else).
RunStatus ParseRunStatus(std::string_view text);
// For test failure messages.
std::ostream& operator<<(std::ostream& out, RunStatus status);

}  // namespace tabpilot
