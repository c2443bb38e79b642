// The leaderboard: one row per candidate model the AutoML tried, plus the
// ensemble. Saved in the bundle as leaderboard.json and leaderboard.csv and
// printed at the end of training and by `tabpilot leaderboard`.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

struct LeaderboardRow {
  std::string model;   // "XGBoost_1", "WeightedEnsemble"
  std::string family;  // learner family ("ensemble" for the ensemble)
  Json params = Json::object();
  std::string metric;    // objective metric name
  double score_val = 0;  // out-of-fold score in the objective metric
  bool greater_is_better = true;
  double fit_seconds = 0;  // summed over folds
  // Predict time of the deployed form (the bundle's default: full where
  // refit) in the compiled engine, microseconds per row on a batch of 1,000
  // training rows with the training's threads: the member's own models
  // (not its feature transform, not its stack inputs); for the ensemble the
  // whole predict. Measured for the bundle's members and the ensemble,
  // estimated for the others (automl/inference_cost.h); info.predict_cost
  // says which. 0 = not known (bundles from before it was recorded).
  double predict_us_per_row = 0;
  int folds = 0;
  double ensemble_weight = 0;
  // "ok"; "over_infer_limit" (a scored candidate the ensemble left out because
  // adding it would exceed train --infer-limit); "halved_out" (a config a
  // rung of successive halving stopped: its score is the rung's, on fewer
  // rows, successive_halving.h); or why a candidate has no score ("timeout",
  // "over_memory_limit": its fit would not fit in what --memory-limit left,
  // fit_memory_plan.h; "error: ...").
  std::string status = "ok";
  Json info = Json::object();  // family-specific facts (e.g. best iterations)
};

inline constexpr const char* kOverInferLimit = "over_infer_limit";
inline constexpr const char* kHalvedOut = "halved_out";
// A member of the most accurate ensemble that the cost trade-off left out
// (cost_tradeoff.h): the ensemble without it is cheaper and within noise.
inline constexpr const char* kLeftOutForCost = "left_out_for_cost";

// Whether a row with `status` has a score (ok, or left out for the limit or for cost).
bool HasScore(const std::string& status);

// Sorted best first (by score_val in the metric's direction; rows without a score last).
void SortLeaderboard(std::vector<LeaderboardRow>* rows);
Json LeaderboardToJson(const std::vector<LeaderboardRow>& rows);
std::vector<LeaderboardRow> LeaderboardFromJson(const Json& j);
std::string LeaderboardToCsv(const std::vector<LeaderboardRow>& rows);
// A fixed-width text table for the terminal.
std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows);

}  // namespace tabpilot
