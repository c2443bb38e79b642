#include "automl/member_refit.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "automl/refit.h"
#include "core/parallel.h"

namespace tabpilot {

size_t RefitMembers(TrainingRun& run, const std::set<std::string>& needed, Deadline deadline) {
  const TrainerOptions& options = run.options();
  std::vector<size_t> members;
  for (size_t m = 0; m < run.done().size(); ++m) {
    if (needed.count(run.done()[m].config.name)) members.push_back(m);
  }
  const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(options.threads), members.size()));
  const int threads_each = std::max(1, options.threads / std::max(1, workers));
  std::vector<char> ok(members.size(), 0);
  ParallelFor(members.size(), workers, [&](size_t begin, size_t end, int) {
    for (size_t i = begin; i < end; ++i) {
      ok[i] =
          RefitCandidate(run, members[i], deadline, options.seed * 7919ULL + 300000 + members[i], threads_each) ? 1 : 0;
    }
  });
  size_t refitted = 0;
  for (char r : ok) refitted += r ? 1 : 0;
  options.logger.Info(run.Clock(false) + "refitted " + std::to_string(refitted) + " of " +
                      std::to_string(members.size()) + " ensemble members on all rows");
  return refitted;
}

bool RefitCandidate(TrainingRun& run, size_t index, Deadline deadline, uint64_t seed, int threads) {
  Candidate& c = run.done()[index];
  const Logger& log = run.options().logger;
  if (c.fit.own_oof) {
    log.Debug(c.config.name + ": already one model fitted on all rows");
    return true;
  }
  // About one fold fit, on k/(k-1) times its rows.
  const int k = run.num_folds();
  const double fold_seconds = c.fit.fit_seconds / static_cast<double>(std::max<size_t>(1, c.fit.folds.size()));
  const double estimate = fold_seconds * k / std::max(1, k - 1);
  if (deadline.Expired() || estimate > deadline.Remaining()) {
    log.Debug(c.config.name + ": no time to refit (needs ~" + FormatSeconds(estimate) +
              "), serving its fold models in both forms");
    return false;
  }
  try {
    LeaderboardRow& row = run.board()[c.leaderboard_row];
    std::optional<Json> params = RefitParams(run.learners(), c.config.family, row.params, c.fit.info);
    if (!params) {
      log.Debug(c.config.name + ": its folds do not report their effort, not refitted");
      return false;
    }
    Json learner_params = std::move(*params);
    learner_params.erase("stack_inputs");
    std::unique_ptr<Learner> learner = run.learners().Create(c.config.family, learner_params);
    Matrix stacked;
    std::vector<std::string> names;
    const Matrix& x = run.Inputs(c.config, c.input_index, &stacked, &names);
    FitOptions fit = run.MakeFitOptions(c.config, names, seed);
    fit.deadline = deadline;
    fit.threads = threads;
    Stopwatch clock;
    std::unique_ptr<Model> model = learner->Fit(TrainData{&x, &run.data().y, nullptr}, nullptr, fit);
    const double seconds = clock.Seconds();
    if (deadline.Expired()) {
      log.Debug(c.config.name + ": refit out of time, serving its fold models in both forms");
      return false;
    }
    c.fit.fit_seconds += seconds;
    row.fit_seconds = c.fit.fit_seconds;
    row.info["refit"] = Json{{"params", learner_params}, {"fit_seconds", seconds}, {"info", model->Info()}};
    c.full = std::move(model);
    log.Debug(run.Clock(false) + "refitted " + c.config.name + " on all rows (" + FormatSeconds(seconds) + ")");
    return true;
  } catch (const std::exception& e) {
    log.Warn(c.config.name + ": refit failed, serving its fold models in both forms: " + e.what());
    return false;
  }
}

}  // namespace tabpilot
