#include "automl/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>

#include "automl/bagging.h"
#include "automl/ensemble_selection.h"
#include "automl/folds.h"
#include "automl/portfolio.h"
#include "automl/refit.h"
#include "automl/threshold_tuning.h"
#include "automl/fold_plan.h"
#include "core/error.h"
#include "core/parallel.h"
#include "features/column_screening.h"
#include "features/feature_pipeline.h"
#include "learners/learner_registry.h"
#include "metrics/metric_registry.h"
#include "model/stacking.h"

namespace tabpilot {
namespace {

// Stacking needs enough rows for the OOF predictions to be worth learning from
// (AutoGluon stacks above ~750 rows).
constexpr size_t kMinStackRows = 750;
// Share of the fitting time level 1 gets when a second level follows.
constexpr double kLevel1Share = 0.7;
// Random-search configs in a row that may not fit the time left before the search stops.
constexpr int kMaxSearchMisses = 5;
// Most of a level's time one random configuration may be expected to take.
// A sampled configuration is a gamble; betting most of the level on one
// starves the bags and the next level (Adult at 300 s: a 512x256 net took
// 2m20s of level 1's 3m10s and got no ensemble weight). The cap is lifted
// after kMaxSearchMisses - 1 skipped configs in a row, so the search does not
// stop with time left that a large config could use.
constexpr double kMaxSearchShare = 0.35;
// Level-1 models whose predictions feed level 2.
constexpr size_t kMaxStackInputs = 8;
// Bags (k-fold fits on different fold splits) a candidate may get in all:
// repeated bagging averages out the fold split's noise in the OOF predictions
// and the fold models (AutoGluon's num_bag_sets), at a cost of one more bag's
// fit time and serving time each.
constexpr int kMaxBags = 3;
// Memory the training-fold copies of folds fitted at once may take.
constexpr double kMaxConcurrentFoldBytes = 2e9;
// Share of the search time kept back for refitting the chosen members on all rows.
constexpr double kRefitShare = 0.1;

struct EncodedFeatures {
  FeaturePipeline pipeline;
  // Shared between pipelines that encode every column alike (options that
  // differ only where no column is affected), so the matrix is built once.
  std::shared_ptr<const Matrix> matrix;
  const Matrix& x() const { return *matrix; }
};

// A candidate that finished all its folds.
struct Candidate {
  CandidateConfig config;
  BaggedFit fit;
  double score = 0;  // objective metric on OOF (threshold tuned for binary threshold metrics)
  size_t leaderboard_row = 0;
  int level = 1;
  std::vector<std::string> stack_inputs;  // level 2: names of the level-1 candidates it stacks on
  std::vector<size_t> input_index;        // level 2: their indices in the run's done list
  int bags = 1;                           // fold splits fitted (see kMaxBags)
  double bag_seconds = 0;                 // wall time of the last bag
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

// The shape validation is chosen on: its budget is the whole command's
// (--time-limit), not what is left after loading the data.
DataShape ValidationShape(DataShape shape, const TrainerOptions& options) {
  if (!options.deadline.bounded()) {
    shape.time_limit = 0;
  } else {
    shape.time_limit = std::max(options.time_limit_seconds > 0 ? options.time_limit_seconds : shape.time_limit, 1e-3);
  }
  return shape;
}

bool FamilyAllowed(const TrainerOptions& options, const std::string& family) {
  return options.families.empty() ||
         std::find(options.families.begin(), options.families.end(), family) != options.families.end();
}

// Whether a portfolio config runs: its family is allowed, and an opt-in
// config's family is named explicitly.
bool ConfigAllowed(const TrainerOptions& options, const CandidateConfig& config) {
  if (config.opt_in) {
    return std::find(options.families.begin(), options.families.end(), config.family) != options.families.end();
  }
  return FamilyAllowed(options, config.family);
}

// One training run: the state shared by the candidate loop of each level.
class TrainingRun {
 public:
  TrainingRun(const TrainingData& data, const TrainerOptions& options, const ProblemInfo& problem,
              const std::vector<std::string>& columns, const DataShape& shape)
      : data_(data),
        options_(options),
        problem_(problem),
        columns_(columns),
        learners_(LearnerRegistry::WithBuiltins()),
        validation_(ChooseFoldPlan(options.num_folds, ValidationShape(shape, options), data.y, options.seed)),
        scorer_(problem_, validation_.holdout() ? validation_.scored_y : data.y) {
    for (const auto& f : options.families) learners_.Get(f);  // unknown family -> clear error now
    const double total = options.deadline.Remaining();
    // Time kept back for ensembling and writing the bundle.
    // Writing hundreds of fold models (a 300 MB bundle on small multiclass
    // data) takes seconds; 5% was not always enough at 60 s.
    reserve_ = std::isinf(total) ? 0.0 : std::clamp(0.08 * total, 0.5, 15.0);
    // Refitting the ensemble's members costs about one fold fit each.
    refit_reserve_ = options.refit_full && !std::isinf(total) ? kRefitShare * (total - reserve_) : 0.0;
  }

  int num_folds() const { return validation_.num_folds; }
  bool holdout() const { return validation_.holdout(); }
  size_t scored_rows() const { return holdout() ? validation_.scored_rows.size() : data_.y.size(); }
  const Scorer& scorer() const { return scorer_; }
  const LearnerRegistry& learners() const { return learners_; }
  std::vector<Candidate>& done() { return done_; }
  std::vector<LeaderboardRow>& board() { return board_; }
  std::map<std::string, EncodedFeatures>& encoded() { return encoded_; }
  const std::string& best_name() const { return best_name_; }
  double best_score() const { return best_score_; }

  // The deadline left for the search (the whole budget minus the reserves).
  Deadline Usable() const {
    return options_.deadline.Sub(std::max(0.0, options_.deadline.Remaining() - reserve_ - refit_reserve_));
  }
  // The deadline for refitting the chosen members (all but the writing reserve).
  Deadline RefitDeadline() const {
    return options_.deadline.Sub(std::max(0.0, options_.deadline.Remaining() - reserve_));
  }
  bool AtModelCap(int cap) const { return cap > 0 && board_.size() >= static_cast<size_t>(cap); }
  bool AtModelCap() const { return AtModelCap(options_.max_models); }
  // How many of --max-models level 1 may use when level 2 follows: 70%, the
  // same share it gets of the time.
  int Level1Cap(bool stacking) const {
    if (options_.max_models <= 0 || !stacking) return options_.max_models;
    return std::max(1, static_cast<int>(std::ceil(kLevel1Share * options_.max_models)));
  }
  // Estimated seconds for a config, from what its family cost so far (0 = unknown).
  double Estimate(const CandidateConfig& config) const {
    auto it = family_cost_.find(config.family);
    double unit = it != family_cost_.end() ? it->second : 0;
    if (unit == 0) {
      for (const auto& [f, u] : family_cost_) unit = std::max(unit, u);
    }
    return unit * config.relative_cost;
  }

  // Fits `config` with bagging until `deadline` (the first candidate of the run
  // always completes). Level 2 candidates get the stack inputs' OOF predictions
  // appended to their features. Returns false when it did not produce a candidate.
  bool Fit(const CandidateConfig& config, int level, const std::vector<size_t>& stack_inputs, Deadline deadline,
           uint64_t seed) {
    const bool first = done_.empty();
    const Logger& log = options_.logger;
    LeaderboardRow row;
    row.model = config.name;
    row.family = config.family;
    row.metric = problem_.metric;
    row.greater_is_better = scorer_.objective().greater_is_better();
    row.folds = validation_.num_folds;
    try {
      std::unique_ptr<Learner> learner = learners_.Create(config.family, config.params);
      row.params = learner->params().values();
      Matrix stacked;
      std::vector<std::string> names;
      const Matrix& x = Inputs(config, stack_inputs, &stacked, &names);
      std::vector<std::string> input_names;
      for (size_t i : stack_inputs) input_names.push_back(done_[i].config.name);
      if (!input_names.empty()) row.params["stack_inputs"] = input_names;
      FitOptions fit = MakeFitOptions(config, names, seed);
      BaggingOptions bagging = MakeBaggingOptions(deadline, x);
      bagging.must_complete = first;
      Stopwatch clock;
      BaggedFit bag = FitBagged(*learner, x, data_.y, validation_.folds, fit, bagging);
      double seconds = clock.Seconds();
      row.fit_seconds = bag.fit_seconds;
      row.predict_ms_per_1k = bag.predict_ms_per_1k;
      row.info = Json{{"level", level}, {"folds", bag.info}};
      if (bag.own_oof) row.folds = 1;
      if (!bag.complete) {
        row.status = "timeout";
        board_.push_back(row);
        log.Info("[" + FormatSeconds(options_.deadline.Elapsed()) + "] " + config.name + ": out of time");
        return false;
      }
      family_cost_[config.family] = seconds / config.relative_cost;
      // A holdout scores (and ensembles) its held-out rows only.
      if (holdout()) bag.oof = bag.oof.SelectRows(validation_.scored_rows);
      Candidate c{config, std::move(bag), 0, 0, level, input_names, stack_inputs, 1, seconds};
      c.score = scorer_.Score(c.fit.oof);
      row.score_val = c.score;
      c.leaderboard_row = board_.size();
      board_.push_back(row);
      done_.push_back(std::move(c));
      UpdateBest();
      log.Info("[" + FormatSeconds(options_.deadline.Elapsed()) + RemainingText() + "] " +
               std::to_string(done_.size()) + " done: " + config.name + " " + problem_.metric + "=" +
               ScoreText(row.score_val) + " (fit " + FormatSeconds(row.fit_seconds) + "); best " + best_name_ + " " +
               ScoreText(best_score_));
      return true;
    } catch (const std::exception& e) {
      row.status = std::string("error: ") + e.what();
      board_.push_back(row);
      log.Warn(config.name + " failed: " + e.what());
      return false;
    }
  }

  // Another bag for the best repeatable candidate of `level` that has fewer
  // than kMaxBags, if one fits in the time left. Returns true when a bag was added.
  bool RepeatBest(int level, Deadline deadline, uint64_t seed) {
    if (holdout()) return false;  // the point of a holdout is one fit per candidate
    const bool greater = scorer_.objective().greater_is_better();
    size_t best = done_.size();
    for (size_t i = 0; i < done_.size(); ++i) {
      const Candidate& c = done_[i];
      if (c.level != level || c.bags >= kMaxBags || !learners_.Get(c.config.family).repeat_bags) continue;
      if (best == done_.size() || (greater ? c.score > done_[best].score : c.score < done_[best].score)) best = i;
    }
    if (best == done_.size() || done_[best].bag_seconds > deadline.Remaining()) return false;
    return Repeat(best, deadline, seed);
  }

  // Fits candidate `index` again on a new fold split and averages it in: its
  // OOF predictions become the mean over its bags and the new fold models join
  // the old. When the deadline cuts the bag short the candidate is unchanged
  // and false is returned.
  bool Repeat(size_t index, Deadline deadline, uint64_t seed) {
    Candidate& c = done_[index];
    const Logger& log = options_.logger;
    try {
      std::unique_ptr<Learner> learner = learners_.Create(c.config.family, c.config.params);
      Matrix stacked;
      std::vector<std::string> names;
      const Matrix& x = Inputs(c.config, c.input_index, &stacked, &names);
      FitOptions fit = MakeFitOptions(c.config, names, seed);
      const BaggingOptions bagging = MakeBaggingOptions(deadline, x);
      const std::vector<int> folds = AssignFolds(data_.y, validation_.num_folds,
                                                 options_.seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(c.bags));
      Stopwatch clock;
      BaggedFit bag = FitBagged(*learner, x, data_.y, folds, fit, bagging);
      if (!bag.complete) {
        log.Debug(c.config.name + ": bag " + std::to_string(c.bags + 1) + " out of time");
        return false;
      }
      const float keep = static_cast<float>(c.bags) / static_cast<float>(c.bags + 1);
      for (size_t j = 0; j < c.fit.oof.values.size(); ++j) {
        c.fit.oof.values[j] = keep * c.fit.oof.values[j] + (1.0f - keep) * bag.oof.values[j];
      }
      for (auto& m : bag.folds) c.fit.folds.push_back(std::move(m));
      for (auto& info : bag.info) c.fit.info.push_back(std::move(info));
      c.fit.fit_seconds += bag.fit_seconds;
      c.fit.predict_ms_per_1k += bag.predict_ms_per_1k;
      c.bags += 1;
      c.bag_seconds = clock.Seconds();
      c.score = scorer_.Score(c.fit.oof);
      LeaderboardRow& row = board_[c.leaderboard_row];
      row.score_val = c.score;
      row.fit_seconds = c.fit.fit_seconds;
      row.predict_ms_per_1k = c.fit.predict_ms_per_1k;
      row.folds = validation_.num_folds * c.bags;
      row.info["folds"] = c.fit.info;
      row.info["bags"] = c.bags;
      UpdateBest();
      log.Info("[" + FormatSeconds(options_.deadline.Elapsed()) + RemainingText() + "] bag " + std::to_string(c.bags) +
               " of " + c.config.name + ": " + problem_.metric + "=" + ScoreText(c.score) + " (fit " +
               FormatSeconds(bag.fit_seconds) + "); best " + best_name_ + " " + ScoreText(best_score_));
      return true;
    } catch (const std::exception& e) {
      log.Warn(c.config.name + ": another bag failed: " + e.what());
      return false;
    }
  }

  // Replaces candidate `index`'s fold models by one model fitted on every
  // row (see refit.h). It must finish before `deadline`: a fit cut short
  // would be worse than the folds, so then the candidate keeps them. Returns
  // true when the candidate was refitted. Refits of different candidates may
  // run at once (they only read the shared encodings, all made by then).
  bool Refit(size_t index, Deadline deadline, uint64_t seed, int threads) {
    Candidate& c = done_[index];
    const Logger& log = options_.logger;
    if (c.fit.own_oof) {
      log.Debug(c.config.name + ": already one model fitted on all rows");
      return true;
    }
    // About one fold fit, on k/(k-1) times its rows.
    const double fold_seconds = c.fit.fit_seconds / static_cast<double>(std::max<size_t>(1, c.fit.folds.size()));
    const double estimate = fold_seconds * validation_.num_folds / std::max(1, validation_.num_folds - 1);
    if (deadline.Expired() || estimate > deadline.Remaining()) {
      log.Debug(c.config.name + ": no time to refit (needs ~" + FormatSeconds(estimate) + "), keeping its fold models");
      return false;
    }
    try {
      std::optional<Json> params = RefitParams(c.config.family, board_[c.leaderboard_row].params, c.fit.info);
      if (!params) {
        log.Debug(c.config.name + ": its folds do not report their effort, not refitted");
        return false;
      }
      Json learner_params = std::move(*params);
      learner_params.erase("stack_inputs");
      std::unique_ptr<Learner> learner = learners_.Create(c.config.family, learner_params);
      Matrix stacked;
      std::vector<std::string> names;
      const Matrix& x = Inputs(c.config, c.input_index, &stacked, &names);
      FitOptions fit = MakeFitOptions(c.config, names, seed);
      fit.deadline = deadline;
      fit.threads = threads;
      Stopwatch clock;
      std::unique_ptr<Model> model = learner->Fit(TrainData{&x, &data_.y, nullptr}, nullptr, fit);
      const double seconds = clock.Seconds();
      if (deadline.Expired()) {
        log.Debug(c.config.name + ": refit out of time, keeping its fold models");
        return false;
      }
      c.fit.folds.clear();
      c.fit.folds.push_back(std::move(model));
      c.fit.fit_seconds += seconds;
      LeaderboardRow& row = board_[c.leaderboard_row];
      row.fit_seconds = c.fit.fit_seconds;
      row.info["refit"] = Json{{"params", learner_params}, {"fit_seconds", seconds}, {"info", c.fit.folds[0]->Info()}};
      log.Debug("[" + FormatSeconds(options_.deadline.Elapsed()) + "] refitted " + c.config.name + " on all rows (" +
                FormatSeconds(seconds) + ")");
      return true;
    } catch (const std::exception& e) {
      log.Warn(c.config.name + ": refit failed, keeping its fold models: " + e.what());
      return false;
    }
  }

 private:
  std::string RemainingText() const {
    return options_.deadline.bounded() ? ", " + FormatSeconds(options_.deadline.Remaining()) + " left" : "";
  }

  void UpdateBest() {
    const bool greater = scorer_.objective().greater_is_better();
    for (size_t i = 0; i < done_.size(); ++i) {
      const double s = done_[i].score;
      if (i == 0 || (greater ? s > best_score_ : s < best_score_)) {
        best_score_ = s;
        best_name_ = done_[i].config.name;
      }
    }
  }

  // The training matrix of `config`: its encoding, plus at level 2 the OOF
  // predictions of `stack_inputs` (built in `stacked`). `names` gets the
  // matrix's column names.
  const Matrix& Inputs(const CandidateConfig& config, const std::vector<size_t>& stack_inputs, Matrix* stacked,
                       std::vector<std::string>* names) {
    const EncodedFeatures& features = Encode(config.features);
    *names = features.pipeline.feature_names();
    if (stack_inputs.empty()) return features.x();
    std::vector<const Matrix*> inputs;
    for (size_t i : stack_inputs) {
      const Matrix& oof = done_[i].fit.oof;
      inputs.push_back(&oof);
      // One name per appended column: multiclass inputs add every class.
      const size_t cols = StackColumns(problem_.task, oof.cols);
      for (size_t j = 0; j < cols; ++j) {
        std::string name = "stack:" + done_[i].config.name;
        if (cols > 1) name += ":" + (j < problem_.class_labels.size() ? problem_.class_labels[j] : std::to_string(j));
        names->push_back(std::move(name));
      }
    }
    *stacked = AppendStackFeatures(features.x(), inputs, problem_.task);
    return *stacked;
  }

  // k folds, each fold fit getting an equal share of what is left until
  // `deadline`; one fold per thread at a time while the fold copies of `x`
  // stay within kMaxConcurrentFoldBytes.
  BaggingOptions MakeBaggingOptions(Deadline deadline, const Matrix& x) const {
    BaggingOptions bagging;
    bagging.num_folds = validation_.num_folds;
    bagging.deadline = deadline;
    bagging.split_remaining_time = true;
    bagging.allow_own_oof = !holdout();
    const double fold_bytes = static_cast<double>(x.rows) * static_cast<double>(x.cols) * sizeof(float);
    const int by_memory = static_cast<int>(std::max(1.0, kMaxConcurrentFoldBytes / std::max(1.0, fold_bytes)));
    bagging.concurrent_folds = std::max(1, std::min({options_.threads, validation_.num_folds, by_memory}));
    return bagging;
  }

  FitOptions MakeFitOptions(const CandidateConfig& config, const std::vector<std::string>& names, uint64_t seed) {
    const EncodedFeatures& features = Encode(config.features);
    FitOptions fit;
    fit.task = problem_.task;
    fit.num_classes = problem_.num_outputs();
    fit.threads = options_.threads;
    fit.seed = seed;
    fit.categorical_features = &features.pipeline.categorical_feature_indices();
    fit.feature_names = &names;
    return fit;
  }

  // The encoded training matrix for a feature configuration, fitted once.
  const EncodedFeatures& Encode(const FeatureOptions& options) {
    std::string pid = PipelineId(options);
    auto enc = encoded_.find(pid);
    if (enc == encoded_.end()) {
      FeaturePipeline pipeline = FeaturePipeline::Fit(data_.features, columns_, options);
      const Json transforms = pipeline.ToJson().at("transforms");
      std::shared_ptr<const Matrix> x;
      for (const auto& [other_id, other] : encoded_) {
        if (other.pipeline.ToJson().at("transforms") == transforms) x = other.matrix;
      }
      if (x == nullptr) x = std::make_shared<const Matrix>(pipeline.Transform(data_.features, options_.threads));
      enc = encoded_.emplace(pid, EncodedFeatures{std::move(pipeline), std::move(x)}).first;
    }
    return enc->second;
  }

  const TrainingData& data_;
  const TrainerOptions& options_;
  const ProblemInfo& problem_;
  const std::vector<std::string>& columns_;
  LearnerRegistry learners_;
  FoldPlan validation_;
  Scorer scorer_;
  double reserve_ = 0;
  double refit_reserve_ = 0;
  std::map<std::string, EncodedFeatures> encoded_;
  std::vector<Candidate> done_;
  std::vector<LeaderboardRow> board_;
  std::map<std::string, double> family_cost_;  // measured seconds per unit of relative_cost
  double best_score_ = 0;
  std::string best_name_;
};

// Level-2 configurations: the strongest, cheapest families again, now seeing
// the level-1 predictions (AutoGluon's stack level).
// When the budget is small for the data the fast booster comes first here
// too: otherwise no level-2 booster fits in the time left (letter at 60 s
// stopped at 33 s with only a linear level-2 model).
std::vector<CandidateConfig> StackPortfolio(const DataShape& shape, const TrainerOptions& options) {
  std::vector<CandidateConfig> out;
  for (CandidateConfig c : DefaultPortfolio(shape)) {
    if (c.name != "XGBoostFast_1" && c.name != "LightGBMLike_1" && c.name != "XGBoost_2" && c.name != "Linear_1") {
      continue;
    }
    if (!ConfigAllowed(options, c)) continue;
    c.name += "_L2";
    out.push_back(std::move(c));
  }
  return out;
}

// The level-1 candidates whose OOF predictions feed level 2 (cheap-to-serve
// families only): the best of each family first (the diversity is what level 2 learns from; the top-n by score
// alone are often n variants of one booster), then the best of the rest, up
// to `n` in all.
std::vector<size_t> StackInputs(const std::vector<Candidate>& done, bool greater, size_t n,
                                const LearnerRegistry& learners) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < done.size(); ++i) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    return greater ? done[a].score > done[b].score : done[a].score < done[b].score;
  });
  // Families too costly to serve on every request as inputs stay out.
  idx.erase(std::remove_if(idx.begin(), idx.end(),
                           [&](size_t i) { return !learners.Get(done[i].config.family).stack_input; }),
            idx.end());
  std::vector<size_t> out;
  std::set<std::string> families;
  for (size_t i : idx) {
    if (out.size() < n && families.insert(done[i].config.family).second) out.push_back(i);
  }
  for (size_t i : idx) {
    if (out.size() < n && std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  return out;
}

}  // namespace

TrainResult TrainAutoML(const TrainingData& data, const TrainerOptions& options) {
  const Logger& log = options.logger;
  ProblemInfo problem = data.problem;
  const Table& table = data.features;
  const size_t rows = table.num_rows();
  if (rows < kMinTrainingRows) {
    throw InvalidInput(table.source() + ": need at least " + std::to_string(kMinTrainingRows) +
                       " rows with a target to train, got " + std::to_string(rows));
  }

  // 1. Columns worth using.
  ScreenResult screen = ScreenColumns(table, ScreenOptions{});
  for (const auto& [name, reason] : screen.dropped) log.Note("dropped column '" + name + "': " + reason);
  if (screen.kept.empty()) throw InvalidInput(table.source() + ": no usable feature columns left after screening");
  Schema input_schema;
  for (const std::string& name : screen.kept) input_schema.columns.push_back(*data.feature_schema.Find(name));

  const DataShape shape{problem.task, rows, screen.kept.size(), problem.num_outputs(),
                        options.deadline.bounded() ? options.deadline.Remaining() : 0.0};
  TrainingRun run(data, options, problem, screen.kept, shape);
  const bool greater = run.scorer().objective().greater_is_better();
  const int num_folds = run.num_folds();
  // Level 2 learns from OOF predictions of every row, which a holdout does not give.
  const bool stacking = options.stack_levels > 1 && rows >= kMinStackRows && !run.holdout();
  std::string validation_text = std::to_string(num_folds) + "-fold bagging";
  if (run.holdout()) {
    validation_text = "validated on a " + std::to_string(run.scored_rows()) + "-row holdout (1/" +
                      std::to_string(kHoldoutParts) + " of the rows" +
                      (options.num_folds == 1 ? std::string(")") : "; too large to bag in the budget)");
  }

  log.Info("training " + std::string(TaskName(problem.task)) + " model for '" + problem.target + "' on " +
           std::to_string(rows) + " rows x " + std::to_string(screen.kept.size()) + " columns; metric " +
           problem.metric + "; " + validation_text + (stacking ? " + stacking" : "") + "; " +
           std::to_string(options.threads) + " thread(s); time limit " +
           (options.deadline.bounded() ? FormatSeconds(options.time_limit_seconds) : std::string("none")));

  // 2. Level 1: the portfolio best-first, then random search while time remains.
  // With stacking, level 1 gets a share of the time and level 2 the rest.
  const Deadline level1 = stacking ? run.Usable().Sub(kLevel1Share * run.Usable().Remaining()) : run.Usable();
  std::vector<CandidateConfig> queue;
  for (auto& c : DefaultPortfolio(shape)) {
    if (ConfigAllowed(options, c)) queue.push_back(std::move(c));
  }
  const size_t portfolio_size = queue.size();
  std::mt19937_64 search_rng(options.seed ^ 0x5eedULL);
  int sampled = 0;
  std::vector<std::string> search_families;
  for (const char* f : {"xgboost", "mlp"}) {
    if (FamilyAllowed(options, f)) search_families.emplace_back(f);
  }
  // The search needs something to end it: the deadline or the model cap.
  const bool can_sample = !search_families.empty() && (options.deadline.bounded() || options.max_models > 0);
  // After the portfolio, the search alternates between another bag of the
  // best candidate (repeated bagging) and a new random configuration.
  int misses = 0;
  int search_step = 0;  // even steps: another bag; odd steps (or no bag to add): a new config
  uint64_t repeat_seed = options.seed * 7919ULL + 200000;
  const int level1_cap = run.Level1Cap(stacking);
  double search_cap = kMaxSearchShare * level1.Remaining();
  for (size_t i = 0;; ++i) {
    if (run.AtModelCap(level1_cap)) break;
    if (i >= queue.size()) {
      if (!can_sample || level1.Expired()) break;
      if (search_step++ % 2 == 0 && run.RepeatBest(1, level1, ++repeat_seed)) {
        --i;  // the queue did not grow: look at this index again
        continue;
      }
      queue.push_back(SampleConfig(shape, search_rng, ++sampled, search_families));
    }
    const CandidateConfig& config = queue[i];
    const bool first = run.done().empty();
    if (!first) {
      const double left = level1.Remaining();
      if (left <= 0.05) break;
      double estimate = run.Estimate(config);
      // After kMaxSearchMisses - 1 skips in a row the cap is lifted: a large
      // config that fits is better than leaving the time idle.
      const bool capped = i >= portfolio_size && misses < kMaxSearchMisses - 1;
      const double allowed = capped ? std::min(left, search_cap) : left;
      if (estimate > allowed) {
        log.Debug("skipping " + config.name + ": needs ~" + FormatSeconds(estimate) + ", may take " +
                  FormatSeconds(allowed) + " of the " + FormatSeconds(left) + " left");
        // Sampled configs differ in cost: give up only after several in a row do not fit.
        if (i >= portfolio_size && ++misses >= kMaxSearchMisses) break;
        continue;
      }
    }
    misses = 0;
    run.Fit(config, 1, {}, first ? run.Usable() : level1, options.seed * 7919ULL + i);
  }
  if (run.done().empty()) throw Internal("no model could be trained (see the warnings above)");

  // 3. Level 2: models that also see the best level-1 models' OOF predictions.
  if (stacking && run.done().size() >= 2) {
    const std::vector<size_t> inputs = StackInputs(run.done(), greater, kMaxStackInputs, run.learners());
    std::vector<CandidateConfig> stack_queue = StackPortfolio(shape, options);
    search_cap = kMaxSearchShare * run.Usable().Remaining();
    const size_t stack_portfolio_size = stack_queue.size();
    misses = 0;
    search_step = 0;
    for (size_t i = 0;; ++i) {
      if (run.AtModelCap()) break;
      if (i >= stack_queue.size()) {
        // Time left after the stack portfolio goes to more bags and more level-2 search.
        if (!can_sample || run.Usable().Expired()) break;
        if (search_step++ % 2 == 0 && run.RepeatBest(2, run.Usable(), ++repeat_seed)) {
          --i;
          continue;
        }
        CandidateConfig c = SampleConfig(shape, search_rng, ++sampled, search_families);
        c.name += "_L2";
        stack_queue.push_back(std::move(c));
      }
      const CandidateConfig& config = stack_queue[i];
      const Deadline usable = run.Usable();
      double estimate = run.Estimate(config) * 1.2;  // stack features make fits a little slower
      if (usable.Remaining() <= 0.05) break;
      const bool capped = i >= stack_portfolio_size && misses < kMaxSearchMisses - 1;
      const double allowed = capped ? std::min(usable.Remaining(), search_cap) : usable.Remaining();
      if (estimate > allowed) {
        log.Debug("skipping " + config.name + ": needs ~" + FormatSeconds(estimate) + ", may take " +
                  FormatSeconds(allowed) + " of the " + FormatSeconds(usable.Remaining()) + " left");
        if (i >= stack_portfolio_size && ++misses >= kMaxSearchMisses) break;
        continue;
      }
      misses = 0;
      run.Fit(config, 2, inputs, usable, options.seed * 7919ULL + 100000 + i);
    }
  }

  // 4. Weighted greedy ensemble over the OOF predictions of every level.
  std::vector<Candidate>& done = run.done();
  std::vector<LeaderboardRow>& board = run.board();
  const Scorer& scorer = run.scorer();
  std::vector<const Matrix*> oofs;
  for (const auto& c : done) oofs.push_back(&c.fit.oof);
  EnsembleSelectionOptions es;
  es.rounds = options.ensemble_rounds;
  EnsembleSelectionResult selection = SelectEnsemble(
      oofs, [&](const float* pred) { return scorer.SelectionLoss(pred); }, es);
  const size_t k = static_cast<size_t>(problem.num_outputs());
  Matrix ensemble_oof(run.scored_rows(), k, 0.0f);
  for (size_t m = 0; m < done.size(); ++m) {
    double w = selection.weights[m];
    if (w <= 0) continue;
    for (size_t j = 0; j < ensemble_oof.values.size(); ++j)
      ensemble_oof.values[j] += static_cast<float>(w * done[m].fit.oof.values[j]);
  }
  double threshold = 0.5;
  double ensemble_score = scorer.Score(ensemble_oof, &threshold);
  problem.threshold = threshold;

  // 5. The bundle: members with weight, plus the level-1 members they stack on.
  std::set<std::string> needed;
  for (size_t m = 0; m < done.size(); ++m) {
    board[done[m].leaderboard_row].ensemble_weight = selection.weights[m];
    if (selection.weights[m] <= 0) continue;
    needed.insert(done[m].config.name);
    for (const std::string& input : done[m].stack_inputs) needed.insert(input);
  }
  size_t refitted = 0;
  if (options.refit_full) {
    // One member per thread at a time, as with folds (level 2 refits on the
    // level-1 OOF predictions, so the levels do not wait for each other).
    std::vector<size_t> members;
    for (size_t m = 0; m < done.size(); ++m) {
      if (needed.count(done[m].config.name)) members.push_back(m);
    }
    const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(options.threads), members.size()));
    const int threads_each = std::max(1, options.threads / std::max(1, workers));
    const Deadline deadline = run.RefitDeadline();
    std::vector<char> ok(members.size(), 0);
    ParallelFor(members.size(), workers, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) {
        ok[i] = run.Refit(members[i], deadline, options.seed * 7919ULL + 300000 + members[i], threads_each) ? 1 : 0;
      }
    });
    for (char r : ok) refitted += r ? 1 : 0;
    log.Info("[" + FormatSeconds(options.deadline.Elapsed()) + "] refitted " + std::to_string(refitted) + " of " +
             std::to_string(members.size()) + " ensemble members on all rows");
  }
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
  for (int level = 1; level <= 2; ++level) {
    for (size_t m = 0; m < done.size(); ++m) {
      Candidate& c = done[m];
      if (c.level != level || !needed.count(c.config.name)) continue;
      std::string pid = PipelineId(c.config.features);
      if (!bundle.pipelines.count(pid)) bundle.pipelines.emplace(pid, run.encoded().at(pid).pipeline);
      BundleMember member;
      member.name = c.config.name;
      member.family = c.config.family;
      const Json& row_info = board[c.leaderboard_row].info;
      member.params = row_info.contains("refit") ? row_info.at("refit").at("params") : board[c.leaderboard_row].params;
      member.params.erase("stack_inputs");
      member.pipeline = pid;
      member.weight = selection.weights[m];
      member.level = c.level;
      member.stack_inputs = c.stack_inputs;
      // A bagged level-2 member's fold models see their inputs' fold models
      // at predict time, as its training rows saw out-of-fold predictions.
      if (!c.stack_inputs.empty() && num_folds > 1 && !row_info.contains("refit")) {
        member.stack_input_folds = num_folds;
      }
      member.folds = std::move(c.fit.folds);
      bundle.members.push_back(std::move(member));
      ens.fit_seconds += c.fit.fit_seconds;
      ens.predict_ms_per_1k += c.fit.predict_ms_per_1k;
      if (selection.weights[m] > 0) members[c.config.name] = selection.weights[m];
    }
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
                         {"best_single_model", run.best_name()},
                         {"best_single_oof_score", run.best_score()},
                         {"candidates_trained", done.size()},
                         {"num_folds", num_folds},
                         {"validation", run.holdout() ? "holdout" : "bagging"},
                         {"scored_rows", run.scored_rows()},
                         {"stacking", stacking},
                         {"refit_full", options.refit_full},
                         {"members_refitted", refitted},
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
