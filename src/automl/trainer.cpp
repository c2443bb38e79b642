#include "automl/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "automl/bagging.h"
#include "automl/ensemble_selection.h"
#include "automl/folds.h"
#include "automl/portfolio.h"
#include "automl/threshold_tuning.h"
#include "core/error.h"
#include "features/column_screening.h"
#include "features/feature_pipeline.h"
#include "learners/learner_registry.h"
#include "metrics/metric_registry.h"

namespace tabpilot {
namespace {

struct EncodedFeatures {
  FeaturePipeline pipeline;
  Matrix x;
};

// A candidate that finished all its folds.
struct Candidate {
  CandidateConfig config;
  BaggedFit fit;
  double score = 0;      // objective metric on OOF (threshold tuned for binary threshold metrics)
  size_t leaderboard_row = 0;
};

std::string ScoreText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5f", v);
  return buf;
}

// The positive-class column of a binary prediction matrix.
std::vector<float> PositiveColumn(const Matrix& p) {
  std::vector<float> out(p.rows);
  for (size_t r = 0; r < p.rows; ++r) out[r] = p.at(r, 1);
  return out;
}

class Scorer {
 public:
  Scorer(const ProblemInfo& problem, const std::vector<float>& y)
      : problem_(problem), y_(y), metrics_(MetricRegistry::WithBuiltins()), objective_(metrics_.Get(problem.metric)) {
    ctx_.task = problem.task;
    ctx_.num_classes = problem.num_outputs();
  }

  bool tunes_threshold() const { return problem_.task == Task::kBinary && objective_.uses_threshold(); }

  // Objective score of `pred`; for threshold metrics the threshold is tuned
  // on the same predictions and returned through `threshold`.
  double Score(const Matrix& pred, double* threshold = nullptr) const {
    MetricContext ctx = ctx_;
    if (tunes_threshold()) {
      std::vector<float> p = PositiveColumn(pred);
      ctx.threshold = TuneThreshold(y_, p.data(), p.size(), objective_);
    }
    if (threshold) *threshold = ctx.threshold;
    return objective_.Score(y_, pred.values.data(), pred.rows, ctx);
  }

  // The loss ensemble selection minimizes. Threshold metrics are noisy step
  // functions of the weights, so for them the ensemble is chosen on logloss
  // (calibrated probabilities) and the threshold is tuned afterwards.
  double SelectionLoss(const float* pred) const {
    const Metric& m = tunes_threshold() ? metrics_.Get("logloss") : objective_;
    return m.Loss(y_, pred, y_.size(), ctx_);
  }

  const Metric& objective() const { return objective_; }

 private:
  const ProblemInfo& problem_;
  const std::vector<float>& y_;
  MetricRegistry metrics_;
  const Metric& objective_;
  MetricContext ctx_;
};

int ChooseFolds(const TrainerOptions& options, size_t rows) {
  int k = options.num_folds > 0 ? options.num_folds : (rows <= 5000 ? 8 : 5);
  return static_cast<int>(std::max<size_t>(2, std::min<size_t>(static_cast<size_t>(k), rows / 2)));
}

bool FamilyAllowed(const TrainerOptions& options, const std::string& family) {
  return options.families.empty() ||
         std::find(options.families.begin(), options.families.end(), family) != options.families.end();
}

}  // namespace

TrainResult TrainAutoML(TrainingData data, const TrainerOptions& options) {
  const Logger& log = options.logger;
  ProblemInfo problem = data.problem;
  const Table& table = data.features;
  const std::vector<float>& y = data.y;
  const size_t rows = table.num_rows();
  if (rows < kMinTrainingRows) {
    throw InvalidInput(table.source() + ": need at least " + std::to_string(kMinTrainingRows) +
                       " rows with a target to train, got " + std::to_string(rows));
  }
  LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  for (const auto& f : options.families) learners.Get(f);  // unknown family -> clear error now

  // 1. Columns worth using.
  ScreenResult screen = ScreenColumns(table, ScreenOptions{});
  for (const auto& [name, reason] : screen.dropped) log.Note("dropped column '" + name + "': " + reason);
  if (screen.kept.empty()) throw InvalidInput(table.source() + ": no usable feature columns left after screening");
  Schema input_schema;
  for (const std::string& name : screen.kept) input_schema.columns.push_back(*data.feature_schema.Find(name));

  Scorer scorer(problem, y);
  const bool greater = scorer.objective().greater_is_better();
  const int num_folds = ChooseFolds(options, rows);
  const std::vector<int> folds = AssignFolds(y, num_folds, options.seed);
  DataShape shape{problem.task, rows, screen.kept.size(), problem.num_outputs()};

  log.Info("training " + std::string(TaskName(problem.task)) + " model for '" + problem.target + "' on " +
           std::to_string(rows) + " rows x " + std::to_string(screen.kept.size()) + " columns; metric " +
           problem.metric + "; " + std::to_string(num_folds) + "-fold bagging; " + std::to_string(options.threads) +
           " thread(s); time limit " +
           (options.deadline.bounded() ? FormatSeconds(options.time_limit_seconds) : std::string("none")));

  // Time kept back for ensembling and writing the bundle.
  const double total = options.deadline.Remaining();
  const double reserve = std::isinf(total) ? 0.0 : std::clamp(0.05 * total, 0.5, 10.0);
  auto usable = [&] { return options.deadline.Sub(std::max(0.0, options.deadline.Remaining() - reserve)); };

  std::map<std::string, EncodedFeatures> encoded;
  std::vector<Candidate> done;
  std::vector<LeaderboardRow> board;
  std::map<std::string, double> family_cost;  // measured seconds per unit of relative_cost
  double best_score = 0;
  std::string best_name;

  std::vector<CandidateConfig> queue;
  for (auto& c : DefaultPortfolio(shape)) {
    if (FamilyAllowed(options, c.family)) queue.push_back(std::move(c));
  }
  const size_t portfolio_size = queue.size();
  std::mt19937_64 search_rng(options.seed ^ 0x5eedULL);
  int sampled = 0;
  const bool can_sample = FamilyAllowed(options, "xgboost");

  for (size_t i = 0;; ++i) {
    if (options.max_models > 0 && board.size() >= static_cast<size_t>(options.max_models)) break;
    if (i >= queue.size()) {
      if (!can_sample || options.deadline.Expired() || !options.deadline.bounded()) break;
      queue.push_back(SampleConfig(shape, search_rng, ++sampled));
    }
    const CandidateConfig& config = queue[i];
    const bool first = done.empty();
    const double left = usable().Remaining();
    if (!first) {
      if (left <= 0.05) break;
      auto it = family_cost.find(config.family);
      double unit = it != family_cost.end() ? it->second : 0;
      if (unit == 0 && !family_cost.empty()) {
        for (const auto& [f, u] : family_cost) unit = std::max(unit, u);
      }
      double estimate = unit * config.relative_cost;
      if (estimate > left) {
        log.Debug("skipping " + config.name + ": needs ~" + FormatSeconds(estimate) + ", " + FormatSeconds(left) +
                  " left");
        if (i >= portfolio_size) break;  // a sampled config that does not fit: the search is over
        continue;
      }
    }

    LeaderboardRow row;
    row.model = config.name;
    row.family = config.family;
    row.metric = problem.metric;
    row.greater_is_better = greater;
    row.folds = num_folds;
    try {
      std::unique_ptr<Learner> learner = learners.Create(config.family, config.params);
      row.params = learner->params().values();
      std::string pid = PipelineId(config.features);
      auto enc = encoded.find(pid);
      if (enc == encoded.end()) {
        FeaturePipeline pipeline = FeaturePipeline::Fit(table, screen.kept, config.features);
        Matrix x = pipeline.Transform(table, options.threads);
        enc = encoded.emplace(pid, EncodedFeatures{std::move(pipeline), std::move(x)}).first;
      }
      const EncodedFeatures& features = enc->second;
      FitOptions fit;
      fit.task = problem.task;
      fit.num_classes = problem.num_outputs();
      fit.threads = options.threads;
      fit.seed = options.seed * 7919ULL + i;
      fit.feature_names = &features.pipeline.feature_names();
      fit.categorical_features = &features.pipeline.categorical_feature_indices();
      BaggingOptions bagging;
      bagging.num_folds = num_folds;
      bagging.deadline = usable();
      bagging.split_remaining_time = true;
      Stopwatch clock;
      BaggedFit bag = FitBagged(*learner, features.x, y, folds, fit, bagging);
      double seconds = clock.Seconds();
      row.fit_seconds = bag.fit_seconds;
      row.predict_ms_per_1k = bag.predict_ms_per_1k;
      row.info = Json{{"folds", bag.info}};
      if (!bag.complete) {
        row.status = "timeout";
        board.push_back(row);
        log.Info("[" + FormatSeconds(options.deadline.Elapsed()) + "] " + config.name + ": out of time");
        continue;
      }
      family_cost[config.family] = seconds / config.relative_cost;
      Candidate c{config, std::move(bag), 0, 0};
      c.score = scorer.Score(c.fit.oof);
      row.score_val = c.score;
      if (done.empty() || (greater ? c.score > best_score : c.score < best_score)) {
        best_score = c.score;
        best_name = config.name;
      }
      c.leaderboard_row = board.size();
      board.push_back(row);
      done.push_back(std::move(c));
      std::string remaining =
          options.deadline.bounded() ? ", " + FormatSeconds(options.deadline.Remaining()) + " left" : "";
      log.Info("[" + FormatSeconds(options.deadline.Elapsed()) + remaining + "] " + std::to_string(done.size()) +
               " done: " + config.name + " " + problem.metric + "=" + ScoreText(row.score_val) + " (fit " +
               FormatSeconds(row.fit_seconds) + "); best " + best_name + " " + ScoreText(best_score));
    } catch (const std::exception& e) {
      row.status = std::string("error: ") + e.what();
      board.push_back(row);
      log.Warn(config.name + " failed: " + e.what());
    }
  }
  if (done.empty()) throw Internal("no model could be trained (see the warnings above)");

  // 2. Weighted greedy ensemble over the OOF predictions.
  std::vector<const Matrix*> oofs;
  for (const auto& c : done) oofs.push_back(&c.fit.oof);
  EnsembleSelectionOptions es;
  es.rounds = options.ensemble_rounds;
  EnsembleSelectionResult selection =
      SelectEnsemble(oofs, [&](const float* pred) { return scorer.SelectionLoss(pred); }, es);
  const size_t k = static_cast<size_t>(problem.num_outputs());
  Matrix ensemble_oof(rows, k, 0.0f);
  for (size_t m = 0; m < done.size(); ++m) {
    double w = selection.weights[m];
    if (w <= 0) continue;
    for (size_t i = 0; i < rows * k; ++i) ensemble_oof.values[i] += static_cast<float>(w * done[m].fit.oof.values[i]);
  }
  double threshold = 0.5;
  double ensemble_score = scorer.Score(ensemble_oof, &threshold);
  problem.threshold = threshold;

  // 3. The bundle: only members with weight.
  TrainResult result;
  Bundle& bundle = result.bundle;
  bundle.problem = problem;
  bundle.input_schema = input_schema;
  LeaderboardRow ens;
  ens.model = "WeightedEnsemble";
  ens.family = "ensemble";
  ens.metric = problem.metric;
  ens.greater_is_better = greater;
  ens.score_val = ensemble_score;
  ens.folds = num_folds;
  ens.ensemble_weight = 1.0;
  Json members = Json::object();
  for (size_t m = 0; m < done.size(); ++m) {
    double w = selection.weights[m];
    board[done[m].leaderboard_row].ensemble_weight = w;
    if (w <= 0) continue;
    Candidate& c = done[m];
    std::string pid = PipelineId(c.config.features);
    if (!bundle.pipelines.count(pid)) bundle.pipelines.emplace(pid, encoded.at(pid).pipeline);
    BundleMember member;
    member.name = c.config.name;
    member.family = c.config.family;
    member.params = board[c.leaderboard_row].params;
    member.pipeline = pid;
    member.weight = w;
    member.folds = std::move(c.fit.folds);
    bundle.members.push_back(std::move(member));
    ens.fit_seconds += c.fit.fit_seconds;
    ens.predict_ms_per_1k += c.fit.predict_ms_per_1k;
    members[c.config.name] = w;
  }
  ens.params = Json{{"members", members}};
  if (scorer.tunes_threshold()) ens.params["decision_threshold"] = threshold;
  board.push_back(ens);
  SortLeaderboard(&board);

  Json dropped = Json::object();
  for (const auto& [name, reason] : screen.dropped) dropped[name] = reason;
  bundle.training = Json{{"rows", rows},
                         {"feature_columns", screen.kept.size()},
                         {"dropped_columns", dropped},
                         {"metric", problem.metric},
                         {"ensemble_oof_score", ensemble_score},
                         {"best_single_model", best_name},
                         {"best_single_oof_score", best_score},
                         {"candidates_trained", done.size()},
                         {"num_folds", num_folds},
                         {"seed", options.seed},
                         {"threads", options.threads},
                         {"time_limit_seconds", options.time_limit_seconds},
                         {"training_seconds", options.deadline.Elapsed()}};
  bundle.leaderboard = LeaderboardToJson(board);
  bundle.leaderboard_csv = LeaderboardToCsv(board);
  result.leaderboard = std::move(board);
  return result;
}

}  // namespace tabpilot
