#include "pipeline/records.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/error.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace {

const char* const kExecutionColumns =
    "id, pipeline_name, definition_hash, definition, source_path, base_dir, parameters, status, start_time, "
    "end_time, failure_reason, runner_host, runner_pid, claim_token";
const char* const kStepColumns =
    "execution_id, step_name, step_type, status, start_time, end_time, attempts, cache_hit, cache_key, "
    "cached_from, outputs, log_path, failure_reason, output_hashes";

// The boundary between RunStatus and the stored (SageMaker) spelling.
std::string StatusText(RunStatus status) { return ToString(status); }

std::string TextOr(const SqlRow& row, size_t i) { return row.IsNull(i) ? "" : row.Text(i); }

ExecutionRecord ExecutionFromRow(const SqlRow& r) {
  ExecutionRecord e;
  e.id = r.Text(0);
  e.pipeline_name = r.Text(1);
  e.definition_hash = TextOr(r, 2);
  e.definition = TextOr(r, 3);
  e.source_path = TextOr(r, 4);
  e.base_dir = TextOr(r, 5);
  e.parameters = Json::parse(TextOr(r, 6).empty() ? "{}" : r.Text(6));
  e.status = ParseRunStatus(r.Text(7));
  e.start_time = TextOr(r, 8);
  e.end_time = TextOr(r, 9);
  e.failure_reason = TextOr(r, 10);
  e.runner_host = TextOr(r, 11);
  e.runner_pid = r.IsNull(12) ? 0 : r.Int(12);
  e.claim_token = TextOr(r, 13);
  return e;
}

StepRecord StepFromRow(const SqlRow& r) {
  StepRecord s;
  s.execution_id = r.Text(0);
  s.step_name = r.Text(1);
  s.step_type = TextOr(r, 2);
  s.status = ParseRunStatus(r.Text(3));
  s.start_time = TextOr(r, 4);
  s.end_time = TextOr(r, 5);
  s.attempts = r.IsNull(6) ? 0 : r.Int(6);
  s.cache_hit = !r.IsNull(7) && r.Int(7) != 0;
  s.cache_key = TextOr(r, 8);
  s.cached_from = TextOr(r, 9);
  s.outputs = Json::parse(TextOr(r, 10).empty() ? "{}" : r.Text(10));
  s.log_path = TextOr(r, 11);
  s.failure_reason = TextOr(r, 12);
  s.output_hashes = Json::parse(TextOr(r, 13).empty() ? "{}" : r.Text(13));
  return s;
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno == EPERM;  // exists, owned by someone else
}

}  // namespace

Json ToJson(const StepRecord& s) {
  return {{"name", s.step_name},          {"type", s.step_type},
          {"status", ToString(s.status)}, {"start_time", s.start_time},
          {"end_time", s.end_time},       {"attempts", s.attempts},
          {"cache_hit", s.cache_hit},     {"cached_from", s.cached_from},
          {"outputs", s.outputs},         {"failure_reason", s.failure_reason}};
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

const std::vector<Migration>& ExecutionRecords::Migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "CREATE TABLE IF NOT EXISTS pipelines ("
       " name TEXT PRIMARY KEY, definition_hash TEXT NOT NULL, definition TEXT NOT NULL,"
       " source_path TEXT, updated_at TEXT NOT NULL);"
       "CREATE TABLE IF NOT EXISTS pipeline_executions ("
       " id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, definition_hash TEXT, definition TEXT,"
       " source_path TEXT, base_dir TEXT, parameters TEXT, status TEXT NOT NULL, start_time TEXT,"
       " end_time TEXT, failure_reason TEXT, runner_host TEXT, runner_pid BIGINT);"
       "CREATE INDEX IF NOT EXISTS pipeline_executions_by_name ON pipeline_executions (pipeline_name, start_time);"
       "CREATE TABLE IF NOT EXISTS pipeline_steps ("
       " execution_id TEXT NOT NULL, step_name TEXT NOT NULL, step_type TEXT, status TEXT NOT NULL,"
       " start_time TEXT, end_time TEXT, attempts BIGINT, cache_hit BIGINT, cache_key TEXT, cached_from TEXT,"
       " outputs TEXT, log_path TEXT, failure_reason TEXT, PRIMARY KEY (execution_id, step_name));"
       "CREATE INDEX IF NOT EXISTS pipeline_steps_by_cache_key ON pipeline_steps (cache_key, end_time)",
       ""},
      // Who resumed an execution (ClaimForRetry), and the outputs' content hashes.
      {2,
       "ALTER TABLE pipeline_executions ADD COLUMN claim_token TEXT;"
       "ALTER TABLE pipeline_steps ADD COLUMN output_hashes TEXT",
       ""},
  };
  return migrations;
}

ExecutionRecords::ExecutionRecords(Database& db) : db_(db) { Migrate(db_, "pipeline", Migrations()); }

void ExecutionRecords::CreateExecution(const ExecutionRecord& e) {
  db_.Transaction([&] {
    db_.Execute(
        "INSERT INTO pipelines (name, definition_hash, definition, source_path, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET definition_hash = excluded.definition_hash, "
        "definition = excluded.definition, source_path = excluded.source_path, updated_at = excluded.updated_at",
        {e.pipeline_name, e.definition_hash, e.definition, e.source_path, UtcTimestamp()});
    db_.Execute(std::string("INSERT INTO pipeline_executions (") + kExecutionColumns +
                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {e.id, e.pipeline_name, e.definition_hash, e.definition, e.source_path, e.base_dir, e.parameters.dump(),
                 StatusText(e.status), e.start_time, e.end_time.empty() ? SqlValue(nullptr) : e.end_time,
                 e.failure_reason, e.runner_host, e.runner_pid, e.claim_token});
  });
}

void ExecutionRecords::FinishExecution(const std::string& id, RunStatus status, const std::string& failure_reason) {
  db_.Transaction([&] {
    db_.Execute("UPDATE pipeline_executions SET status = ?, end_time = ?, failure_reason = ? WHERE id = ?",
                {StatusText(status), UtcTimestamp(), failure_reason, id});
  });
}

bool ExecutionRecords::ClaimForRetry(const std::string& id, const std::string& claim_token) {
  bool claimed = false;
  db_.Transaction([&] {
    // The status test and the change are one statement: of two retries, the
    // second finds the execution Executing and changes nothing.
    db_.Execute(
        "UPDATE pipeline_executions SET status = ?, end_time = NULL, failure_reason = '', runner_host = ?, "
        "runner_pid = ?, claim_token = ? WHERE id = ? AND status IN (?, ?)",
        {StatusText(RunStatus::kExecuting), HostName(), static_cast<int64_t>(::getpid()), claim_token, id,
         StatusText(RunStatus::kFailed), StatusText(RunStatus::kStopped)});
    auto rows = db_.Query("SELECT status, claim_token FROM pipeline_executions WHERE id = ?", {id});
    claimed =
        !rows.empty() && rows[0].Text(0) == StatusText(RunStatus::kExecuting) && TextOr(rows[0], 1) == claim_token;
  });
  return claimed;
}

void ExecutionRecords::SaveStep(const StepRecord& s) {
  db_.Transaction([&] {
    db_.Execute(
        std::string("INSERT INTO pipeline_steps (") + kStepColumns +
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (execution_id, step_name) DO UPDATE SET step_type = excluded.step_type, "
            "status = excluded.status, start_time = excluded.start_time, end_time = excluded.end_time, "
            "attempts = excluded.attempts, cache_hit = excluded.cache_hit, cache_key = excluded.cache_key, "
            "cached_from = excluded.cached_from, outputs = excluded.outputs, log_path = excluded.log_path, "
            "failure_reason = excluded.failure_reason, output_hashes = excluded.output_hashes",
        {s.execution_id, s.step_name, s.step_type, StatusText(s.status), s.start_time,
         s.end_time.empty() ? SqlValue(nullptr) : s.end_time, s.attempts, static_cast<int64_t>(s.cache_hit ? 1 : 0),
         s.cache_key, s.cached_from, s.outputs.dump(), s.log_path, s.failure_reason, s.output_hashes.dump()});
  });
}

std::optional<ExecutionRecord> ExecutionRecords::FindExecution(const std::string& id) {
  auto rows = db_.Query(std::string("SELECT ") + kExecutionColumns + " FROM pipeline_executions WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return ExecutionFromRow(rows[0]);
}

ExecutionRecord ExecutionRecords::GetExecution(const std::string& id) {
  auto e = FindExecution(id);
  if (!e) throw NotFound("no pipeline execution '" + id + "'");
  return *e;
}

std::vector<ExecutionRecord> ExecutionRecords::ListExecutions(const std::string& pipeline_name) {
  auto rows = db_.Query(std::string("SELECT ") + kExecutionColumns +
                            " FROM pipeline_executions WHERE pipeline_name = ? ORDER BY start_time DESC, id DESC",
                        {pipeline_name});
  if (rows.empty()) {
    auto known = db_.Query("SELECT name FROM pipelines WHERE name = ?", {pipeline_name});
    if (known.empty()) throw NotFound("no pipeline named '" + pipeline_name + "' has been run in this store");
  }
  std::vector<ExecutionRecord> out;
  for (const auto& r : rows) out.push_back(ExecutionFromRow(r));
  return out;
}

std::vector<PipelineSummary> ExecutionRecords::ListPipelines() {
  std::vector<PipelineSummary> out;
  for (const SqlRow& r :
       db_.Query("SELECT p.name, (SELECT COUNT(*) FROM pipeline_executions e WHERE e.pipeline_name = p.name), "
                 "(SELECT e.status FROM pipeline_executions e WHERE e.pipeline_name = p.name "
                 "ORDER BY e.start_time DESC, e.id DESC LIMIT 1), "
                 "(SELECT MAX(e.start_time) FROM pipeline_executions e WHERE e.pipeline_name = p.name) "
                 "FROM pipelines p ORDER BY p.name")) {
    out.push_back({r.Text(0), r.Int(1), TextOr(r, 2), TextOr(r, 3)});
  }
  return out;
}

std::vector<ExecutionRecord> ExecutionRecords::ListExecutionPage(const std::string& pipeline_name, int64_t offset,
                                                                 int64_t limit) {
  // The execution columns with the definition text left out.
  const std::string columns =
      "id, pipeline_name, definition_hash, '', source_path, base_dir, parameters, status, start_time, end_time, "
      "failure_reason, runner_host, runner_pid, claim_token";
  const std::vector<SqlValue> page{std::max<int64_t>(0, limit), std::max<int64_t>(0, offset)};
  std::vector<SqlRow> rows;
  if (pipeline_name.empty()) {
    rows = db_.Query(
        "SELECT " + columns + " FROM pipeline_executions ORDER BY start_time DESC, id DESC LIMIT ? OFFSET ?", page);
  } else {
    rows = db_.Query("SELECT " + columns +
                         " FROM pipeline_executions WHERE pipeline_name = ? ORDER BY start_time DESC, id DESC "
                         "LIMIT ? OFFSET ?",
                     {pipeline_name, page[0], page[1]});
  }
  std::vector<ExecutionRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(ExecutionFromRow(r));
  return out;
}

int64_t ExecutionRecords::CountExecutions(const std::string& pipeline_name) {
  if (pipeline_name.empty()) return db_.Query("SELECT COUNT(*) FROM pipeline_executions")[0].Int(0);
  return db_.Query("SELECT COUNT(*) FROM pipeline_executions WHERE pipeline_name = ?", {pipeline_name})[0].Int(0);
}

std::vector<StepRecord> ExecutionRecords::ListSteps(const std::string& execution_id) {
  auto rows = db_.Query(std::string("SELECT ") + kStepColumns +
                            " FROM pipeline_steps WHERE execution_id = ? ORDER BY start_time, step_name",
                        {execution_id});
  std::vector<StepRecord> out;
  for (const auto& r : rows) out.push_back(StepFromRow(r));
  return out;
}

std::optional<StepRecord> ExecutionRecords::FindCached(const std::string& step_type, const std::string& cache_key,
                                                       const std::string& not_before) {
  auto rows = db_.Query(std::string("SELECT ") + kStepColumns +
                            " FROM pipeline_steps WHERE cache_key = ? AND step_type = ? AND status = ? "
                            "AND end_time >= ? ORDER BY end_time DESC LIMIT 1",
                        {cache_key, step_type, StatusText(RunStatus::kSucceeded), not_before});
  if (rows.empty()) return std::nullopt;
  return StepFromRow(rows[0]);
}

int ExecutionRecords::RecoverAbandoned() {
  const std::string host = HostName();
  auto rows = db_.Query("SELECT id, runner_host, runner_pid FROM pipeline_executions WHERE status = ?",
                        {StatusText(RunStatus::kExecuting)});
  int marked = 0;
  for (const auto& r : rows) {
    const std::string id = r.Text(0);
    const int64_t pid = r.IsNull(2) ? 0 : r.Int(2);
    if (TextOr(r, 1) != host || ProcessAlive(pid)) continue;
    const std::string reason = "the runner (process " + std::to_string(pid) + ") stopped before the execution finished";
    db_.Transaction([&] {
      // Re-check inside the transaction: another process may have recovered it.
      db_.Execute(
          "UPDATE pipeline_executions SET status = ?, end_time = ?, failure_reason = ? WHERE id = ? AND status = ?",
          {StatusText(RunStatus::kStopped), UtcTimestamp(), reason, id, StatusText(RunStatus::kExecuting)});
      db_.Execute(
          "UPDATE pipeline_steps SET status = ?, end_time = ?, failure_reason = ? "
          "WHERE execution_id = ? AND status = ?",
          {StatusText(RunStatus::kStopped), UtcTimestamp(), reason, id, StatusText(RunStatus::kExecuting)});
    });
    ++marked;
  }
  return marked;
}

}  // namespace tabpilot
