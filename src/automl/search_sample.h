// Searching a large table on a sample (issue: large tables on one machine).
// When a table has far more rows than the budget can search, candidates are
// fitted, bagged and ensembled on a stratified sample of its rows (the
// portfolio first halved on parts of it, successive_halving.h), and the
// members the ensemble chose are then refit on more rows with the time kept
// back for it (sampled_refit.h, RefitMembersOnAllRows). AutoGluon and H2O do
// the same on large data: the comparison between candidates needs far fewer
// rows than the final models benefit from.
//
// The sample's size follows the budget: kSampleCellsPerSecond cells
// (rows x feature columns) per second of --time-limit, at least
// kMinSearchSampleRows rows; a table is sampled only when it has at least
// kMinSampledTableRows rows and kSampleWhenRowsTimes times the sample's (a
// smaller saving is not worth the refit). On Adult's 14 columns: 120 s ->
// 20,000 rows, 900 s -> 128,571. Tables below 250,000 rows train as before.
// Under train --memory-limit the sample also takes no more rows than the
// limit leaves room to search (memory_floor.h: kSearchFloorBytes plus
// kSearchBytesPerCell a sample cell, at least kMinSearchSampleRows), and a
// table of any size whose whole search would not fit there is searched on
// the rows that fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "automl/leaderboard.h"
#include "automl/problem.h"
#include "automl/trainer_options.h"
#include "learners/learner_registry.h"

namespace tabpilot {

inline constexpr double kSampleCellsPerSecond = 2000;
inline constexpr size_t kMinSearchSampleRows = 20000;
inline constexpr double kSampleWhenRowsTimes = 4.0;
inline constexpr size_t kMinSampledTableRows = 250000;
// Share of the search time kept back for the refit on every row when the
// search ran on a sample (10 % otherwise, training_budget.h): refitting a
// booster on ten times the rows costs about ten of its fold fits.
inline constexpr double kSampledRefitShare = 0.4;
// Folds a search on a sample bags with unless train --folds says otherwise
// (not 8 for long budgets, fold_plan.h): the sample is there to compare
// candidates, and 8 folds of 128,571 rows let a 900 s search fit three.
inline constexpr int kSampledSearchFolds = 5;
// Rows kept out of both the sample and the refit, which the refit early-stops
// on and the ensemble is weighed again on (sampled_refit.h,
// held_out_ensemble.h): a stratified kRefitHeldOutShare of the table, at most
// kHeldOutChoiceRows. With row groups (train --group-column) whole groups,
// kRefitHeldOutShare of them, whatever their rows: a group's rows are one
// unit of evidence, and rows whose group is also in training would flatter
// the models that memorize. All of them stay out of training; a refit
// early-stops on at most kRefitHeldOutRows of them and the ensemble is
// weighed on at most kHeldOutChoiceRows (sampled_refit.h, SplitRefitRows).
// The choice needs the many: the standard error of a logloss near 0.25 is
// about 0.45 / sqrt(rows), 0.0032 on 20,000 rows, as large as what a
// network adds beside a booster, and the cost trade-off keeps the cheaper
// ensemble whenever the gain is within it (cost_tradeoff.h).
inline constexpr size_t kRefitHeldOutRows = 20000;
inline constexpr size_t kHeldOutChoiceRows = 200000;
inline constexpr double kRefitHeldOutShare = 0.05;

// The rows the search runs on: every row (empty `rows`) or a stratified
// sample (ascending row indices into the table), drawn from the rows outside
// `held_out` (ascending too; empty when not sampled).
struct SearchSample {
  std::vector<size_t> rows;      // empty: not sampled
  std::vector<size_t> held_out;  // kept out of the sample and of every refit
  size_t table_rows = 0;         // rows of the whole table
  bool memory_bound = false;     // --memory-limit, not the budget, set its size

  bool sampled() const { return !rows.empty(); }
};

// `requested`: train --search-sample (0 = never sample; a number of rows =
// sample that many when the table has more; unset = automatic, as above,
// only with a bounded budget of `time_limit_seconds`). `columns`: the
// feature columns kept by screening. `room_bytes`: what --memory-limit leaves
// beside the loaded table (0: no limit). The held-out rows and the sample are
// stratified like the folds (folds.h, whole groups for the held-out rows of
// grouped data) and deterministic in (y, groups, seed).
SearchSample ChooseSearchSample(const TrainingData& data, size_t columns, std::optional<size_t> requested,
                                double time_limit_seconds, uint64_t seed, double room_bytes = 0);

// The most rows whose search fits in `room_bytes` (memory_floor.h), at least
// kMinSearchSampleRows; no limit (room_bytes 0): the most a size_t holds.
size_t SearchRowsWithinMemory(double room_bytes, size_t columns);

// `n` rows of `y` (n <= y.size()), ascending, spread evenly over the rows
// sorted by target (ties shuffled by `seed`): each class gets its share, a
// regression target its whole range.
std::vector<size_t> StratifiedRows(const std::vector<float>& y, size_t n, uint64_t seed);

// The held-out rows of a sampled search (kRefitHeldOutShare above), ascending.
std::vector<size_t> RefitHeldOutRows(const TrainingData& data, uint64_t seed);

// `data` restricted to `rows` (features, targets, groups; the problem and schema as they are).
TrainingData SampleTrainingData(const TrainingData& data, const std::vector<size_t>& rows);

// Says on every leaderboard row which rows its score used:
// info.search_sample = {"rows": the sample's rows, "of": the table's}.
void MarkSampledScores(const SearchSample& sample, std::vector<LeaderboardRow>& board);

// The families a search on a sample leaves out (TrainerOptions::
// excluded_families): those whose registry entry is not in_sampled_search,
// unless `options.families` names them.
std::vector<std::string> SampledSearchExclusions(const TrainerOptions& options, const LearnerRegistry& learners);

// "searching on a stratified sample of 85,714 of 1,000,000 rows; ..." for the log.
std::string DescribeSearchSample(const SearchSample& sample);

}  // namespace tabpilot
