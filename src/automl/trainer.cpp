// TrainAutoML as its list of phases; each phase lives in its own file.
#include "automl/trainer.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "automl/bundle_assembly.h"
#include "automl/bundle_reports.h"
#include "automl/candidate_search.h"
#include "automl/cost_tradeoff.h"
#include "automl/deployed_cost.h"
#include "automl/duplicate_rows.h"
#include "automl/ensemble_choice.h"
#include "automl/folds.h"
#include "automl/held_out_challengers.h"
#include "automl/held_out_ensemble.h"
#include "automl/inference_cost.h"
#include "automl/level_plan.h"
#include "automl/member_refit.h"
#include "automl/model_spill.h"
#include "automl/sampled_refit.h"
#include "automl/search_sample.h"
#include "automl/successive_halving.h"
#include "automl/training_budget.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "core/error.h"
#include "core/process_memory.h"
#include "learners/learner_registry.h"

namespace tabpilot {

namespace {

// What the bundle's training facts and leaderboard say about the rows: the
// groups, and for a search on a sample its rows, its rungs and the rows each
// score used (halved-out configs added with their rung's).
void RecordRows(const TrainingData& data, const SearchSample& sample, std::vector<LeaderboardRow> halved_out,
                const std::vector<size_t>& rung_rows, TrainResult& result) {
  Json& facts = result.bundle.training;
  if (!data.groups.empty()) {
    facts["group_column"] = data.group_column;
    facts["groups"] = CountGroups(data.groups);
  }
  if (!sample.sampled()) return;
  facts["rows"] = sample.table_rows;
  facts["search_sample_rows"] = sample.rows.size();
  facts["held_out_rows"] = sample.held_out.size();
  if (!rung_rows.empty()) facts["halving_rung_rows"] = rung_rows;
  MarkSampledScores(sample, result.leaderboard);
  for (LeaderboardRow& row : halved_out) {
    row.info["search_sample"]["of"] = sample.table_rows;
    result.leaderboard.push_back(std::move(row));
  }
  result.bundle.leaderboard = LeaderboardToJson(result.leaderboard);
  result.bundle.leaderboard_csv = LeaderboardToCsv(result.leaderboard);
}

// The cost trade-off's options for a run (cost_tradeoff.h).
CostTradeoffOptions TradeoffOptions(const TrainerOptions& options, double tolerance_se) {
  CostTradeoffOptions tradeoff;
  tradeoff.tolerance_se = tolerance_se;
  tradeoff.rounds = options.ensemble_rounds;
  tradeoff.limit_us = options.infer_limit_us_per_row;
  tradeoff.seed = options.seed;
  // 2 % of the budget (at least a second), which the refit's reserve absorbs.
  if (options.deadline.bounded()) {
    const double budget_seconds = options.deadline.Elapsed() + options.deadline.Remaining();
    tradeoff.deadline = options.deadline.Sub(std::max(1.0, 0.02 * budget_seconds));
  }
  tradeoff.note = [&options](const std::string& line) { options.logger.Debug(line); };
  return tradeoff;
}

// The group of each of `rows` (indices into `data`), or nothing without row groups.
std::vector<uint32_t> GroupsOf(const TrainingData& data, const std::vector<size_t>& rows) {
  std::vector<uint32_t> groups;
  if (data.groups.empty()) return groups;
  groups.reserve(rows.size());
  for (size_t row : rows) groups.push_back(data.groups[row]);
  return groups;
}

// The held-out choice's challengers among run.done() (held_out_challengers.h), those that keep the
// ensemble's members within --infer-limit (`costs`) when one is set: said in the log, marked on
// their leaderboard rows (info.held_out_challenger) and added to `needed`.
std::vector<size_t> AddChallengers(TrainingRun& run, const EnsembleChoice& ensemble, const InferenceCosts& costs,
                                   std::set<std::string>& needed) {
  const std::vector<double>& weights = ensemble.weights;
  std::vector<std::string> families;
  std::vector<double> losses;
  for (const Candidate& c : run.done()) {
    families.push_back(c.config.family);
    const bool refit = c.level == 1 && !c.fit.own_oof;
    losses.push_back(refit ? run.scorer().SelectionLoss(c.fit.oof.values.data())
                           : std::numeric_limits<double>::quiet_NaN());
  }
  const LearnerRegistry& learners = run.learners();
  std::vector<size_t> out;
  std::vector<size_t> served = EnsembleMembers(ensemble);
  const double limit = run.options().infer_limit_us_per_row;
  for (size_t c : HeldOutChallengers(families, weights, losses,
                                     [&](const std::string& f) { return !learners.Get(f).grows_with_rows; })) {
    served.push_back(c);
    if (limit > 0 && costs.SetCost(served) > limit) {
      served.pop_back();
      continue;
    }
    out.push_back(c);
  }
  if (!out.empty()) {
    const double best = LowestLoss(losses);
    std::string text;
    for (size_t c : out) {
      char part[200];
      std::snprintf(part, sizeof part, "%s%s (%s, sample loss %.5f)", text.empty() ? "" : ", ",
                    run.done()[c].config.name.c_str(), run.done()[c].config.family.c_str(), losses[c]);
      text += part;
    }
    char tail[96];
    std::snprintf(tail, sizeof tail, " against the best's %.5f", best);
    run.options().logger.Info(run.Clock(false) + "refit and weighed on the held-out rows beside the members: " + text +
                              tail + ", families the sample's ensemble left out");
  }
  for (size_t c : out) {
    needed.insert(run.done()[c].config.name);
    run.board()[run.done()[c].leaderboard_row].info["held_out_challenger"] = true;
  }
  return out;
}

// The ensemble's choice on the held-out rows of `split` after a sampled search
// (held_out_ensemble.h): its trade-off, with `tolerance_se` set to the one applied
// (automatic: counted in the held-out rows' groups, cost_tradeoff.h).
HeldOutChoiceOptions HeldOutOptions(const TrainerOptions& options, const TrainingData& data, const RefitRows& split,
                                    const InferenceCosts& costs, bool cheapest_only, double& tolerance_se) {
  HeldOutChoiceOptions held;
  held.costs = &costs;
  std::vector<uint32_t> groups = GroupsOf(data, split.choice);
  held.selection.rounds = options.ensemble_rounds;
  held.selection.seed = options.seed + 23;
  held.selection.groups = groups;
  held.selection.threads = options.threads;
  // 32 selections over a few members on at most kHeldOutChoiceRows rows: about a second on 50,000.
  held.selection.deadline = options.deadline;
  const size_t independent = IndependentRows(groups, split.choice.size());
  tolerance_se = EffectiveCostTolerance(options.cost_tolerance_se, independent);
  const std::string note =
      GroupedToleranceNote(options.cost_tolerance_se, split.choice.size(), independent, "held-out rows");
  if (!note.empty() && !cheapest_only) options.logger.Info(note);
  if (tolerance_se > 0 && !cheapest_only) {
    held.tradeoff = TradeoffOptions(options, tolerance_se);
    held.tradeoff->groups = std::move(groups);
    // A few members on at most kHeldOutChoiceRows rows: milliseconds a try, within the whole budget.
    held.tradeoff->deadline = options.deadline;
  }
  return held;
}

// After a search on a sample: the `needed` members, with the challengers (added to it), refit on
// more rows by `refit`, then the ensemble chosen again on rows neither saw (held_out_ensemble.h).
EnsembleChoice RefitAndChooseAgain(TrainingRun& run, const TrainerOptions& options, const TrainingData& data,
                                   const SearchSample& sample, const InferenceCosts& costs, Deadline refit,
                                   const EnsembleChoice& ensemble, std::set<std::string>& needed,
                                   double& tolerance_se) {
  // Each left-out family's best when near the best on the sample too (held_out_challengers.h).
  std::vector<size_t> challengers;
  if (!ensemble.cheapest_only) challengers = AddChallengers(run, ensemble, costs, needed);
  run.ReleaseModelsExcept(needed);
  const RefitRows split = SplitRefitRows(data, sample, options.seed + 19);
  RefitMembersOnAllRows(run, data, split, needed, ensemble.weights, refit);
  HeldOutChoiceOptions held = HeldOutOptions(options, data, split, costs, ensemble.cheapest_only, tolerance_se);
  held.challengers = std::move(challengers);
  return ChooseOnHeldOut(run, data, split, ensemble, held);
}

}  // namespace

TrainResult TrainAutoML(const TrainingData& data, const TrainerOptions& options) {
  std::optional<LearnerRegistry> builtins;
  if (options.learners == nullptr) builtins = LearnerRegistry::WithBuiltins();
  const LearnerRegistry& learners = options.learners ? *options.learners : *builtins;

  // 1. Screen: the columns worth using (training_plan.h).
  ScreenResult screen = ScreenTrainingColumns(data, options.logger);
  // Rows repeating another row's features hint at groups the folds would split (duplicate_rows.h).
  const double repeated = data.groups.empty() ? DuplicateRowShare(data.features, screen.kept) : 0.0;
  if (repeated >= kDuplicateWarnShare) options.logger.Warn(DuplicateRowsWarning(repeated));
  // A table far larger than the budget can search is searched on a sample, its chosen members
  // then refit on every row (search_sample.h); no stacking then (level 2 would need every row's
  // level-1 OOF predictions).
  const double room = options.memory_limit_bytes > 0
                          ? std::max(1.0, options.memory_limit_bytes - static_cast<double>(ResidentBytes()))
                          : 0.0;
  const SearchSample sample =
      ChooseSearchSample(data, screen.kept.size(), options.search_sample_rows,
                         options.deadline.bounded() ? options.time_limit_seconds : 0, options.seed, room);
  std::optional<TrainingData> sampled;
  TrainerOptions search_options = options;
  if (sample.sampled()) {
    options.logger.Info(DescribeSearchSample(sample));
    sampled = SampleTrainingData(data, sample.rows);
    search_options.stack_levels = 1;
    search_options.excluded_families = SampledSearchExclusions(options, learners);
    search_options.categoricals_as_codes = true;
    search_options.sampled_search = true;
    // The sample compares candidates; more folds would buy steadier fold models that the refit replaces.
    if (search_options.num_folds == 0) search_options.num_folds = kSampledSearchFolds;
    // The candidates' models wait on disk for the ensemble's choice (model_spill.h).
    search_options.model_spill = std::make_shared<ModelSpill>(options.scratch_dir, options.logger);
  }
  const TrainingData& search_data = sampled ? *sampled : data;
  // 2. Plan: the data's shape, the fold plan, stacking; then the time budget (training_budget.h).
  const TrainingPlan plan = PlanTraining(search_data, search_options, std::move(screen));
  TrainingRun run(search_data, search_options, learners, plan.screen.kept, plan.fold_plan);
  const TrainingBudget budget(options.deadline, options.refit_full,
                              sample.sampled() ? kSampledRefitShare : kRefitShare);
  options.logger.Info(DescribePlan(search_data, search_options, plan));

  // 3. Search level 1, then level 2 on level 1's OOF predictions (candidate_search.h, level_plan.h).
  SearchState search(plan.shape, options.seed, SearchFamilies(options, learners),
                     options.deadline.bounded() || options.max_models > 0);
  SearchLevelPlan level1 = Level1Plan(run, plan, budget);
  HalvingResult halving;
  if (sample.sampled()) {
    // ... the portfolio halved first on parts of the sample (successive_halving.h).
    const Deadline rungs = level1.deadline.Sub(kHalvingShare * level1.deadline.Remaining());
    halving =
        HalvePortfolio(search_data, search_options, learners, plan.screen.kept, std::move(level1.portfolio), rungs);
    level1.portfolio = std::move(halving.survivors);
  }
  SearchLevel(run, level1, search);
  if (run.done().empty()) throw Internal("no model could be trained (see the warnings above)");
  if (plan.stacking && run.done().size() >= 2) SearchLevel(run, Level2Plan(run, plan, budget), search);

  // 4. Ensemble: weighted greedy selection over every level's OOF predictions, within
  // --infer-limit by each candidate's predict cost (ensemble_choice.h, inference_cost.h).
  const InferenceCosts costs = MeasureCandidateCosts(run);
  const InferLimit limit{options.infer_limit_us_per_row, &costs};
  std::vector<const Matrix*> oofs;
  for (const Candidate& c : run.done()) oofs.push_back(&c.fit.oof);
  EnsembleChoice ensemble = ChooseEnsemble(oofs, run.scorer(), options.ensemble_rounds,
                                           options.infer_limit_us_per_row > 0 ? &limit : nullptr);
  if (ensemble.cheapest_only)
    options.logger.Warn(CheapestOnlyWarning(run.done(), ensemble, options.infer_limit_us_per_row));
  // ... then the cheapest ensemble within noise of it (cost_tradeoff.h; off with --cost-tolerance 0);
  // after a search on a sample, on held-out rows once the members are refit (below).
  const bool choose_on_held_out = options.refit_full && sample.sampled();
  // The automatic tolerance counts a group's rows once (cost_tradeoff.h).
  std::vector<uint32_t> scored_groups =
      run.holdout() ? GroupsOf(run.data(), run.fold_plan().scored_rows) : run.data().groups;
  const size_t independent = IndependentRows(scored_groups, run.scored_rows());
  double tolerance_se = EffectiveCostTolerance(options.cost_tolerance_se, independent);
  const std::string grouped =
      GroupedToleranceNote(options.cost_tolerance_se, run.scored_rows(), independent, "scored rows");
  if (!grouped.empty() && !ensemble.cheapest_only && run.done().size() >= 2 && !choose_on_held_out)
    options.logger.Info(grouped);
  if (tolerance_se > 0 && !ensemble.cheapest_only && run.done().size() >= 2 && !choose_on_held_out) {
    CostTradeoffOptions tradeoff = TradeoffOptions(options, tolerance_se);
    tradeoff.groups = std::move(scored_groups);
    ensemble = TradeCostForNoise(oofs, run.scored_y(), run.scorer(), costs, ensemble, tradeoff);
    if (ensemble.traded) options.logger.Info(DescribeTradeoff(run.done(), ensemble));
  }
  std::set<std::string> needed = NeededCandidates(run.done(), ensemble.weights);

  // 5. Refit the needed members on all rows, kept beside their folds (member_refit.h; off with
  // --no-refit-full), leaving the time to time the bundle afterwards (deployed_cost.h).
  const double timing_seconds = DeployedCostSeconds(costs.SetCost(EnsembleMembers(ensemble)));
  size_t refitted = 0;
  if (choose_on_held_out) {
    // ... on more rows than the sample, then chosen again on rows neither saw (held_out_ensemble.h).
    ensemble = RefitAndChooseAgain(run, options, data, sample, costs, budget.Refit(timing_seconds), ensemble, needed,
                                   tolerance_se);
    needed = NeededCandidates(run.done(), ensemble.weights);
    for (const Candidate& c : run.done()) refitted += needed.count(c.config.name) && c.full ? 1 : 0;
  } else if (options.refit_full) {
    refitted = RefitMembers(run, needed, budget.Refit(timing_seconds));
  }

  // 6. The bundle and the leaderboard (bundle_assembly.h).
  std::unique_ptr<Predictor> served;
  TrainResult result = AssembleBundle(run, plan, ensemble, needed, refitted, costs, budget.Timing(), served);
  if (options.memory_limit_bytes > 0) result.bundle.training["memory_limit_bytes"] = options.memory_limit_bytes;
  result.bundle.training["cost_tolerance_se"] = tolerance_se;  // the one applied: on the held-out rows after a sample
  RecordRows(data, sample, std::move(halving.halved_out), halving.rung_rows, result);
  if (data.groups.empty()) result.bundle.training["repeated_rows_share"] = repeated;
  if (search_options.model_spill)
    result.bundle.training["search_models_on_disk_bytes"] = search_options.model_spill->size();
  // 7. The reports it carries: data, model quality, and, in what is left before the write
  // reserve, explainability on the predictor just timed (bundle_reports.h).
  AddBundleReports(result, run, plan, ensemble, served.get(), budget.Timing());
  return result;
}

}  // namespace tabpilot
