// Runs a validated pipeline: builds the step graph, runs ready steps on a
// bounded set of worker threads, reuses cached results, retries failed
// attempts with backoff, enforces timeouts, and records every state change in
// the metadata store.
//
// Files: each step gets EXECUTIONS/<execution id>/<step>/ holding log.txt and
// outputs/ (written as outputs.tmp-N and renamed on success). EXECUTIONS is
// the `executions` folder beside the store's artifacts (.tabpilot/executions
// by default).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json.h"
#include "pipeline/definition.h"
#include "pipeline/records.h"

namespace tabpilot {

struct ExecutorOptions {
  std::string store;         // --store value ("" = $TABPILOT_STORE or .tabpilot/metadata.db)
  int max_workers = 2;       // steps running at the same time
  int threads_per_step = 1;  // threads a training/prediction step may use
  // Caps on what steps read (data files, bundles) and on the stored
  // definition RetryExecution parses again.
  InputLimits limits;
  // Progress lines ("step Train: Succeeded in 12.3s"); called on the calling
  // thread only. Empty = silent.
  std::function<void(const std::string&)> progress;
};

struct ExecutionResult {
  std::string execution_id;
  RunStatus status = RunStatus::kFailed;  // Succeeded or Failed
  std::string failure_reason;             // empty when Succeeded
  std::vector<StepRecord> steps;
};

// Validates `definition` (nothing runs when it is invalid: InvalidInput
// "file:line: ..."), resolves `overrides` ("name=value") against its
// parameters, and runs it. A failing step does not throw: the result says
// Failed with the reason.
ExecutionResult RunPipeline(const PipelineDefinition& definition, const std::vector<std::string>& overrides,
                            const ExecutorOptions& options);

// Re-runs the Failed, Stopped and not-yet-run steps of an execution (same id,
// same parameters), reusing its Succeeded and Skipped steps. The definition is
// read again from the file the execution was started from and must hash
// (SHA-256) as recorded: a changed file is Conflict, a missing one NotFound,
// both saying to start a new run; the copy in the store is never run. The
// execution is claimed with one compare-and-set (ExecutionRecords::
// ClaimForRetry): of two concurrent retries one runs, the other gets
// Conflict "execution ID is already being resumed". An execution still
// Executing in a live runner is Conflict; a Succeeded one is InvalidInput.
ExecutionResult RetryExecution(const std::string& execution_id, const ExecutorOptions& options);

// Opens the store and marks executions abandoned by dead runners Stopped.
// Returns how many were marked.
int RecoverAbandonedExecutions(const std::string& store);

}  // namespace tabpilot
