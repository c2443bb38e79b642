// Records one training run as an AutoML job (automl_jobs.h) while it runs:
// the row is created InProgress when the recorder is, and finished Completed
// with the run's results, or Failed with the reason (also when the recorder
// is destroyed unfinished: the training threw). Used by `tabpilot train
// --store` and the pipelines' automl step, so both show in the UI alike.
// Recording never fails a finished training: a store that cannot be written
// at the end is a warning.
#pragma once

#include <memory>
#include <string>

#include "automl/trainer.h"
#include "core/log.h"
#include "jobs/automl_jobs.h"
#include "store/store_location.h"

namespace tabpilot {

class AutoMLJobRecorder {
 public:
  struct Options {
    std::string store;  // as --store: a SQLite path or postgresql:// URL ("" = the default location)
    std::string data_path;
    std::string target;
    std::string model_dir;
    double time_limit_seconds = 0;
    std::string execution_id;  // the pipeline execution and step running it, if any
    std::string step_name;
    Logger logger;  // for the warning when the end cannot be recorded
  };

  // Opens the store and records the job InProgress. Throws what OpenStore
  // throws (a store named but unusable is the user's error, said at once).
  explicit AutoMLJobRecorder(const Options& options);
  ~AutoMLJobRecorder();
  AutoMLJobRecorder(const AutoMLJobRecorder&) = delete;
  AutoMLJobRecorder& operator=(const AutoMLJobRecorder&) = delete;

  const std::string& id() const { return job_.id; }

  // Finishes the job Completed from the trained result (its bundle written).
  void Completed(const TrainingData& data, const TrainResult& result, double training_seconds);
  // Finishes the job Failed.
  void Failed(const std::string& reason);

 private:
  void Finish();

  Logger logger_;
  Store store_;
  std::unique_ptr<AutoMLJobs> jobs_;
  AutoMLJobRecord job_;
  bool finished_ = false;
};

// The store `train` records into: `flag` when given, else $TABPILOT_STORE
// when set, else "" (no recording).
std::string TrainingStoreFromEnvironment(const std::string& flag);

}  // namespace tabpilot
