// The leaderboard: one row per candidate model the AutoML tried, plus the
// ensemble. Saved in the bundle as leaderboard.json and leaderboard.csv and
// printed at the end of training and by `tabpilot leaderboard`.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"

namespace tabpilot {

struct LeaderboardRow {
  std::string model;          // "XGBoost_1", "WeightedEnsemble"
  std::string family;         // learner family ("ensemble" for the ensemble)
  Json params = Json::object();
  std::string metric;         // objective metric name
  double score_val = 0;       // out-of-fold score in the objective metric
  bool greater_is_better = true;
  double fit_seconds = 0;     // summed over folds
  double predict_ms_per_1k = 0;  // bagged (all folds) prediction time per 1,000 rows
  int folds = 0;
  double ensemble_weight = 0;
  std::string status = "ok";  // "ok", or why a candidate was not used ("timeout", "error: ...")
  Json info = Json::object(); // family-specific facts (e.g. best iterations)
};

// Sorted best first (by score_val in the metric's direction; failed rows last).
void SortLeaderboard(std::vector<LeaderboardRow>* rows);
Json LeaderboardToJson(const std::vector<LeaderboardRow>& rows);
std::vector<LeaderboardRow> LeaderboardFromJson(const Json& j);
std::string LeaderboardToCsv(const std::vector<LeaderboardRow>& rows);
// A fixed-width text table for the terminal.
std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows);

}  // namespace tabpilot
