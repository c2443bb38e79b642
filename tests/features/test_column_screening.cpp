#include <gtest/gtest.h>

#include <map>

#include "feature_test_util.h"
#include "features/column_screening.h"

namespace tabpilot {
namespace {

using testing::CategoricalColumn;
using testing::kNaN;
using testing::MakeTable;
using testing::NumericColumn;
using testing::TextColumn;

std::map<std::string, std::string> Dropped(const ScreenResult& r) { return {r.dropped.begin(), r.dropped.end()}; }

TEST(ColumnScreening, DropsMissingConstantAndIdColumnsWithReasons) {
  const size_t n = 60;
  std::vector<double> id, user_id, count, age, all_missing, survived;
  std::vector<std::string> names, constant, grade, cabin;
  for (size_t r = 0; r < n; ++r) {
    id.push_back(static_cast<double>(r + 1));
    user_id.push_back(static_cast<double>(3 * r + 7));  // distinct but not consecutive
    count.push_back(static_cast<double>(r + 1));        // consecutive, but not named like an ID
    age.push_back(r % 5 == 0 ? kNaN : static_cast<double>(20 + r % 30));
    all_missing.push_back(kNaN);
    survived.push_back(static_cast<double>(r % 2));
    names.push_back("Passenger " + std::to_string(r));
    constant.push_back(r % 3 == 0 ? "" : "x");
    grade.push_back(std::string(1, static_cast<char>('a' + r % 4)));
    cabin.push_back(r < 20 ? "C" + std::to_string(r) : "");  // distinct among few present
  }
  Table t = MakeTable(
      {NumericColumn("PassengerId", id), NumericColumn("user_id", user_id), NumericColumn("count", count),
       NumericColumn("age", age), NumericColumn("empty", all_missing), NumericColumn("Survived", survived),
       TextColumn("Name", names), CategoricalColumn("constant", constant), CategoricalColumn("grade", grade),
       CategoricalColumn("cabin", cabin), NumericColumn("flag", std::vector<double>(n, 1), ColumnType::kBoolean)});
  ScreenOptions o;
  o.ignore = {"Survived"};
  ScreenResult r = ScreenColumns(t, o);
  EXPECT_EQ(r.kept, std::vector<std::string>({"user_id", "count", "age", "grade", "cabin"}));
  auto dropped = Dropped(r);
  ASSERT_EQ(dropped.size(), 5u);
  EXPECT_EQ(dropped["PassengerId"], "looks like an ID (60 distinct values in 60 rows)");
  EXPECT_EQ(dropped["Name"], "looks like an ID (60 distinct values in 60 rows)");
  EXPECT_EQ(dropped["empty"], "all values are missing");
  EXPECT_EQ(dropped["constant"], "constant: every value is 'x'");
  EXPECT_EQ(dropped["flag"], "constant: every value is 'true'");
  // Dropped in table order.
  EXPECT_EQ(r.dropped.front().first, "PassengerId");
}

TEST(ColumnScreening, SmallTablesKeepAllDistinctColumns) {
  std::vector<double> id;
  std::vector<std::string> names;
  for (int r = 0; r < 20; ++r) {
    id.push_back(r);
    names.push_back("n" + std::to_string(r));
  }
  ScreenResult r = ScreenColumns(MakeTable({NumericColumn("id", id), TextColumn("name", names)}), ScreenOptions{});
  EXPECT_EQ(r.kept, std::vector<std::string>({"id", "name"}));
  EXPECT_TRUE(r.dropped.empty());
}

TEST(ColumnScreening, NonIntegerOrShuffledIds) {
  std::vector<double> shuffled, fractional;
  for (int r = 0; r < 100; ++r) {
    shuffled.push_back((r * 37) % 100);  // a permutation of 0..99: still an ID
    fractional.push_back(r + 0.5);
  }
  ScreenResult r =
      ScreenColumns(MakeTable({NumericColumn("row_id", shuffled), NumericColumn("ID2", fractional)}), ScreenOptions{});
  EXPECT_EQ(r.kept, std::vector<std::string>({"ID2"}));
  ASSERT_EQ(r.dropped.size(), 1u);
  EXPECT_EQ(r.dropped[0].first, "row_id");
}

}  // namespace
}  // namespace tabpilot
