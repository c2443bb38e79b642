// tabpilot leaderboard: show the candidates a training run tried.
#include <iostream>
#include <memory>

#include "automl/leaderboard.h"
#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "model/bundle.h"

namespace tabpilot::cli {
namespace {

struct LeaderboardArgs {
  std::string model;
  std::string format = "table";
};

int RunLeaderboard(const LeaderboardArgs& a) {
  Json manifest = ReadManifest(a.model);
  std::filesystem::path path = std::filesystem::path(a.model) / "leaderboard.json";
  Json j;
  try {
    j = Json::parse(ReadFile(path));
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle: " + path.string() + ": " + e.what());
  }
  std::vector<LeaderboardRow> rows = LeaderboardFromJson(j);
  if (a.format == "json") {
    std::cout << j.dump(2) << "\n";
  } else if (a.format == "csv") {
    std::cout << LeaderboardToCsv(rows);
  } else {
    std::cout << FormatLeaderboard(rows);
  }
  return 0;
}

}  // namespace

Runner AddLeaderboardCommand(CLI::App& app) {
  auto args = std::make_shared<LeaderboardArgs>();
  CLI::App* sub = app.add_subcommand("leaderboard", "Show the leaderboard of a trained model");
  sub->add_option("--model,-m", args->model, "Model bundle directory")->required();
  sub->add_option("--format", args->format, "table | csv | json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  return [args] { return RunLeaderboard(*args); };
}

}  // namespace tabpilot::cli
