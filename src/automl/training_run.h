// One training run's shared state and the operations on one candidate:
// fit it with k-fold bagging (level 1, or level 2 on level-1 OOF
// predictions), add another bag, estimate what a config will cost. The
// search (candidate_search.h), the ensemble (ensemble_choice.h), refitting
// (member_refit.h) and the bundle (bundle_assembly.h) are phases that work
// on a TrainingRun.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "automl/bagging.h"
#include "automl/feature_cache.h"
#include "automl/fit_memory_plan.h"
#include "automl/fold_plan.h"
#include "automl/leaderboard.h"
#include "automl/oof_scorer.h"
#include "automl/portfolio.h"
#include "automl/problem.h"
#include "automl/trainer_options.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// Bags (k-fold fits on different fold splits) a candidate may get in all:
// repeated bagging averages out the fold split's noise in the OOF predictions
// and the fold models (AutoGluon's num_bag_sets), at a cost of one more bag's
// fit time and serving time each.
inline constexpr int kMaxBags = 3;

// A candidate that finished all its folds.
struct Candidate {
  CandidateConfig config;
  BaggedFit fit;     // oof: the scored rows only (all rows, or a holdout's held-out rows)
  double score = 0;  // objective metric on OOF (threshold tuned for binary threshold metrics)
  size_t leaderboard_row = 0;
  int level = 1;
  std::vector<std::string> stack_inputs;  // level 2: names of the level-1 candidates it stacks on
  std::vector<size_t> input_index;        // level 2: their indices in the run's done list
  int bags = 1;                           // fold splits fitted (see kMaxBags)
  double bag_seconds = 0;                 // wall time of the last bag
  // Its first fold model's predict time in the compiled engine, microseconds
  // per row on kCostRows of its training inputs with the run's threads
  // (predict/predict_cost.h), timed after its fit: what inference_cost.h
  // estimates its deployed cost from.
  double fold_predict_us = 0;
  // Its model refit on every training row (member_refit.h), beside its fold
  // models; null when it was not refit.
  std::unique_ptr<Model> full;
};

class TrainingRun {
 public:
  // `data`, `options` and `learners` are not copied and must outlive the
  // run. `columns`: the screened input columns; `fold_plan`: how candidates
  // are validated. Throws InvalidInput when options.families names a family
  // `learners` does not have.
  TrainingRun(const TrainingData& data, const TrainerOptions& options, const LearnerRegistry& learners,
              std::vector<std::string> columns, FoldPlan fold_plan);
  TrainingRun(const TrainingRun&) = delete;
  TrainingRun& operator=(const TrainingRun&) = delete;

  const TrainingData& data() const { return data_; }
  const ProblemInfo& problem() const { return data_.problem; }
  const TrainerOptions& options() const { return options_; }
  const LearnerRegistry& learners() const { return learners_; }
  const FoldPlan& fold_plan() const { return fold_plan_; }
  int num_folds() const { return fold_plan_.num_folds; }
  bool holdout() const { return fold_plan_.holdout(); }
  // Rows the OOF predictions, scores and ensemble cover.
  size_t scored_rows() const { return holdout() ? fold_plan_.scored_rows.size() : data_.y.size(); }
  // The scored rows' targets (the rows of every candidate's OOF predictions).
  const std::vector<float>& scored_y() const { return holdout() ? fold_plan_.scored_y : data_.y; }
  const OofScorer& scorer() const { return scorer_; }
  FeatureCache& features() { return features_; }
  const FeatureCache& features() const { return features_; }
  // Candidates that completed, in the order they were fitted.
  std::vector<Candidate>& done() { return done_; }
  const std::vector<Candidate>& done() const { return done_; }
  // One row per candidate tried (completed, timed out or failed), in that order.
  std::vector<LeaderboardRow>& board() { return board_; }
  const std::vector<LeaderboardRow>& board() const { return board_; }
  const std::string& best_name() const { return best_name_; }
  double best_score() const { return best_score_; }

  // Whether `cap` candidates (leaderboard rows) have been tried; 0 = no cap.
  bool AtModelCap(int cap) const { return cap > 0 && board_.size() >= static_cast<size_t>(cap); }
  // Estimated seconds for a config, from what its family cost so far (a
  // family not yet measured: the dearest measured one; 0 = nothing measured).
  double Estimate(const CandidateConfig& config) const;

  // Fits `config` with bagging until `deadline` (the first candidate of the
  // run always completes) and puts its row on the leaderboard ("ok",
  // "timeout", "over_memory_limit" or "error: ..."). Under --memory-limit a
  // family with a count parameter (a forest's trees) may fit fewer than the
  // config asks, and the candidate keeps the config it was fitted with
  // (fit_memory_plan.h). Level-2 candidates get the OOF predictions of
  // done()[stack_inputs] appended to their features. Returns false when it
  // did not produce a candidate.
  bool Fit(const CandidateConfig& config, int level, const std::vector<size_t>& stack_inputs, Deadline deadline,
           uint64_t seed);
  // Another bag for the best candidate of `level` whose family repeats bags
  // (LearnerRegistry::Entry::repeat_bags) and that has fewer than kMaxBags,
  // if its last bag's time fits before `deadline`. Never with a holdout.
  // Returns true when a bag was added.
  bool RepeatBest(int level, Deadline deadline, uint64_t seed);
  // Fits candidate `index` again on a new fold split and averages it in: its
  // OOF predictions become the mean over its bags and the new fold models join
  // the old. When the deadline cuts the bag short the candidate is unchanged
  // and false is returned.
  bool Repeat(size_t index, Deadline deadline, uint64_t seed);

  // The training matrix of `config`: its encoding, plus at level 2 the OOF
  // predictions of done()[stack_inputs] (built in `stacked`). `names` gets
  // the matrix's column names. The returned reference is to `*stacked` or
  // to the feature cache.
  const Matrix& Inputs(const CandidateConfig& config, const std::vector<size_t>& stack_inputs, Matrix* stacked,
                       std::vector<std::string>* names);
  // Fit options for `config` on a matrix with column `names` (kept by
  // reference: `names` must outlive the fit); every thread of the run.
  FitOptions MakeFitOptions(const CandidateConfig& config, const std::vector<std::string>& names, uint64_t seed);

  // Frees the models of the candidates not named in `keep` (the ensemble
  // chose them out: only their leaderboard rows, scores and OOF predictions
  // are used from here on), before a refit on a large table needs the memory.
  void ReleaseModelsExcept(const std::set<std::string>& keep);

  // "[12.3s, 40.1s left] " style prefix for progress lines.
  std::string Clock(bool with_remaining) const;

 private:
  // Replaces (*folds)[first..] by models kept on disk (options().model_spill;
  // nothing without one), which `learner` loads back when they predict.
  void SpillModels(std::unique_ptr<Learner> learner, std::vector<std::unique_ptr<Model>>* folds, size_t first) const;
  // Whether `learner`'s fit is its own out-of-fold here (one fit, no folds).
  bool OwnOof(const Learner& learner) const;
  // `config`'s fits on `x` planned against --memory-limit (fit_memory_plan.h).
  FitMemoryPlan PlanMemory(const CandidateConfig& config, const Learner& learner, const Matrix& x) const;
  // Not const: says once when the memory limit caps the folds fitted at once.
  BaggingOptions MakeBaggingOptions(Deadline deadline, const Matrix& x, const FitMemoryPlan& memory);
  // Candidate::fold_predict_us of `fold` (of `family`) on rows of `x`.
  double FoldPredictCost(const Model& fold, const std::string& family, const Matrix& x) const;
  LeaderboardRow NewRow(const CandidateConfig& config) const;
  void UpdateBest();

  const TrainingData& data_;
  const TrainerOptions& options_;
  const LearnerRegistry& learners_;
  FoldPlan fold_plan_;
  OofScorer scorer_;
  FeatureCache features_;
  std::vector<Candidate> done_;
  std::vector<LeaderboardRow> board_;
  std::map<std::string, double> family_cost_;  // measured seconds per unit of relative_cost
  double best_score_ = 0;
  std::string best_name_;
  bool told_fold_memory_ = false;
};

}  // namespace tabpilot
