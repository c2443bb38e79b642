#include "automl/bagging.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "core/error.h"

namespace tabpilot {

BaggedFit FitBagged(const Learner& learner, const Matrix& x, const std::vector<float>& y, const std::vector<int>& folds,
                    const FitOptions& fit, const BaggingOptions& options) {
  const bool own_oof = options.allow_own_oof && learner.has_own_oof();
  BaggedFit out;
  out.own_oof = own_oof;
  out.info = Json::array();
  const size_t k = static_cast<size_t>(fit.task == Task::kRegression ? 1 : fit.num_classes);
  const int total = own_oof ? 1 : options.num_folds;
  std::unique_ptr<LocalFoldExecutor> local;
  FoldExecutor* executor = options.executor;
  if (executor == nullptr) {
    local = std::make_unique<LocalFoldExecutor>(own_oof ? 1 : options.concurrent_folds);
    executor = local.get();
  }
  std::optional<JournaledExecutor> journaled;
  if (options.journal != nullptr) executor = &journaled.emplace(*executor, *options.journal);
  const int slots = std::clamp(executor->slots(), 1, std::max(1, total));
  const int threads = executor->ThreadsPerJob(slots, fit.threads);
  FoldJob base;
  base.learner = &learner;
  base.x = &x;
  base.y = &y;
  base.folds = &folds;
  base.fit = fit;
  base.fit.threads = threads;
  if (executor->needs_keys()) {
    base.x_key = MatrixKey(x, fit.feature_names, fit.categorical_features);
    base.y_key = TargetKey(y, own_oof ? std::vector<int>() : folds);
  }
  std::vector<FoldOutcome> fitted(static_cast<size_t>(total));
  std::string error;
  ErrorKind error_kind = ErrorKind::kInternal;
  bool stopped = false;
  int next = 0, in_flight = 0;
  while (true) {
    while (!stopped && error.empty() && in_flight < slots && next < total) {
      if (options.deadline.Expired() && !options.must_complete) {
        stopped = true;
        break;
      }
      // A fold gets the time of one fold out of those left, with `slots` of them fitting at once.
      const int left = total - next;
      FoldJob job = base;
      job.tag = static_cast<uint64_t>(next);
      job.fold = own_oof ? kOwnOofFold : next;
      job.fit.seed = own_oof ? fit.seed : fit.seed + static_cast<uint64_t>(next) * 1000003ULL;
      job.fit.deadline = options.split_remaining_time
                             ? options.deadline.Sub(options.deadline.Remaining() * std::min(slots, left) / left)
                             : options.deadline;
      executor->Submit(job);
      ++next;
      ++in_flight;
    }
    if (in_flight == 0) break;
    FoldOutcome done = executor->Next();
    --in_flight;
    if (!done.error.empty() && error.empty()) {
      error = done.error;
      error_kind = done.error_kind;
    }
    fitted[static_cast<size_t>(done.tag)] = std::move(done);
  }
  if (!error.empty()) ThrowAs(error_kind, error);
  if (stopped || next < total) return out;
  // A fit the deadline cut short has too few trees left out of each row.
  if (own_oof && options.deadline.Expired() && !options.must_complete) return out;
  out.oof = Matrix(x.rows, k, 0.0f);
  for (FoldOutcome& ff : fitted) {
    out.fit_seconds += ff.fit_seconds;
    for (size_t i = 0; i < ff.held_rows.size(); ++i) {
      std::copy_n(ff.pred.data() + i * k, k, out.oof.row(ff.held_rows[i]));
    }
    Json info = ff.model->Info();
    if (own_oof) info["oof"] = "own";
    out.info.push_back(std::move(info));
    out.folds.push_back(std::move(ff.model));
  }
  out.complete = true;
  return out;
}

}  // namespace tabpilot
