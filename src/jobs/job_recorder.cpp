#include "jobs/job_recorder.h"

#include <cstdlib>
#include <exception>
#include <filesystem>

#include "core/error.h"
#include "data/task.h"

namespace tabpilot {

AutoMLJobRecorder::AutoMLJobRecorder(const Options& options)
    : logger_(options.logger), store_(OpenStore(options.store)) {
  jobs_ = std::make_unique<AutoMLJobs>(*store_.db);
  job_.id = NewAutoMLJobId();
  job_.status = kJobInProgress;
  job_.data_path = options.data_path.empty() ? "" : std::filesystem::absolute(options.data_path).string();
  job_.target = options.target;
  job_.model_dir = options.model_dir.empty() ? "" : std::filesystem::absolute(options.model_dir).string();
  job_.time_limit_seconds = options.time_limit_seconds;
  job_.execution_id = options.execution_id;
  job_.step_name = options.step_name;
  jobs_->Create(job_);
}

AutoMLJobRecorder::~AutoMLJobRecorder() {
  if (finished_) return;
  try {
    job_.status = kJobFailed;
    job_.failure_reason = std::uncaught_exceptions() > 0 ? "training stopped by an error" : "training stopped";
    Finish();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw; the row stays InProgress
  }
}

void AutoMLJobRecorder::Completed(const TrainingData& data, const TrainResult& result, double training_seconds) {
  const Bundle& bundle = result.bundle;
  job_.status = kJobCompleted;
  job_.task = TaskName(bundle.problem.task);
  job_.metric = bundle.problem.metric;
  job_.training_seconds = training_seconds;
  job_.rows = static_cast<int64_t>(data.features.num_rows());
  job_.columns = static_cast<int64_t>(data.features.num_columns());
  if (!result.leaderboard.empty()) {
    job_.best_model = result.leaderboard.front().model;
    job_.best_score = result.leaderboard.front().score_val;
  }
  job_.predict_us_per_row = bundle.training.value("predict_us_per_row", 0.0);
  job_.leaderboard = bundle.leaderboard;
  job_.ensemble = Json::array();
  for (const BundleMember& m : bundle.members) {
    if (m.weight > 0) job_.ensemble.push_back({{"model", m.name}, {"weight", m.weight}});
  }
  const auto data_report = bundle.reports.find("data");
  job_.data_report = data_report != bundle.reports.end() ? data_report->second : Json::object();
  Finish();
}

void AutoMLJobRecorder::Failed(const std::string& reason) {
  job_.status = kJobFailed;
  job_.failure_reason = reason;
  Finish();
}

void AutoMLJobRecorder::Finish() {
  finished_ = true;
  try {
    jobs_->Finish(job_);
  } catch (const Error& e) {
    logger_.Warn("could not record AutoML job " + job_.id + " in the store: " + e.what());
  }
}

std::string TrainingStoreFromEnvironment(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("TABPILOT_STORE");  // NOLINT(concurrency-mt-unsafe): read before any thread starts
  return env != nullptr ? std::string(env) : std::string();
}

}  // namespace tabpilot
