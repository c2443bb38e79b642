// The refit after a search on a sample (search_sample.h): each member the
// ensemble chose (and each challenger, held_out_challengers.h) is fitted
// once more on every row of the table (but a held-out few), and kept beside
// its sample fold models as its full-form model (model/bundle_form.h) when it
// does better than they do.
//
// The refit keeps the member's configuration and early-stops on rows held
// out from both the search sample and the refit (at most kRefitHeldOutRows
// of them, search_sample.h): the effort its sample folds found need
// not suit ten or a hundred times the rows, and a fit the deadline cuts
// short is still a validated one. On those rows the refit model must score
// at least as well as the member's sample fold models (the same loss), or
// they serve instead.
//
// Families that read rows without a copy of them (Learner::takes_row_view:
// XGBoost, the oblivious booster, the additive model) are given the table
// encoded a block at a time (table_row_blocks.h); the network and linear
// members a dense copy of the rows they refit on, which the memory limit
// caps. Forests and kNN keep the
// models fitted on the sample (LearnerRegistry::Entry::grows_with_rows: on
// ten times the rows their models would be ten times larger), and so does a
// member fitted once for its own OOF. Members are refit one at a time with
// every thread, each within a share of the time left in proportion to its
// claim among the members still to refit, largest claim first (what a fast
// refit leaves goes to those after it). Each family has an equal claim, a
// member its part of its family's by weight (RefitClaims below): a second
// booster refit adds little beside the first, and the weight a family's
// sample models earned undersells what it learns from more rows. Each refits on
// every row, or on as many (a stratified pick) as its fold fits, scaled up,
// say the share allows with a margin (kRefitTimeMargin), and as
// --memory-limit leaves room for; fewer than
// kMinRefitRowsTimesSample times the sample's rows is not worth a refit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "automl/problem.h"
#include "automl/search_sample.h"
#include "automl/training_run.h"
#include "core/deadline.h"

namespace tabpilot {

inline constexpr double kMinRefitRowsTimesSample = 1.5;
// A refit takes as many rows as its estimate (its fold fits' seconds, scaled
// to the rows and the threads) times this fits in its share of the time: the
// estimate runs short, and a fit the deadline cuts is one that has not
// converged. On 1M rows of Adult's copies every booster's refit was cut at
// the plain estimate: per round they took 1.2-1.4 times it (2.5 times for a
// fast-converging XGBoost config, where reading the blocks weighs more), the
// additive model 0.8 (never cut).
inline constexpr double kRefitTimeMargin = 1.5;

// Rows of the `available` a refit takes in `share` seconds when all of them
// would take `every_row` seconds by its estimate: all, when the estimate
// times kRefitTimeMargin fits; else as many as fit with that margin.
size_t RefitRowsInTime(size_t available, double every_row, double share);

// Which of the members still to refit get a share of `remaining` seconds, in
// proportion to their `claims` among those that do, that holds their least
// refit (`least_seconds`: kMinRefitRowsTimesSample times the sample's rows by
// their estimate, with the margin). The others are not refit, and their
// claims go to the rest: on kddcup99 (60 s) the additive model, which could
// not refit in its share, held back 45% of the refit time from the booster
// that could use it.
std::vector<char> RefitsWithinShares(const std::vector<double>& claims, const std::vector<double>& least_seconds,
                                     double remaining);

// What a booster's refit holds per row and cell at its peak, for
// --memory-limit: XGBoost's quantized matrix while it is built (4.6 bytes a
// cell, measured once with XGBoost's Python package on 500,000 rows of 108
// one-hot and numeric columns) and its training buffers; per row, the row
// list and targets; per encoded column, the blocks of encoded rows being
// quantized (65,536 rows of 4-byte floats, a few at a time) and the trees'
// gradient histograms (256 bins a column a node); fixed, the booster and its
// threads. On 108 columns that is the 128 MB fixed part this rule had before
// it counted columns; on the 10-column synthetic table (1M rows) a refit on
// 794,000 rows took 72 MB beside the 110 MB the search held, where the
// estimate says 107 MB.
inline constexpr double kRefitBytesPerCell = 6.0;
inline constexpr double kRefitBytesPerRow = 32.0;
inline constexpr double kRefitBytesPerColumn = 1e6;
inline constexpr double kRefitFixedBytes = 24e6;
// A dense refit (the network, linear models): per encoded cell the float
// matrix and the learner's working copy of a batch; per table cell the
// selected rows' typed copy the matrix is encoded from.
inline constexpr double kDenseRefitBytesPerCell = 8.0;
inline constexpr double kDenseRefitTableBytesPerCell = 8.0;

// The rows a refit early-stops on (the sample's held_out, search_sample.h,
// with their targets; of more than kRefitHeldOutRows, a stratified pick of
// that many, by `seed`), the rows the refit ensemble is weighed on (the same
// way, at most kHeldOutChoiceRows; every early-stopping row among them), and
// the rows a refit may train on (all but the sample's held_out, ascending).
struct RefitRows {
  std::vector<size_t> held_out;
  std::vector<float> held_out_y;
  std::vector<size_t> choice;
  std::vector<float> choice_y;
  std::vector<size_t> train;
};
RefitRows SplitRefitRows(const TrainingData& all, const SearchSample& sample, uint64_t seed);

// The order members are refit in and their claims on the refit time (shares
// summing to 1), largest first: each family has an equal share, split among
// its members by weight (`weights`, one per member, of the family in
// `families`), or evenly in a family without weight (held-out challengers,
// held_out_challengers.h). With one family the claims are the weights'
// shares. `member`: an index into `families`.
//
// The sample's weights describe the sample models, not the refit ones: over
// 14 runs on 1M rows of Adult's copies the boosters (XGBoost), the oblivious
// booster and the additive model had 0.64, 0 and 0.36 of the sample's
// weights and 0.45, 0.28 and 0.27 of the held-out choice's on average. While
// half of a family's claim followed its sample weight, the oblivious
// booster (a challenger: no sample weight) got a sixth of the refit time and
// was refit on 186,000-207,000 rows; resamples of the held-out groups picked
// it in 38-84% of their ensembles (fewer than half in one run of four, so it
// was left out). With equal shares it read 261,000-373,000 rows and was
// picked in 78-94%, three families in six runs of six (docs/benchmarks.md,
// 2026-12-07 02:40).
struct RefitClaim {
  size_t member = 0;
  double claim = 0;
};
std::vector<RefitClaim> RefitClaims(const std::vector<std::string>& families, const std::vector<double>& weights);

// Refits the candidates of `run` (trained on a sample of `all`) named in
// `needed` on the rows of `all`, heaviest `weights` first (one per
// run.done() candidate), all before `deadline`. Records on each member's
// leaderboard row what its refit did (info.refit: rows, held-out losses,
// whether it is served). Returns how many members serve a refit model.
size_t RefitMembersOnAllRows(TrainingRun& run, const TrainingData& all, const RefitRows& split,
                             const std::set<std::string>& needed, const std::vector<double>& weights,
                             Deadline deadline);

}  // namespace tabpilot
