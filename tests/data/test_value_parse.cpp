#include "data/value_parse.h"

#include <gtest/gtest.h>

namespace tabpilot {
namespace {

TEST(ValueParse, Numbers) {
  EXPECT_EQ(ParseNumber("12"), 12.0);
  EXPECT_EQ(ParseNumber("-0.5"), -0.5);
  EXPECT_EQ(ParseNumber("+3"), 3.0);
  EXPECT_EQ(ParseNumber(".5"), 0.5);
  EXPECT_EQ(ParseNumber("-.5"), -0.5);
  EXPECT_EQ(ParseNumber("1e-3"), 0.001);
  EXPECT_EQ(ParseNumber("2.5E+10"), 2.5e10);
  EXPECT_EQ(ParseNumber("007"), 7.0);
  for (const char* bad : {"", "+", "-", ".", "inf", "-inf", "+inf", "Infinity", "nan", "NaN", "0x10", "1,000",
                          "1 000", "12abc", "--1", "+-1", "-+1", "e5", "1e", "1.2.3", "1e999"}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
}

TEST(ValueParse, Booleans) {
  EXPECT_EQ(ParseBoolean("true"), true);
  EXPECT_EQ(ParseBoolean("TRUE"), true);
  EXPECT_EQ(ParseBoolean("False"), false);
  for (const char* bad : {"yes", "no", "t", "f", "1", "0", "truee", ""}) EXPECT_FALSE(ParseBoolean(bad)) << bad;
}

}  // namespace
}  // namespace tabpilot
