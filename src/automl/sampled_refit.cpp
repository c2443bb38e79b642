#include "automl/sampled_refit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include "automl/held_out_ensemble.h"
#include "automl/search_sample.h"
#include "automl/table_row_blocks.h"
#include "core/process_memory.h"
#include "learners/early_stopping_loss.h"

namespace tabpilot {
namespace {

// How much faster a fit on every thread runs than on one (the sample's folds
// ran one thread each): boosting's histogram building parallelizes well on
// large data, not perfectly.
double ThreadSpeedup(int threads) { return std::max(1.0, 0.8 * static_cast<double>(std::max(1, threads))); }

// Seconds the member's refit on `rows` rows should take: its mean fold fit,
// scaled from the fold's training rows to `rows` and to every thread.
double RefitEstimate(const TrainingRun& run, const Candidate& c, size_t rows) {
  const size_t folds = std::max<size_t>(1, c.fit.folds.size());
  const double fold_seconds = c.fit.fit_seconds / static_cast<double>(folds);
  const int k = std::max(2, run.num_folds());
  const double fold_rows =
      static_cast<double>(run.data().y.size()) * (run.holdout() ? 0.9 : static_cast<double>(k - 1) / k);
  return fold_seconds * static_cast<double>(rows) / std::max(1.0, fold_rows) / ThreadSpeedup(run.options().threads);
}

// The early-stopping loss (logloss, or RMSE for regression) of the mean of
// `models` on `valid` (a binary model's second column is P(class 1)).
double ModelLoss(const std::vector<const Model*>& models, const std::string& family, const TrainData& valid,
                 const ProblemInfo& problem, int threads) {
  const Matrix mean = MeanPrediction(models, family, *valid.x, threads);
  if (problem.task == Task::kBinary) {
    std::vector<float> positive(mean.rows);
    for (size_t r = 0; r < mean.rows; ++r) positive[r] = mean.at(r, 1);
    return EarlyStoppingLoss(positive.data(), valid, problem.task, problem.num_outputs());
  }
  return EarlyStoppingLoss(mean.values.data(), valid, problem.task, problem.num_outputs());
}

// Fits candidate `index` on `train_rows` of `all` (read a block at a time),
// early-stopped on the held-out rows, into Candidate::full, when it does
// better than the candidate's sample fold models there.
bool RefitOne(TrainingRun& run, size_t index, const TrainingData& all, const RefitRows& split,
              const std::vector<size_t>& train_rows, Deadline deadline, double estimate) {
  Candidate& c = run.done()[index];
  const Logger& log = run.options().logger;
  const int threads = run.options().threads;
  try {
    LeaderboardRow& row = run.board()[c.leaderboard_row];
    std::unique_ptr<Learner> learner = run.learners().Create(c.config.family, c.config.params);
    const FeaturePipeline& pipeline = run.features().Encode(c.config.features).pipeline;
    FitOptions fit =
        run.MakeFitOptions(c.config, pipeline.feature_names(), run.options().seed * 7919ULL + 400000 + index);
    fit.deadline = deadline;
    const Matrix held_x = pipeline.Transform(all.features.SelectRows(split.held_out), threads);
    const TrainData held{&held_x, &split.held_out_y, nullptr};
    std::vector<float> train_y;
    train_y.reserve(train_rows.size());
    for (size_t r : train_rows) train_y.push_back(all.y[r]);
    Stopwatch clock;
    std::unique_ptr<Model> model;
    if (learner->takes_row_view()) {
      const TableRowBlocks blocks(all.features, pipeline, &train_rows, threads);
      TrainData train;
      train.y = &train_y;
      train.blocks = &blocks;
      model = learner->Fit(train, &held, fit);
    } else {
      // The network and linear models read a dense matrix: the rows' copy, as many as the
      // time and memory allowed (RowsWithinMemory).
      const Matrix x = pipeline.Transform(all.features.SelectRows(train_rows), threads);
      const TrainData train{&x, &train_y, nullptr};
      model = learner->Fit(train, &held, fit);
    }
    const double seconds = clock.Seconds();
    std::vector<const Model*> folds;
    for (const auto& f : c.fit.folds) folds.push_back(f.get());
    const double refit_loss = ModelLoss({model.get()}, c.config.family, held, run.problem(), threads);
    const double sample_loss = ModelLoss(folds, c.config.family, held, run.problem(), threads);
    c.fit.fit_seconds += seconds;
    row.fit_seconds = c.fit.fit_seconds;
    row.info["refit"] = Json{{"params", learner->params().values()},
                             {"rows", train_rows.size()},
                             {"held_out_rows", split.held_out.size()},
                             {"held_out_loss", refit_loss},
                             {"sample_models_held_out_loss", sample_loss},
                             {"fit_seconds", seconds},
                             {"estimated_seconds", estimate},
                             {"info", model->Info()}};
    const std::string losses = " (held-out loss " + std::to_string(refit_loss) + " vs " + std::to_string(sample_loss) +
                               " for its sample models; " + FormatSeconds(seconds) + ")";
    if (!(refit_loss <= sample_loss)) {
      row.info["refit"]["served"] = false;
      log.Info(run.Clock(true) + c.config.name + ": the refit on " + std::to_string(train_rows.size()) +
               " rows did worse" + losses + ", serving its sample models");
      return false;
    }
    row.info["refit"]["served"] = true;
    c.full = std::move(model);
    log.Info(run.Clock(true) + "refitted " + c.config.name + " on " + std::to_string(train_rows.size()) + " of " +
             std::to_string(all.y.size()) + " rows" + losses);
    return true;
  } catch (const std::exception& e) {
    log.Warn(c.config.name + ": refit on more rows failed, serving its sample models: " + e.what());
    return false;
  }
}

// The members of `run` worth refitting (needed, level 1, not fitted once for
// their own OOF, of a family whose models do not grow with their rows), with
// their claims on the refit time (RefitClaims), largest first.
std::vector<RefitClaim> RefitCandidates(const TrainingRun& run, const std::set<std::string>& needed,
                                        const std::vector<double>& weights) {
  std::vector<size_t> members;
  std::vector<std::string> families;
  std::vector<double> member_weights;
  for (size_t m = 0; m < run.done().size(); ++m) {
    const Candidate& c = run.done()[m];
    if (!needed.count(c.config.name)) continue;
    if (c.level != 1 || c.fit.own_oof || run.learners().Get(c.config.family).grows_with_rows) {
      run.options().logger.Debug(c.config.name + ": keeps its models fitted on the sample");
      continue;
    }
    members.push_back(m);
    families.push_back(c.config.family);
    member_weights.push_back(weights[m]);
  }
  std::vector<RefitClaim> claims = RefitClaims(families, member_weights);
  for (RefitClaim& c : claims) c.member = members[c.member];
  return claims;
}

// Rows a refit of `cols` encoded columns may take within --memory-limit,
// beside what the process holds now (no limit: every row). `dense`: the
// learner reads a copy of the rows (the table's and the encoded ones).
size_t RowsWithinMemory(const TrainingRun& run, size_t cols, bool dense) {
  const double limit = run.options().memory_limit_bytes;
  if (!(limit > 0)) return std::numeric_limits<size_t>::max();
  const double room = limit - static_cast<double>(ResidentBytes()) - kRefitFixedBytes -
                      kRefitBytesPerColumn * static_cast<double>(cols);
  if (room <= 0) return 0;
  const double per_row =
      dense ? kDenseRefitBytesPerCell * static_cast<double>(cols) +
                  kDenseRefitTableBytesPerCell * static_cast<double>(run.data().features.num_columns()) +
                  kRefitBytesPerRow
            : kRefitBytesPerCell * static_cast<double>(cols) + kRefitBytesPerRow;
  return static_cast<size_t>(room / per_row);
}

}  // namespace

std::vector<char> RefitsWithinShares(const std::vector<double>& claims, const std::vector<double>& least_seconds,
                                     double remaining) {
  std::vector<char> within(claims.size(), 1);
  // Drops the member whose share falls furthest short of its least refit, one at a time
  // (dropping one grows the others' shares), until every share holds its least refit.
  while (true) {
    double total = 0;
    for (size_t j = 0; j < claims.size(); ++j) total += within[j] ? claims[j] : 0.0;
    const auto kept = static_cast<double>(std::count(within.begin(), within.end(), 1));
    size_t worst = claims.size();
    double worst_ratio = 1.0;
    for (size_t j = 0; j < claims.size(); ++j) {
      if (!within[j]) continue;
      const double share = remaining * (total > 0 ? claims[j] / total : 1.0 / kept);
      const double ratio = share > 0 ? least_seconds[j] / share : std::numeric_limits<double>::infinity();
      if (!(ratio <= worst_ratio)) {  // NaN estimates are dropped too
        worst = j;
        worst_ratio = std::isnan(ratio) ? std::numeric_limits<double>::infinity() : ratio;
      }
    }
    if (worst == claims.size()) return within;
    within[worst] = 0;
  }
}

size_t RefitRowsInTime(size_t available, double every_row, double share) {
  if (!(every_row * kRefitTimeMargin > share)) return available;
  if (!(share > 0)) return 0;
  return static_cast<size_t>(static_cast<double>(available) * share / (every_row * kRefitTimeMargin));
}

std::vector<RefitClaim> RefitClaims(const std::vector<std::string>& families, const std::vector<double>& weights) {
  std::map<std::string, double> family_weight;
  std::map<std::string, size_t> family_size;
  for (size_t i = 0; i < families.size(); ++i) {
    family_weight[families[i]] += weights[i];
    ++family_size[families[i]];
  }
  const auto num_families = static_cast<double>(family_weight.size());
  std::vector<RefitClaim> claims;
  for (size_t i = 0; i < families.size(); ++i) {
    const double within = family_weight[families[i]];
    // The family's part: an equal share; split within it by weight, or evenly in a family
    // without weight (held-out challengers, held_out_challengers.h).
    const double family_part = 1.0 / num_families;
    const double member_part = within > 0 ? weights[i] / within : 1.0 / static_cast<double>(family_size[families[i]]);
    claims.push_back({i, family_part * member_part});
  }
  std::stable_sort(claims.begin(), claims.end(),
                   [](const RefitClaim& a, const RefitClaim& b) { return a.claim > b.claim; });
  return claims;
}

RefitRows SplitRefitRows(const TrainingData& all, const SearchSample& sample, uint64_t seed) {
  RefitRows out;
  std::vector<char> held(all.y.size(), 0);
  for (size_t r : sample.held_out) held[r] = 1;
  for (size_t r = 0; r < all.y.size(); ++r) {
    if (!held[r]) out.train.push_back(r);
  }
  // Early-stopped on: every held-out row, or a stratified kRefitHeldOutRows of them (a
  // booster scores them every round); weighed on: up to kHeldOutChoiceRows (whole groups
  // are kept out of training, but 5% of 10M copied rows is 500,000 rows to predict per
  // member). The early-stopping pick is drawn from the choice's rows.
  std::vector<float> held_y;
  held_y.reserve(sample.held_out.size());
  for (size_t r : sample.held_out) held_y.push_back(all.y[r]);
  const auto pick = [&](const std::vector<size_t>& from, const std::vector<float>& from_y, size_t most) {
    if (from.size() <= most) return from;
    std::vector<size_t> picked;
    for (size_t i : StratifiedRows(from_y, most, seed)) picked.push_back(from[i]);
    return picked;
  };
  out.choice = pick(sample.held_out, held_y, kHeldOutChoiceRows);
  for (size_t r : out.choice) out.choice_y.push_back(all.y[r]);
  out.held_out = pick(out.choice, out.choice_y, kRefitHeldOutRows);
  for (size_t r : out.held_out) out.held_out_y.push_back(all.y[r]);
  return out;
}

size_t RefitMembersOnAllRows(TrainingRun& run, const TrainingData& all, const RefitRows& split,
                             const std::set<std::string>& needed, const std::vector<double>& weights,
                             Deadline deadline) {
  const Logger& log = run.options().logger;
  const std::vector<RefitClaim> members = RefitCandidates(run, needed, weights);
  if (members.empty()) return 0;
  // The least refit worth its time, per member: kMinRefitRowsTimesSample times the sample's
  // rows, by its estimate with the margin.
  const double least_rows = kMinRefitRowsTimesSample * static_cast<double>(run.data().y.size());
  std::vector<double> claims, every_row, least_seconds;
  for (const RefitClaim& m : members) {
    claims.push_back(m.claim);
    every_row.push_back(RefitEstimate(run, run.done()[m.member], split.train.size()));
    least_seconds.push_back(every_row.back() * kRefitTimeMargin * least_rows /
                            static_cast<double>(std::max<size_t>(1, split.train.size())));
  }
  size_t refitted = 0;
  for (size_t i = 0; i < members.size(); ++i) {
    const Candidate& c = run.done()[members[i].member];
    // A share of the time left in proportion to the member's claim among those still to
    // refit whose shares hold their least refit; within it, every row or as many as the
    // share allows (a stratified pick). Early stopping on the held-out rows keeps a fit the
    // deadline cuts short a validated one.
    const double remaining = deadline.Remaining();
    const std::vector<char> within =
        RefitsWithinShares(std::vector<double>(claims.begin() + i, claims.end()),
                           std::vector<double>(least_seconds.begin() + i, least_seconds.end()), remaining);
    if (!within[0]) {
      log.Info(run.Clock(true) + c.config.name + ": no time or memory to refit on more rows (every row needs ~" +
               FormatSeconds(every_row[i]) + "), serving its sample models");
      continue;
    }
    double claim_left = 0;
    for (size_t j = i; j < members.size(); ++j) claim_left += within[j - i] ? claims[j] : 0.0;
    const auto count_left = static_cast<double>(std::count(within.begin(), within.end(), 1));
    const double share = remaining * (claim_left > 0 ? claims[i] / claim_left : 1.0 / count_left);
    size_t rows = RefitRowsInTime(split.train.size(), every_row[i], share);
    // ... and as many as --memory-limit leaves room for.
    const size_t cols = run.features().Encode(c.config.features).pipeline.feature_names().size();
    const bool dense = !run.learners().Create(c.config.family, c.config.params)->takes_row_view();
    const size_t memory_rows = RowsWithinMemory(run, cols, dense);
    if (memory_rows < rows) {
      log.Info(run.Clock(true) + c.config.name + ": --memory-limit " +
               FormatGigabytes(run.options().memory_limit_bytes) + " leaves room to refit on " +
               std::to_string(memory_rows) + " rows (" + std::to_string(rows) + " in the time)");
      rows = memory_rows;
    }
    if (static_cast<double>(rows) < least_rows) {
      log.Info(run.Clock(true) + c.config.name + ": no time or memory to refit on more rows (every row needs ~" +
               FormatSeconds(every_row[i]) + "), serving its sample models");
      continue;
    }
    std::vector<size_t> subset;
    if (rows < split.train.size()) {
      std::vector<float> train_y;
      train_y.reserve(split.train.size());
      for (size_t r : split.train) train_y.push_back(all.y[r]);
      for (size_t j : StratifiedRows(train_y, rows, run.options().seed + 31 + members[i].member))
        subset.push_back(split.train[j]);
    }
    const Deadline until = deadline.Sub(share);
    const double estimate = RefitEstimate(run, c, rows);
    refitted +=
        RefitOne(run, members[i].member, all, split, subset.empty() ? split.train : subset, until, estimate) ? 1 : 0;
  }
  log.Info(run.Clock(false) + "refitted " + std::to_string(refitted) + " of " + std::to_string(needed.size()) +
           " ensemble members on more rows than the sample");
  return refitted;
}

}  // namespace tabpilot
