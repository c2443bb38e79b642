#include "automl/leaderboard.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "core/error.h"
#include "data/csv_writer.h"

namespace tabpilot {
namespace {

std::string Num(double v, const char* fmt = "%.6g") {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

bool HasScore(const std::string& status) {
  return status == "ok" || status == kOverInferLimit || status == kLeftOutForCost;
}

void SortLeaderboard(std::vector<LeaderboardRow>* rows) {
  std::stable_sort(rows->begin(), rows->end(), [](const LeaderboardRow& a, const LeaderboardRow& b) {
    bool aok = HasScore(a.status), bok = HasScore(b.status);
    if (aok != bok) return aok;
    return a.greater_is_better ? a.score_val > b.score_val : a.score_val < b.score_val;
  });
}

Json LeaderboardToJson(const std::vector<LeaderboardRow>& rows) {
  Json out = Json::array();
  for (const auto& r : rows) {
    out.push_back(Json{{"model", r.model},
                       {"family", r.family},
                       {"metric", r.metric},
                       {"score_val", r.score_val},
                       {"greater_is_better", r.greater_is_better},
                       {"fit_seconds", r.fit_seconds},
                       {"predict_us_per_row", r.predict_us_per_row},
                       {"folds", r.folds},
                       {"ensemble_weight", r.ensemble_weight},
                       {"status", r.status},
                       {"params", r.params},
                       {"info", r.info}});
  }
  return out;
}

std::vector<LeaderboardRow> LeaderboardFromJson(const Json& j) {
  std::vector<LeaderboardRow> rows;
  try {
    for (const Json& e : j) {
      LeaderboardRow r;
      r.model = e.at("model").get<std::string>();
      r.family = e.at("family").get<std::string>();
      r.metric = e.at("metric").get<std::string>();
      r.score_val = e.at("score_val").get<double>();
      r.greater_is_better = e.at("greater_is_better").get<bool>();
      r.fit_seconds = e.at("fit_seconds").get<double>();
      // Absent from bundles written before it was recorded (their
      // predict_ms_per_1k_rows timed the bagged fold models, another figure).
      r.predict_us_per_row = e.value("predict_us_per_row", 0.0);
      r.folds = JsonInteger<int>(e.at("folds"), "folds");
      r.ensemble_weight = e.at("ensemble_weight").get<double>();
      r.status = e.at("status").get<std::string>();
      r.params = e.value("params", Json::object());
      r.info = e.value("info", Json::object());
      rows.push_back(std::move(r));
    }
  } catch (const Json::exception& e) {
    throw InvalidInput(std::string("corrupt leaderboard: ") + e.what());
  }
  return rows;
}

std::string LeaderboardToCsv(const std::vector<LeaderboardRow>& rows) {
  std::ostringstream out;
  CsvWriter w(out);
  w.WriteRow({"rank", "model", "family", "metric", "score_val", "fit_seconds", "predict_us_per_row", "folds",
              "ensemble_weight", "status", "params"});
  int rank = 1;
  for (const auto& r : rows) {
    w.WriteRow({std::to_string(rank++), r.model, r.family, r.metric, Num(r.score_val, "%.10g"),
                Num(r.fit_seconds, "%.3f"), Num(r.predict_us_per_row, "%.3f"), std::to_string(r.folds),
                Num(r.ensemble_weight, "%.4f"), r.status, r.params.dump()});
  }
  return out.str();
}

std::string FormatLeaderboard(const std::vector<LeaderboardRow>& rows) {
  std::string metric = rows.empty() ? "score" : rows.front().metric;
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-4s %-22s %-14s %12s %10s %14s %6s %8s  %s\n", "rank", "model", "family",
                (metric + "_val").c_str(), "fit_s", "pred_us/row", "folds", "weight", "status");
  out << line;
  int rank = 1;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-4d %-22s %-14s %12.5f %10.2f %14.2f %6d %8.3f  %s\n", rank++, r.model.c_str(),
                  r.family.c_str(), r.score_val, r.fit_seconds, r.predict_us_per_row, r.folds, r.ensemble_weight,
                  r.status.c_str());
    out << line;
  }
  return out.str();
}

}  // namespace tabpilot
