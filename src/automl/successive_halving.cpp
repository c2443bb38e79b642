#include "automl/successive_halving.h"

#include <algorithm>
#include <set>
#include <utility>

#include "automl/candidate_search.h"
#include "automl/ensemble_choice.h"
#include "automl/fold_plan.h"
#include "automl/search_sample.h"
#include "automl/training_run.h"
#include "core/log.h"

namespace tabpilot {
namespace {

// One rung: `configs` fitted on `rows` of `sample` until `deadline`. Returns
// the survivors (the better half of those fitted and those the rung's
// ensemble uses, best first, then those not fitted) and appends the rows of
// the others to `halved_out`.
std::vector<CandidateConfig> RunRung(const TrainingData& sample, const TrainerOptions& options,
                                     const LearnerRegistry& learners, const std::vector<std::string>& columns,
                                     const std::vector<CandidateConfig>& configs, size_t rows, int rung,
                                     Deadline deadline, std::vector<LeaderboardRow>* halved_out) {
  const uint64_t seed = options.seed + 1000 + static_cast<uint64_t>(rung);
  const TrainingData data = SampleTrainingData(sample, StratifiedRows(sample.y, rows, seed));
  const DataShape shape{data.problem.task, data.y.size(), columns.size(), data.problem.num_outputs(),
                        options.time_limit_seconds};
  TrainingRun run(data, options, learners, columns,
                  ChooseFoldPlan(options.num_folds, shape, data.y, options.seed, data.groups));
  SearchLevelPlan plan;
  plan.portfolio = configs;
  plan.deadline = deadline;
  plan.first_fit_deadline = deadline;
  plan.seed_offset = 300000 + 1000 * static_cast<uint64_t>(rung);
  SearchState no_sampling(shape, options.seed, {}, false);
  SearchLevel(run, plan, no_sampling);

  std::vector<size_t> ranked(run.done().size());
  std::vector<double> loss(run.done().size());
  for (size_t i = 0; i < ranked.size(); ++i) {
    ranked[i] = i;
    loss[i] = run.scorer().SelectionLoss(run.done()[i].fit.oof.values.data());
  }
  std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) { return loss[a] < loss[b]; });
  // The better half go on, and whatever the rung's own ensemble (greedy selection on
  // its OOF predictions) gives weight: a config that ranks low alone but errs
  // differently (a network beside boosters) is what an ensemble is made of.
  std::vector<const Matrix*> oofs;
  for (const Candidate& c : run.done()) oofs.push_back(&c.fit.oof);
  const std::vector<double> weights =
      oofs.empty() ? std::vector<double>{} : ChooseEnsemble(oofs, run.scorer(), options.ensemble_rounds).weights;
  const size_t keep = (ranked.size() + 1) / 2;
  std::vector<CandidateConfig> survivors;
  std::set<std::string> fitted;
  for (size_t j = 0; j < ranked.size(); ++j) {
    const Candidate& c = run.done()[ranked[j]];
    fitted.insert(c.config.name);
    if (j < keep || weights[ranked[j]] > 0) {
      survivors.push_back(c.config);
      continue;
    }
    LeaderboardRow row = run.board()[c.leaderboard_row];
    row.status = kHalvedOut;
    row.ensemble_weight = 0;
    row.info["search_sample"] = Json{{"rows", rows}, {"rung", rung + 1}};
    halved_out->push_back(std::move(row));
  }
  // Configs the rung did not fit (no time, or a failed fit) go on after the survivors.
  for (const CandidateConfig& c : configs) {
    if (!fitted.count(c.name)) survivors.push_back(c);
  }
  return survivors;
}

}  // namespace

std::vector<size_t> RungRows(size_t rows) {
  std::vector<size_t> out;
  for (int r = kHalvingRungs; r >= 1; --r) {
    const size_t n = rows >> r;
    if (n >= kMinRungRows) out.push_back(n);
  }
  return out;
}

HalvingResult HalvePortfolio(const TrainingData& sample, const TrainerOptions& options, const LearnerRegistry& learners,
                             const std::vector<std::string>& columns, std::vector<CandidateConfig> portfolio,
                             Deadline deadline) {
  HalvingResult result;
  const std::vector<size_t> rungs = RungRows(sample.y.size());
  if (portfolio.size() < kMinHalvingConfigs || rungs.empty()) {
    result.survivors = std::move(portfolio);
    return result;
  }
  for (size_t r = 0; r < rungs.size(); ++r) {
    if (deadline.Expired()) break;
    const double share = deadline.Remaining() / static_cast<double>(rungs.size() - r);
    options.logger.Info("rung " + std::to_string(r + 1) + " of " + std::to_string(rungs.size()) + ": " +
                        std::to_string(portfolio.size()) + " configs on " + FormatCount(rungs[r]) + " of " +
                        FormatCount(sample.y.size()) + " rows; the better half go on");
    portfolio = RunRung(sample, options, learners, columns, portfolio, rungs[r], static_cast<int>(r),
                        deadline.Sub(share), &result.halved_out);
    result.rung_rows.push_back(rungs[r]);
  }
  result.survivors = std::move(portfolio);
  return result;
}

}  // namespace tabpilot
