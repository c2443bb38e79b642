// The AutoML trainer: screens columns, plans the run (fold plan, stacking,
// time budget), searches each stack level (the portfolio, then random search
// and further bags) with k-fold bagging under a deadline, builds a weighted
// greedy ensemble over out-of-fold predictions, tunes the binary decision
// threshold, optionally refits the members on all rows, and returns a
// complete model bundle plus leaderboard. Each phase has its own header
// (trainer.cpp lists them in order).
#pragma once

#include <vector>

#include "automl/leaderboard.h"
#include "automl/problem.h"
#include "automl/trainer_options.h"
#include "model/bundle.h"

namespace tabpilot {

struct TrainResult {
  Bundle bundle;
  std::vector<LeaderboardRow> leaderboard;  // sorted best first, ensemble included
};

// Trains on `data`. Throws InvalidInput when the data cannot be
// learned from (no usable columns, too few rows) or options.families names
// an unknown family; always returns a bundle with at least one member
// otherwise, even when the deadline is tight.
TrainResult TrainAutoML(const TrainingData& data, const TrainerOptions& options);

}  // namespace tabpilot
