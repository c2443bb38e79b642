#include "jobs/automl_jobs.h"

#include <algorithm>

#include "core/error.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace {

// Every column but the JSON ones, in FromRow's order.
constexpr const char* kSummaryColumns =
    "id, status, created_at, ended_at, data_path, target, task, metric, model_dir, execution_id, step_name, "
    "time_limit_seconds, training_seconds, num_rows, num_columns, best_model, best_score, predict_us_per_row, "
    "failure_reason";
constexpr size_t kSummaryCount = 19;

std::string TextOr(const SqlRow& row, size_t i) { return row.IsNull(i) ? "" : row.Text(i); }

Json ParseStored(const SqlRow& row, size_t i, const char* column, Json empty) {
  if (row.IsNull(i)) return empty;
  try {
    return Json::parse(row.Text(i));
  } catch (const Json::exception& e) {
    throw Internal(std::string("store: automl_jobs.") + column + " is not valid JSON: " + e.what());
  }
}

AutoMLJobRecord FromRow(const SqlRow& r) {
  AutoMLJobRecord j;
  j.id = r.Text(0);
  j.status = r.Text(1);
  j.created_at = TextOr(r, 2);
  j.ended_at = TextOr(r, 3);
  j.data_path = TextOr(r, 4);
  j.target = TextOr(r, 5);
  j.task = TextOr(r, 6);
  j.metric = TextOr(r, 7);
  j.model_dir = TextOr(r, 8);
  j.execution_id = TextOr(r, 9);
  j.step_name = TextOr(r, 10);
  j.time_limit_seconds = r.IsNull(11) ? 0.0 : r.Real(11);
  j.training_seconds = r.IsNull(12) ? 0.0 : r.Real(12);
  j.rows = r.IsNull(13) ? 0 : r.Int(13);
  j.columns = r.IsNull(14) ? 0 : r.Int(14);
  j.best_model = TextOr(r, 15);
  if (!r.IsNull(16)) j.best_score = r.Real(16);
  j.predict_us_per_row = r.IsNull(17) ? 0.0 : r.Real(17);
  j.failure_reason = TextOr(r, 18);
  return j;
}

SqlValue OptionalText(const std::string& text) { return text.empty() ? SqlValue(nullptr) : SqlValue(text); }

}  // namespace

const std::vector<Migration>& AutoMLJobs::Migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "CREATE TABLE IF NOT EXISTS automl_jobs ("
       " id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT,"
       " data_path TEXT, target TEXT, task TEXT, metric TEXT, model_dir TEXT, execution_id TEXT, step_name TEXT,"
       " time_limit_seconds DOUBLE PRECISION, training_seconds DOUBLE PRECISION, num_rows BIGINT,"
       " num_columns BIGINT, best_model TEXT, best_score DOUBLE PRECISION, predict_us_per_row DOUBLE PRECISION,"
       " failure_reason TEXT, leaderboard TEXT, ensemble TEXT, data_report TEXT);"
       "CREATE INDEX IF NOT EXISTS automl_jobs_by_created ON automl_jobs (created_at)",
       ""},
  };
  return migrations;
}

AutoMLJobs::AutoMLJobs(Database& db) : db_(db) { Migrate(db_, "jobs", Migrations()); }

void AutoMLJobs::Create(const AutoMLJobRecord& j) {
  db_.Transaction([&] {
    db_.Execute(std::string("INSERT INTO automl_jobs (") + kSummaryColumns +
                    ", leaderboard, ensemble, data_report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?)",
                {j.id,
                 j.status,
                 j.created_at.empty() ? UtcTimestamp() : j.created_at,
                 OptionalText(j.ended_at),
                 j.data_path,
                 j.target,
                 j.task,
                 j.metric,
                 j.model_dir,
                 j.execution_id,
                 j.step_name,
                 j.time_limit_seconds,
                 j.training_seconds,
                 j.rows,
                 j.columns,
                 j.best_model,
                 j.best_score ? SqlValue(*j.best_score) : SqlValue(nullptr),
                 j.predict_us_per_row,
                 j.failure_reason,
                 j.leaderboard.dump(),
                 j.ensemble.dump(),
                 j.data_report.dump()});
  });
}

void AutoMLJobs::Finish(const AutoMLJobRecord& j) {
  db_.Transaction([&] {
    db_.Execute(
        "UPDATE automl_jobs SET status = ?, ended_at = ?, task = ?, metric = ?, model_dir = ?, training_seconds = ?, "
        "num_rows = ?, num_columns = ?, best_model = ?, best_score = ?, predict_us_per_row = ?, failure_reason = ?, "
        "leaderboard = ?, ensemble = ?, data_report = ? WHERE id = ?",
        {j.status, j.ended_at.empty() ? UtcTimestamp() : j.ended_at, j.task, j.metric, j.model_dir, j.training_seconds,
         j.rows, j.columns, j.best_model, j.best_score ? SqlValue(*j.best_score) : SqlValue(nullptr),
         j.predict_us_per_row, j.failure_reason, j.leaderboard.dump(), j.ensemble.dump(), j.data_report.dump(), j.id});
  });
}

std::optional<AutoMLJobRecord> AutoMLJobs::Find(const std::string& id) {
  auto rows = db_.Query(
      std::string("SELECT ") + kSummaryColumns + ", leaderboard, ensemble, data_report FROM automl_jobs WHERE id = ?",
      {id});
  if (rows.empty()) return std::nullopt;
  AutoMLJobRecord j = FromRow(rows[0]);
  j.leaderboard = ParseStored(rows[0], kSummaryCount, "leaderboard", Json::array());
  j.ensemble = ParseStored(rows[0], kSummaryCount + 1, "ensemble", Json::array());
  j.data_report = ParseStored(rows[0], kSummaryCount + 2, "data_report", Json::object());
  return j;
}

AutoMLJobRecord AutoMLJobs::Get(const std::string& id) {
  auto j = Find(id);
  if (!j) throw NotFound("no AutoML job '" + id + "'");
  return *j;
}

std::vector<AutoMLJobRecord> AutoMLJobs::List(int64_t offset, int64_t limit) {
  auto rows = db_.Query(
      std::string("SELECT ") + kSummaryColumns + " FROM automl_jobs ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
      {std::max<int64_t>(0, limit), std::max<int64_t>(0, offset)});
  std::vector<AutoMLJobRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

int64_t AutoMLJobs::Count() { return db_.Query("SELECT COUNT(*) FROM automl_jobs")[0].Int(0); }

std::string NewAutoMLJobId() { return "automl-" + TimestampedId(); }

}  // namespace tabpilot
