// Rows that repeat another row's features (duplicate_rows.h).
#include <gtest/gtest.h>

#include <string>

#include "automl/duplicate_rows.h"
#include "trainer_test_data.h"

namespace tabpilot {
namespace {

TEST(DuplicateRowShare, CountsEveryRowOfARepeatedValueSet) {
  // Rows 0 and 1 repeat, rows 3 and 4 repeat (missing values alike); 2 and 5 do not.
  const TrainingData data = testing::LoadCsv(
      "x,color,note,label\n"
      "1.5,red,a b c,yes\n"
      "1.5,red,a b c,no\n"
      "2.5,red,a b c,yes\n"
      ",,,no\n"
      ",,,yes\n"
      "1.5,blue,a b c,no\n"
      "-0.0,blue,x,no\n"
      "0.0,blue,x,yes\n"
      "7,green,y,no\n"
      "8,green,z,yes\n");
  const std::vector<std::string> all = {"x", "color", "note"};
  // 0/1, 3/4, and 6/7 (-0 and +0 alike): 6 of 10.
  EXPECT_DOUBLE_EQ(DuplicateRowShare(data.features, all), 0.6);
  // On `color` alone: red x3, blue x3, missing x2, green x2 -> every row repeats.
  EXPECT_DOUBLE_EQ(DuplicateRowShare(data.features, {"color"}), 1.0);
  EXPECT_DOUBLE_EQ(DuplicateRowShare(data.features.SelectRows({}), all), 0.0);
}

TEST(DuplicateRowsWarning, NamesTheShareAndTheOption) {
  const std::string line = DuplicateRowsWarning(0.123);
  EXPECT_EQ(line.rfind("12.3% of the training rows repeat", 0), 0u) << line;
  EXPECT_NE(line.find("--group-column"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace tabpilot
