// The leaderboard's files: the predict cost column, old leaderboards without
// it, and where rows left out for the infer limit sort.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "automl/leaderboard.h"

namespace tabpilot {
namespace {

LeaderboardRow Row(const std::string& model, double score, const std::string& status, double us) {
  LeaderboardRow r;
  r.model = model;
  r.family = "xgboost";
  r.metric = "auc";
  r.score_val = score;
  r.status = status;
  r.predict_us_per_row = us;
  return r;
}

TEST(Leaderboard, ThePredictCostRoundTripsThroughJsonAndIsACsvColumn) {
  const std::vector<LeaderboardRow> rows{Row("A", 0.9, "ok", 12.5), Row("B", 0.8, kOverInferLimit, 3.25)};
  const std::vector<LeaderboardRow> back = LeaderboardFromJson(LeaderboardToJson(rows));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_DOUBLE_EQ(back[0].predict_us_per_row, 12.5);
  EXPECT_EQ(back[1].status, kOverInferLimit);
  const std::string csv = LeaderboardToCsv(rows);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "rank,model,family,metric,score_val,fit_seconds,predict_us_per_row,folds,ensemble_weight,status,params");
  EXPECT_NE(csv.find(",12.500,"), std::string::npos);
  EXPECT_NE(FormatLeaderboard(rows).find("pred_us/row"), std::string::npos);
}

TEST(Leaderboard, AnOldLeaderboardWithoutThePredictCostReadsAsNotKnown) {
  Json old = LeaderboardToJson({Row("A", 0.9, "ok", 1)});
  old[0].erase("predict_us_per_row");
  old[0]["predict_ms_per_1k_rows"] = 55.0;  // the bagged folds' old figure: not carried over
  EXPECT_EQ(LeaderboardFromJson(old).at(0).predict_us_per_row, 0.0);
}

TEST(Leaderboard, RowsLeftOutForTheInferLimitSortByScoreFailedOnesLast) {
  std::vector<LeaderboardRow> rows{Row("failed", 0, "error: x", 0), Row("low", 0.7, "ok", 1),
                                   Row("left_out", 0.95, kOverInferLimit, 9), Row("high", 0.9, "ok", 2)};
  SortLeaderboard(&rows);
  std::vector<std::string> order;
  for (const LeaderboardRow& r : rows) order.push_back(r.model);
  EXPECT_EQ(order, (std::vector<std::string>{"left_out", "high", "low", "failed"}));
}

}  // namespace
}  // namespace tabpilot
