// AutoML jobs in the metadata store (tables created by Migrate(db, "jobs",
// ...)): one row per training run that was given a store (`tabpilot train
// --store`, $TABPILOT_STORE, every pipeline's automl step), created
// InProgress when training starts and finished Completed or Failed, so the
// UI lists running jobs too. A finished row holds the job's leaderboard,
// ensemble and data report, so its page needs neither the bundle nor the
// training files. Statuses are SageMaker's AutoMLJobStatus spellings.
//
// Ownership and threads: borrows a Database (which must outlive it) and, like
// it, is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "store/database.h"

namespace tabpilot {

inline constexpr const char* kJobInProgress = "InProgress";
inline constexpr const char* kJobCompleted = "Completed";
inline constexpr const char* kJobFailed = "Failed";

struct AutoMLJobRecord {
  std::string id;  // NewAutoMLJobId()
  std::string status = kJobInProgress;
  std::string created_at;  // ISO 8601 UTC
  std::string ended_at;    // empty while in progress
  std::string data_path;   // the training CSV (absolute)
  std::string target;
  std::string task;    // "binary", "multiclass", "regression" (once known)
  std::string metric;  // the objective metric (once known)
  std::string model_dir;
  std::string execution_id;  // the pipeline execution and step, when run by one
  std::string step_name;
  double time_limit_seconds = 0;  // 0: none
  double training_seconds = 0;
  int64_t rows = 0;
  int64_t columns = 0;
  std::string best_model;
  std::optional<double> best_score;
  double predict_us_per_row = 0;
  std::string failure_reason;
  // Filled by Get() only (List() leaves them empty):
  Json leaderboard = Json::array();   // leaderboard.json's rows, best first
  Json ensemble = Json::array();      // [{"model", "weight"}], weight > 0
  Json data_report = Json::object();  // the bundle's reports/data.json
};

class AutoMLJobs {
 public:
  // Applies the "jobs" migrations (idempotent).
  explicit AutoMLJobs(Database& db);
  static const std::vector<Migration>& Migrations();

  // Inserts the job as given (normally InProgress).
  void Create(const AutoMLJobRecord& job);
  // Writes the finished job's fields (status, ended_at now, results).
  void Finish(const AutoMLJobRecord& job);

  std::optional<AutoMLJobRecord> Find(const std::string& id);
  // NotFound("no AutoML job 'ID'") when missing.
  AutoMLJobRecord Get(const std::string& id);
  // Newest first, `limit` from `offset`, without the JSON fields.
  std::vector<AutoMLJobRecord> List(int64_t offset, int64_t limit);
  int64_t Count();

 private:
  Database& db_;
};

// "automl-YYYYMMDD-HHMMSS-" and 6 random hex digits (TimestampedId).
std::string NewAutoMLJobId();

}  // namespace tabpilot
