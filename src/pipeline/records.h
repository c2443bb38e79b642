// Execution records in the metadata store: pipelines, executions and their
// steps (tables created by Migrate(db, "pipeline", ...)). Statuses are stored
// as SageMaker spells them (ToString(RunStatus)). Every change is one
// statement or one transaction, so a runner killed at any moment leaves rows
// that are each complete; an execution left Executing by a dead runner is
// marked Stopped by RecoverAbandoned().
//
// Ownership and threads: borrows a Database (which must outlive it) and, like
// it, is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "pipeline/run_status.h"
#include "store/database.h"

namespace tabpilot {

struct ExecutionRecord {
  std::string id;
  std::string pipeline_name;
  std::string definition_hash;
  std::string definition;   // the YAML text as run
  std::string source_path;  // the definition file (absolute)
  std::string base_dir;     // its folder: relative paths resolve against it
  Json parameters = Json::object();
  RunStatus status = RunStatus::kExecuting;
  std::string start_time;  // ISO 8601 UTC
  std::string end_time;    // empty while executing
  std::string failure_reason;
  std::string runner_host;
  int64_t runner_pid = 0;
  std::string claim_token;  // set by the `retry` that resumed it last (empty if none did)
};

struct StepRecord {
  std::string execution_id;
  std::string step_name;
  std::string step_type;
  RunStatus status = RunStatus::kExecuting;
  std::string start_time;
  std::string end_time;
  int64_t attempts = 0;
  bool cache_hit = false;
  std::string cache_key;    // empty when the step is not cacheable
  std::string cached_from;  // execution whose outputs a cache hit reused
  Json outputs = Json::object();
  // Output path -> SHA-256 of its content when the step succeeded (each
  // absolute path in `outputs` inside the step's folder); a cache hit checks
  // them before reusing the outputs.
  Json output_hashes = Json::object();
  std::string log_path;
  std::string failure_reason;
};

// One pipeline as listed: how often it ran and its newest run.
struct PipelineSummary {
  std::string name;
  int64_t executions = 0;
  std::string latest_status;  // "" when it never ran
  std::string latest_start;
};

class ExecutionRecords {
 public:
  // Applies the "pipeline" migrations (idempotent).
  explicit ExecutionRecords(Database& db);
  static const std::vector<Migration>& Migrations();

  // Inserts the execution and records the pipeline's latest definition.
  void CreateExecution(const ExecutionRecord& record);
  // Sets status, end time (now, unless Executing) and failure reason.
  void FinishExecution(const std::string& id, RunStatus status, const std::string& failure_reason);
  // Claims a Failed or Stopped execution for `retry`: one compare-and-set
  // that marks it Executing, owned by this process, with `claim_token` (unique
  // per retry). False when it was not Failed or Stopped any more: another
  // retry claimed it first, so two retries never run the same execution.
  bool ClaimForRetry(const std::string& id, const std::string& claim_token);
  // Inserts or replaces the step's row.
  void SaveStep(const StepRecord& record);

  std::optional<ExecutionRecord> FindExecution(const std::string& id);
  // NotFound("no pipeline execution 'ID'") when missing.
  ExecutionRecord GetExecution(const std::string& id);
  // Newest first. NotFound when no pipeline of that name was ever run.
  std::vector<ExecutionRecord> ListExecutions(const std::string& pipeline_name);
  // Every pipeline ever run, by name.
  std::vector<PipelineSummary> ListPipelines();
  // One page of executions, newest first (`limit` from `offset`): of
  // `pipeline_name`, or of every pipeline when it is empty; without their
  // definition texts (left empty).
  std::vector<ExecutionRecord> ListExecutionPage(const std::string& pipeline_name, int64_t offset, int64_t limit);
  // How many ListExecutionPage pages through.
  int64_t CountExecutions(const std::string& pipeline_name);
  // In the order they started.
  std::vector<StepRecord> ListSteps(const std::string& execution_id);
  // The newest Succeeded step row with this type and cache key that ended at
  // or after `not_before` (ISO 8601; empty = any time).
  std::optional<StepRecord> FindCached(const std::string& step_type, const std::string& cache_key,
                                       const std::string& not_before);

  // Marks executions (and their Executing steps) whose runner process on this
  // host is gone as Stopped. Returns how many were marked.
  int RecoverAbandoned();

 private:
  Database& db_;
};

// A step row as JSON: name, type, status, start_time, end_time, attempts,
// cache_hit, cached_from, outputs, failure_reason (callers add what they
// show of the log).
Json ToJson(const StepRecord& step);

// This host's name (for runner_host).
std::string HostName();

}  // namespace tabpilot
