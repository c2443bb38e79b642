#include "automl/training_run.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "automl/bagging.h"
#include "automl/fit_memory_plan.h"
#include "automl/folds.h"
#include "automl/model_spill.h"
#include "core/process_memory.h"
#include "model/stacking.h"
#include "predict/predict_cost.h"

namespace tabpilot {
namespace {

// Without a memory limit: what the folds fitted at once may hold together.
constexpr double kMaxConcurrentFoldBytes = 2e9;

std::string ScoreText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5f", v);
  return buf;
}

}  // namespace

double TrainingRun::FoldPredictCost(const Model& fold, const std::string& family, const Matrix& x) const {
  PredictCostOptions timing;
  timing.threads = options_.threads;
  timing.deadline = options_.deadline;
  return ModelMicrosPerRow(fold, family, x.SelectRows(CostRowIndices(x.rows)), timing);
}

TrainingRun::TrainingRun(const TrainingData& data, const TrainerOptions& options, const LearnerRegistry& learners,
                         std::vector<std::string> columns, FoldPlan fold_plan)
    : data_(data),
      options_(options),
      learners_(learners),
      fold_plan_(std::move(fold_plan)),
      scorer_(data.problem, fold_plan_.holdout() ? fold_plan_.scored_y : data.y),
      features_(data.features, std::move(columns), options.threads) {
  for (const auto& f : options.families) learners_.Get(f);  // unknown family -> clear error now
}

double TrainingRun::Estimate(const CandidateConfig& config) const {
  auto it = family_cost_.find(config.family);
  double unit = it != family_cost_.end() ? it->second : 0;
  if (unit == 0) {
    for (const auto& [f, u] : family_cost_) unit = std::max(unit, u);
  }
  return unit * config.relative_cost;
}

std::string TrainingRun::Clock(bool with_remaining) const {
  std::string out = "[" + FormatSeconds(options_.deadline.Elapsed());
  if (with_remaining && options_.deadline.bounded())
    out += ", " + FormatSeconds(options_.deadline.Remaining()) + " left";
  return out + "] ";
}

LeaderboardRow TrainingRun::NewRow(const CandidateConfig& config) const {
  LeaderboardRow row;
  row.model = config.name;
  row.family = config.family;
  row.metric = problem().metric;
  row.greater_is_better = scorer_.objective().greater_is_better();
  row.folds = fold_plan_.num_folds;
  return row;
}

bool TrainingRun::Fit(const CandidateConfig& asked, int level, const std::vector<size_t>& stack_inputs,
                      Deadline deadline, uint64_t seed) {
  const bool first = done_.empty();
  const Logger& log = options_.logger;
  LeaderboardRow row = NewRow(asked);
  try {
    CandidateConfig config = asked;
    std::unique_ptr<Learner> learner = learners_.Create(config.family, config.params);
    // Past the run's first candidate, a config that cannot fit in what --memory-limit leaves is
    // skipped: its row says so (fit_memory_plan.h).
    const auto over_memory = [&](const std::string& what, double bytes) {
      row.params = learner->params().values();
      row.status = "over_memory_limit";
      board_.push_back(row);
      log.Info(Clock(true) + "skipping " + config.name + ": its " + what + " needs ~" + FormatGigabytes(bytes) +
               ", more than --memory-limit " + FormatGigabytes(options_.memory_limit_bytes) + " leaves");
      return false;
    };
    // An encoding not built yet (the dense one-hot matrix, most often) is planned before it exists.
    const double encoding = features_.PendingBytes(config.features);
    if (!first && options_.memory_limit_bytes > 0 &&
        encoding > options_.memory_limit_bytes - static_cast<double>(ResidentBytes())) {
      return over_memory("encoding of the rows", encoding);
    }
    Matrix stacked;
    std::vector<std::string> names;
    const Matrix& x = Inputs(config, stack_inputs, &stacked, &names);
    const FitMemoryPlan memory = PlanMemory(config, *learner, x);
    if (!memory.fits && !first) return over_memory("fit", memory.fit_bytes);
    // The run's first candidate is fitted anyway, at its smallest (a model must come out, as
    // the time budget has it; train refused a limit below the smallest search before).
    if (!memory.fits) {
      log.Info(Clock(true) + config.name + ": its fit needs ~" + FormatGigabytes(memory.fit_bytes) +
               ", more than --memory-limit " + FormatGigabytes(options_.memory_limit_bytes) +
               " leaves; fitted at its smallest as the run's first model");
    }
    if (memory.cut) {
      const LearnerRegistry::Entry& entry = learners_.Get(config.family);
      log.Info(Clock(true) + config.name + ": " + entry.count_param + " " + std::to_string(memory.count) +
               " instead of " + std::to_string(learner->params().Int(entry.count_param)) +
               ", as many as fit in what --memory-limit leaves (~" + FormatGigabytes(memory.fit_bytes) + ")");
      config.params[entry.count_param] = memory.count;
      learner = learners_.Create(config.family, config.params);
    }
    row.params = learner->params().values();
    std::vector<std::string> input_names;
    for (size_t i : stack_inputs) input_names.push_back(done_[i].config.name);
    if (!input_names.empty()) row.params["stack_inputs"] = input_names;
    FitOptions fit = MakeFitOptions(config, names, seed);
    BaggingOptions bagging = MakeBaggingOptions(deadline, x, memory);
    bagging.must_complete = first;
    Stopwatch clock;
    BaggedFit bag = FitBagged(*learner, x, data_.y, fold_plan_.folds, fit, bagging);
    double seconds = clock.Seconds();
    row.fit_seconds = bag.fit_seconds;
    row.info = Json{{"level", level}, {"folds", bag.info}};
    if (bag.own_oof) row.folds = 1;
    if (!bag.complete) {
      row.status = "timeout";
      board_.push_back(row);
      log.Info(Clock(false) + config.name + ": out of time");
      return false;
    }
    family_cost_[config.family] = seconds / config.relative_cost;
    // A holdout scores (and ensembles) its held-out rows only.
    if (holdout()) bag.oof = bag.oof.SelectRows(fold_plan_.scored_rows);
    Candidate c{config, std::move(bag), 0, 0, level, input_names, stack_inputs, 1, seconds, 0.0, nullptr};
    c.fold_predict_us = FoldPredictCost(*c.fit.folds.front(), config.family, x);
    SpillModels(std::move(learner), &c.fit.folds, 0);
    c.score = scorer_.Score(c.fit.oof);
    row.score_val = c.score;
    c.leaderboard_row = board_.size();
    board_.push_back(row);
    done_.push_back(std::move(c));
    UpdateBest();
    log.Info(Clock(true) + std::to_string(done_.size()) + " done: " + config.name + " " + problem().metric + "=" +
             ScoreText(row.score_val) + " (fit " + FormatSeconds(row.fit_seconds) + "); best " + best_name_ + " " +
             ScoreText(best_score_));
    return true;
  } catch (const std::exception& e) {
    row.status = std::string("error: ") + e.what();
    board_.push_back(row);
    log.Warn(asked.name + " failed: " + e.what());
    return false;
  }
}

bool TrainingRun::RepeatBest(int level, Deadline deadline, uint64_t seed) {
  if (holdout()) return false;  // the point of a holdout is one fit per candidate
  size_t best = done_.size();
  for (size_t i = 0; i < done_.size(); ++i) {
    const Candidate& c = done_[i];
    if (c.level != level || c.bags >= kMaxBags || !learners_.Get(c.config.family).repeat_bags) continue;
    if (best == done_.size() || scorer_.Better(c.score, done_[best].score)) best = i;
  }
  if (best == done_.size() || done_[best].bag_seconds > deadline.Remaining()) return false;
  return Repeat(best, deadline, seed);
}

bool TrainingRun::Repeat(size_t index, Deadline deadline, uint64_t seed) {
  Candidate& c = done_[index];
  const Logger& log = options_.logger;
  try {
    std::unique_ptr<Learner> learner = learners_.Create(c.config.family, c.config.params);
    Matrix stacked;
    std::vector<std::string> names;
    const Matrix& x = Inputs(c.config, c.input_index, &stacked, &names);
    FitOptions fit = MakeFitOptions(c.config, names, seed);
    const BaggingOptions bagging = MakeBaggingOptions(deadline, x, PlanMemory(c.config, *learner, x));
    const std::vector<int> folds =
        AssignFolds(data_.y, fold_plan_.num_folds,
                    options_.seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(c.bags), data_.groups);
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
    const size_t first_new = c.fit.folds.size();
    for (auto& m : bag.folds) c.fit.folds.push_back(std::move(m));
    SpillModels(std::move(learner), &c.fit.folds, first_new);
    for (auto& info : bag.info) c.fit.info.push_back(std::move(info));
    c.fit.fit_seconds += bag.fit_seconds;
    c.bags += 1;
    c.bag_seconds = clock.Seconds();
    c.score = scorer_.Score(c.fit.oof);
    LeaderboardRow& row = board_[c.leaderboard_row];
    row.score_val = c.score;
    row.fit_seconds = c.fit.fit_seconds;
    row.folds = fold_plan_.num_folds * c.bags;
    row.info["folds"] = c.fit.info;
    row.info["bags"] = c.bags;
    UpdateBest();
    log.Info(Clock(true) + "bag " + std::to_string(c.bags) + " of " + c.config.name + ": " + problem().metric + "=" +
             ScoreText(c.score) + " (fit " + FormatSeconds(bag.fit_seconds) + "); best " + best_name_ + " " +
             ScoreText(best_score_));
    return true;
  } catch (const std::exception& e) {
    log.Warn(c.config.name + ": another bag failed: " + e.what());
    return false;
  }
}

void TrainingRun::SpillModels(std::unique_ptr<Learner> learner, std::vector<std::unique_ptr<Model>>* folds,
                              size_t first) const {
  if (!options_.model_spill) return;
  FitOptions load;
  load.task = problem().task;
  load.num_classes = problem().num_outputs();
  const std::shared_ptr<const Learner> shared(std::move(learner));
  for (size_t i = first; i < folds->size(); ++i) {
    (*folds)[i] = options_.model_spill->Spill(std::move((*folds)[i]), shared, load);
  }
  // The fits' working memory and the models just written out go back to the system, so the
  // next plan against --memory-limit reads what the process holds.
  ReleaseFreedMemory();
}

void TrainingRun::ReleaseModelsExcept(const std::set<std::string>& keep) {
  for (Candidate& c : done_) {
    if (keep.count(c.config.name)) continue;
    c.fit.folds.clear();
    c.fit.folds.shrink_to_fit();
    c.full.reset();
  }
}

void TrainingRun::UpdateBest() {
  for (size_t i = 0; i < done_.size(); ++i) {
    const double s = done_[i].score;
    if (i == 0 || scorer_.Better(s, best_score_)) {
      best_score_ = s;
      best_name_ = done_[i].config.name;
    }
  }
}

const Matrix& TrainingRun::Inputs(const CandidateConfig& config, const std::vector<size_t>& stack_inputs,
                                  Matrix* stacked, std::vector<std::string>* names) {
  const EncodedFeatures& features = features_.Encode(config.features);
  *names = features.pipeline.feature_names();
  if (stack_inputs.empty()) return features.x();
  const ProblemInfo& p = problem();
  std::vector<const Matrix*> inputs;
  for (size_t i : stack_inputs) {
    const Matrix& oof = done_[i].fit.oof;
    inputs.push_back(&oof);
    // One name per appended column: multiclass inputs add every class.
    const size_t cols = StackColumns(p.task, oof.cols);
    for (size_t j = 0; j < cols; ++j) {
      std::string name = "stack:" + done_[i].config.name;
      if (cols > 1) name += ":" + (j < p.class_labels.size() ? p.class_labels[j] : std::to_string(j));
      names->push_back(std::move(name));
    }
  }
  *stacked = AppendStackFeatures(features.x(), inputs, p.task);
  return *stacked;
}

bool TrainingRun::OwnOof(const Learner& learner) const {
  // Not with row groups either: a bootstrap draws rows, so a row's out-of-bag trees saw its
  // group's other rows (Adult copied 30 times: out-of-bag F1 0.784, on group folds 0.678).
  return !holdout() && data_.groups.empty() && learner.has_own_oof();
}

// One fit per fold on (k-1)/k of the rows (a fit that is its own out-of-fold: one on every
// row), against what --memory-limit leaves beside the process's resident memory (without a
// limit, kMaxConcurrentFoldBytes for the folds fitted at once). Fits a farm's worker ranks
// run (fold_executor.h) are not this process's memory: nothing is cut or skipped for them.
FitMemoryPlan TrainingRun::PlanMemory(const CandidateConfig& config, const Learner& learner, const Matrix& x) const {
  const bool own_oof = OwnOof(learner);
  const int k = std::max(2, fold_plan_.num_folds);
  const size_t rows = own_oof ? x.rows : x.rows - x.rows / static_cast<size_t>(k);
  const bool limited = options_.memory_limit_bytes > 0 && options_.fold_executor == nullptr;
  const double room =
      limited ? options_.memory_limit_bytes - static_cast<double>(ResidentBytes()) : kMaxConcurrentFoldBytes;
  const int fits = own_oof ? 1 : fold_plan_.num_folds;
  return PlanFitMemory(learners_.Get(config.family), learner.params(), rows, x.cols, problem().num_outputs(), fits,
                       options_.threads, room, limited);
}

// k folds, each fold fit getting an equal share of what is left until
// `deadline`; `memory.concurrent_folds` at a time.
BaggingOptions TrainingRun::MakeBaggingOptions(Deadline deadline, const Matrix& x, const FitMemoryPlan& memory) {
  BaggingOptions bagging;
  bagging.num_folds = fold_plan_.num_folds;
  bagging.deadline = deadline;
  bagging.split_remaining_time = true;
  bagging.allow_own_oof = !holdout() && data_.groups.empty();
  bagging.executor = options_.fold_executor;
  bagging.journal = options_.journal;
  bagging.concurrent_folds = memory.concurrent_folds;
  if (bagging.executor == nullptr && memory.capped && options_.memory_limit_bytes > 0 && !told_fold_memory_) {
    told_fold_memory_ = true;
    char line[240];
    std::snprintf(line, sizeof line,
                  "fitting %d fold(s) at a time, not one a thread: --memory-limit leaves room for no more fits of "
                  "%s rows (~%s each)",
                  bagging.concurrent_folds, FormatCount(x.rows).c_str(), FormatGigabytes(memory.fit_bytes).c_str());
    options_.logger.Info(Clock(false) + line);
  }
  return bagging;
}

FitOptions TrainingRun::MakeFitOptions(const CandidateConfig& config, const std::vector<std::string>& names,
                                       uint64_t seed) {
  const EncodedFeatures& features = features_.Encode(config.features);
  FitOptions fit;
  fit.task = problem().task;
  fit.num_classes = problem().num_outputs();
  fit.threads = options_.threads;
  fit.seed = seed;
  fit.categorical_features = &features.pipeline.categorical_feature_indices();
  fit.feature_names = &names;
  return fit;
}

}  // namespace tabpilot
