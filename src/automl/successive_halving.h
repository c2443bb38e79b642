// Successive halving before a search on a sample (search_sample.h): the
// level-1 portfolio is first fitted on a quarter of the sample, the better
// half of it then on half the sample, and only those survivors, best first,
// open the search on the whole sample (Jamieson and Talwalkar's successive
// halving, as in Hyperband and H2O's large-data searches). A config costs
// about its rows, so each rung costs what the whole portfolio would on an
// eighth of the sample, and the full sample's time goes to the configs that
// earned it. A config the rung's own ensemble (greedy selection on the
// rung's OOF predictions) gives weight goes on too, whatever its rank: what
// ranks low alone but errs differently (a network beside boosters) is what
// an ensemble is made of.
//
// Rungs are ranked by the ensemble's selection loss on their OOF predictions
// (logloss, or the regression loss), steadier on a few thousand rows than a
// thresholded metric. A config a rung had no time to try goes on after the
// survivors; one a rung fitted, ranked in its lower half and left out of the
// rung's ensemble stops there, its
// leaderboard row kept with status "halved_out" and info.search_sample
// naming the rung's rows. A rung below kMinRungRows rows is skipped, and so
// is halving for portfolios of fewer than kMinHalvingConfigs configs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "automl/leaderboard.h"
#include "automl/portfolio.h"
#include "automl/problem.h"
#include "automl/trainer_options.h"
#include "core/deadline.h"
#include "learners/learner_registry.h"

namespace tabpilot {

// Rungs before the whole sample: 1/4, then 1/2 of its rows.
inline constexpr int kHalvingRungs = 2;
inline constexpr size_t kMinRungRows = 5000;
inline constexpr size_t kMinHalvingConfigs = 4;
// Share of level 1's search time the rungs may take together, split evenly.
inline constexpr double kHalvingShare = 0.3;

// What halving leaves for the search on the whole sample.
struct HalvingResult {
  std::vector<CandidateConfig> survivors;  // ranked best first, then the configs no rung tried
  std::vector<LeaderboardRow> halved_out;  // rows of the configs a rung stopped
  std::vector<size_t> rung_rows;           // rows of each rung run
};

// Runs the rungs on `sample` (the search's data) over the screened
// `columns`, all before `deadline`. `options`: the search's (folds, seed,
// families, logger). Returns `portfolio` as it is when no rung runs.
HalvingResult HalvePortfolio(const TrainingData& sample, const TrainerOptions& options, const LearnerRegistry& learners,
                             const std::vector<std::string>& columns, std::vector<CandidateConfig> portfolio,
                             Deadline deadline);

// The rung row counts for a sample of `rows` (ascending; those below
// kMinRungRows left out).
std::vector<size_t> RungRows(size_t rows);

}  // namespace tabpilot
