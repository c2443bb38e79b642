#include "automl/bundle_assembly.h"

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "automl/background_sample.h"
#include "automl/cost_tradeoff.h"
#include "automl/deployed_cost.h"

namespace tabpilot {
namespace {

// The ensemble's leaderboard row before its members are added.
LeaderboardRow EnsembleRow(const TrainingRun& run, const EnsembleChoice& ensemble) {
  LeaderboardRow ens;
  ens.model = "WeightedEnsemble";
  ens.family = "ensemble";
  ens.metric = run.problem().metric;
  ens.greater_is_better = run.scorer().objective().greater_is_better();
  ens.score_val = ensemble.score;
  ens.folds = run.num_folds();
  ens.ensemble_weight = 1.0;
  return ens;
}

BundleMember MakeMember(Candidate& c, const LeaderboardRow& row, double weight, int num_folds) {
  BundleMember member;
  member.name = c.config.name;
  member.family = c.config.family;
  member.params = row.params;
  member.params.erase("stack_inputs");
  member.pipeline = PipelineId(c.config.features);
  member.weight = weight;
  member.level = c.level;
  member.stack_inputs = c.stack_inputs;
  // A bagged level-2 member's fold models see their inputs' fold models
  // at predict time, as its training rows saw out-of-fold predictions.
  if (!c.stack_inputs.empty() && num_folds > 1) member.stack_input_folds = num_folds;
  member.folds = std::move(c.fit.folds);
  if (c.full) {
    member.full = std::move(c.full);
    member.full_params = row.info.at("refit").at("params");
  }
  return member;
}

// Adds the needed members and their pipelines to `bundle`, level 1 first,
// and their cost and weights to the ensemble's row `ens`.
void AddMembers(TrainingRun& run, const EnsembleChoice& ensemble, const std::set<std::string>& needed, Bundle& bundle,
                LeaderboardRow& ens) {
  std::vector<Candidate>& done = run.done();
  Json members = Json::object();
  for (int level = 1; level <= 2; ++level) {
    for (size_t m = 0; m < done.size(); ++m) {
      Candidate& c = done[m];
      if (c.level != level || !needed.count(c.config.name)) continue;
      const std::string pid = PipelineId(c.config.features);
      if (!bundle.pipelines.count(pid)) bundle.pipelines.emplace(pid, run.features().at(pid).pipeline);
      const double weight = ensemble.weights[m];
      ens.fit_seconds += c.fit.fit_seconds;
      bundle.members.push_back(MakeMember(c, run.board()[c.leaderboard_row], weight, run.num_folds()));
      if (weight > 0) members[c.config.name] = weight;
    }
  }
  ens.params = Json{{"members", members}};
}

// The bundle's served form timed (deployed_cost.h) by `deadline`, its
// predictor left in `served`; nothing when it cannot be: when less time is
// left than timing is expected to take (`expected_seconds`; the training's
// budget comes first), or with a warning when a family's models do not load
// from their bytes (e.g. a test family). The figures are then the estimates.
std::optional<DeployedCost> TryMeasureDeployedCost(const TrainingRun& run, const Bundle& bundle, Deadline deadline,
                                                   double expected_seconds, std::unique_ptr<Predictor>& served) {
  const Logger& log = run.options().logger;
  if (deadline.Expired() || expected_seconds > deadline.Remaining()) {
    log.Debug(run.Clock(false) + "no time left to time the bundle (needs ~" + FormatSeconds(expected_seconds) +
              "): the leaderboard shows estimated predict costs");
    return std::nullopt;
  }
  try {
    Stopwatch clock;
    const int threads = run.options().threads;
    served = ServedPredictor(bundle, run.learners(), threads);
    DeployedCost cost = MeasureDeployedCost(*served, bundle, run.data().features, threads, deadline);
    log.Debug(run.Clock(false) + "timed the bundle's served form (" + FormatSeconds(clock.Seconds()) + ", expected ~" +
              FormatSeconds(expected_seconds) + ")");
    return cost;
  } catch (const std::exception& e) {
    served.reset();
    log.Warn(std::string("could not time the bundle's predictions (the leaderboard shows estimates): ") + e.what());
    return std::nullopt;
  }
}

// Every row's predict cost: measured on the bundle's served form for its
// members and the ensemble `ens`, the estimate made before the choice for
// the other candidates; rows the infer limit left out get their status.
// `one_model[c]`: candidate c serves one model in the bundle's default form
// (else its fold models). Returns the ensemble's figures (estimated when the
// bundle could not be timed); `served` gets the predictor timed.
DeployedCost RecordPredictCosts(const TrainingRun& run, const Bundle& bundle, const EnsembleChoice& ensemble,
                                const InferenceCosts& costs, const std::vector<char>& one_model, Deadline deadline,
                                std::vector<LeaderboardRow>& board, LeaderboardRow& ens,
                                std::unique_ptr<Predictor>& served) {
  const std::vector<size_t> members = EnsembleMembers(ensemble);
  const double estimate_us = costs.SetCost(members, one_model);
  const std::optional<DeployedCost> measured =
      TryMeasureDeployedCost(run, bundle, deadline, DeployedCostSeconds(estimate_us), served);
  for (size_t m = 0; m < run.done().size(); ++m) {
    LeaderboardRow& row = board[run.done()[m].leaderboard_row];
    const bool timed = measured && measured->member_us.count(row.model);
    row.predict_us_per_row = timed ? measured->member_us.at(row.model) : costs.item(m).own_us;
    row.info["predict_cost"] = timed || costs.item(m).measured ? "measured" : "estimated";
  }
  for (size_t m : ensemble.over_limit) board[run.done()[m].leaderboard_row].status = kOverInferLimit;
  if (ensemble.traded) {
    for (size_t m : ensemble.traded->dropped) board[run.done()[m].leaderboard_row].status = kLeftOutForCost;
  }
  DeployedCost out;
  if (measured) {
    out = *measured;
  } else {
    out.ensemble_us = estimate_us;
  }
  ens.predict_us_per_row = out.ensemble_us;
  ens.info["predict_cost"] = measured ? "measured" : "estimated";
  return out;
}

// The training facts about predict cost and the infer limit.
Json PredictCostFacts(const TrainerOptions& options, const EnsembleChoice& ensemble, const DeployedCost& measured) {
  Json facts{{"predict_us_per_row", measured.ensemble_us},
             {"predict_cost_rows", kCostRows},
             {"predict_cost_threads", options.threads},
             {"transform_us_per_row", measured.transform_us}};
  if (options.infer_limit_us_per_row > 0) {
    facts["infer_limit_us_per_row"] = options.infer_limit_us_per_row;
    facts["infer_limit_estimate_us_per_row"] = ensemble.cost_us;
    facts["infer_limit_cheapest_only"] = ensemble.cheapest_only;
  }
  if (ensemble.traded) {
    const EnsembleChoice::CheaperWithinNoise& t = *ensemble.traded;
    facts["cost_tradeoff"] = Json{{"accurate_estimate_us_per_row", t.accurate_cost_us},
                                  {"estimate_us_per_row", t.cost_us},
                                  {"accurate_selection_loss", t.accurate_loss},
                                  {"selection_loss", t.loss},
                                  {"accurate_selection_loss_se", t.loss_se},
                                  {"rows", t.rows}};
  }
  return facts;
}

Json TrainingFacts(const TrainingRun& run, const TrainingPlan& plan, const EnsembleChoice& ensemble, size_t refitted) {
  const TrainerOptions& options = run.options();
  Json dropped = Json::object();
  for (const auto& [name, reason] : plan.screen.dropped) dropped[name] = reason;
  return Json{{"rows", plan.shape.rows},
              {"feature_columns", plan.screen.kept.size()},
              {"dropped_columns", dropped},
              {"metric", run.problem().metric},
              {"ensemble_oof_score", ensemble.score},
              {"best_single_model", run.best_name()},
              {"best_single_oof_score", run.best_score()},
              {"candidates_trained", run.done().size()},
              {"num_folds", run.num_folds()},
              // The manifest's name for the fold plan's kind (a format field).
              {"validation", run.holdout() ? "holdout" : "bagging"},
              {"scored_rows", run.scored_rows()},
              {"stacking", plan.stacking},
              {"refit_full", options.refit_full},
              {"cost_tolerance_automatic", !options.cost_tolerance_se.has_value()},
              {"members_refitted", refitted},
              {"seed", options.seed},
              {"threads", options.threads},
              {"time_limit_seconds", options.time_limit_seconds},
              {"training_seconds", options.deadline.Elapsed()}};
}

}  // namespace

TrainResult AssembleBundle(TrainingRun& run, const TrainingPlan& plan, const EnsembleChoice& ensemble,
                           const std::set<std::string>& needed, size_t refitted, const InferenceCosts& costs,
                           Deadline timing_deadline, std::unique_ptr<Predictor>& served) {
  std::vector<LeaderboardRow>& board = run.board();
  for (size_t m = 0; m < run.done().size(); ++m) {
    board[run.done()[m].leaderboard_row].ensemble_weight = ensemble.weights[m];
  }
  TrainResult result;
  Bundle& bundle = result.bundle;
  bundle.problem = run.problem();
  bundle.problem.threshold = ensemble.threshold;
  bundle.input_schema = plan.input_schema;
  bundle.background_csv = BackgroundCsv(run.data().features, plan.input_schema, kBackgroundRows, run.options().seed);
  // Both forms when the members were refit (those without a full model
  // serve their folds in both), the bagged form alone otherwise.
  const TrainerOptions& options = run.options();
  bundle.forms.full = options.refit_full;
  bundle.forms.default_form = options.refit_full ? options.default_form : BundleForm::kBagged;
  // Which candidates serve one model in the default form, before their models move into the bundle.
  std::vector<char> one_model(run.done().size(), 0);
  for (size_t m = 0; m < run.done().size(); ++m) {
    const Candidate& c = run.done()[m];
    one_model[m] = c.fit.own_oof || (bundle.forms.default_form == BundleForm::kFull && c.full != nullptr) ? 1 : 0;
  }
  LeaderboardRow ens = EnsembleRow(run, ensemble);
  AddMembers(run, ensemble, needed, bundle, ens);
  if (run.scorer().tunes_threshold()) ens.params["decision_threshold"] = ensemble.threshold;
  const DeployedCost measured =
      RecordPredictCosts(run, bundle, ensemble, costs, one_model, timing_deadline, board, ens, served);
  std::vector<LeaderboardRow> rows = board;
  rows.push_back(ens);
  SortLeaderboard(&rows);
  bundle.training = TrainingFacts(run, plan, ensemble, refitted);
  bundle.training.update(PredictCostFacts(options, ensemble, measured));
  // The limit was kept by estimates made before the bundle was built: say
  // when the built bundle, timed, is over it.
  if (options.infer_limit_us_per_row > 0 && ens.info.at("predict_cost") == "measured") {
    const bool met = measured.ensemble_us <= options.infer_limit_us_per_row;
    bundle.training["infer_limit_met"] = met;
    if (!met && !ensemble.cheapest_only) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "--infer-limit %.4g: the built ensemble measured %.4g us/row (estimated %.4g before it was built)",
                    options.infer_limit_us_per_row, measured.ensemble_us, ensemble.cost_us);
      options.logger.Warn(line);
    }
  }
  bundle.leaderboard = LeaderboardToJson(rows);
  bundle.leaderboard_csv = LeaderboardToCsv(rows);
  result.leaderboard = std::move(rows);
  return result;
}

}  // namespace tabpilot
