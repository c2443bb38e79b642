// Same data, seed and thread count -> the same leaderboard order and
// bit-identical predictions, from two separate processes (each a fresh load).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "core/atomic_file.h"
#include "core/json.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

std::string SyntheticCsv(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n(0, 1);
  const char* colors[] = {"red", "green", "blue", "grey"};
  std::ostringstream out;
  out << "a,b,color,flag,label\n";
  for (size_t i = 0; i < rows; ++i) {
    double a = n(rng), b = n(rng);
    int c = static_cast<int>(rng() % 4);
    bool missing = rng() % 10 == 0;
    double z = a * 1.5 - b + (c == 0 ? 1 : 0) + 0.5 * n(rng);
    out << (missing ? "" : std::to_string(a)) << "," << b << "," << colors[c] << "," << (rng() % 2 ? "true" : "false")
        << "," << (z > 0.3 ? "pos" : "neg") << "\n";
  }
  return out.str();
}

std::vector<std::string> LeaderboardOrder(const std::filesystem::path& model) {
  Json j = Json::parse(ReadFile(model / "leaderboard.json"));
  std::vector<std::string> order;
  for (const auto& row : j) order.push_back(row.at("model").get<std::string>());
  return order;
}

TEST(Reproducible, SameSeedSameModel) {
  testing::TempDir dir;
  dir.Write("train.csv", SyntheticCsv(600, 1));
  dir.Write("test.csv", SyntheticCsv(200, 2));
  const std::string bin = testing::TabpilotBinary().string();
  for (const char* name : {"m1", "m2"}) {
    auto r = testing::RunCommand(bin + " train --quiet --data " + (dir / "train.csv").string() +
                                 " --target label --time-limit 300 --max-models 5 --threads 2 --seed 7 --output " +
                                 (dir / name).string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto p = testing::RunCommand(bin + " predict --quiet --model " + (dir / name).string() + " --data " +
                                 (dir / "test.csv").string() + " --output " + (dir / (std::string(name) + ".csv")).string());
    ASSERT_EQ(p.exit_code, 0) << p.output;
  }
  EXPECT_EQ(LeaderboardOrder(dir / "m1"), LeaderboardOrder(dir / "m2"));
  EXPECT_EQ(LeaderboardOrder(dir / "m1").size(), 6u);  // 5 candidates + the ensemble
  std::string p1 = ReadFile(dir / "m1.csv"), p2 = ReadFile(dir / "m2.csv");
  EXPECT_FALSE(p1.empty());
  EXPECT_EQ(p1, p2);
  // A different seed gives a different model (the check above can fail).
  auto r = testing::RunCommand(bin + " train --quiet --data " + (dir / "train.csv").string() +
                               " --target label --time-limit 300 --max-models 5 --threads 2 --seed 8 --output " +
                               (dir / "m3").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto p = testing::RunCommand(bin + " predict --quiet --model " + (dir / "m3").string() + " --data " +
                               (dir / "test.csv").string() + " --output " + (dir / "m3.csv").string());
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_NE(ReadFile(dir / "m3.csv"), p1);
}

}  // namespace
}  // namespace tabpilot
