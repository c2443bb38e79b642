#include "data/value_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

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

TEST(ValueParse, FastPathAgreesWithCorrectRounding) {
  // Plain decimals take a shortcut; strtod (correctly rounded in glibc) is the oracle.
  std::mt19937_64 rng(7);
  char buf[64];
  for (int i = 0; i < 200000; ++i) {
    int decimals = static_cast<int>(rng() % 16);
    double magnitude = std::pow(10.0, static_cast<double>(rng() % 12) - 4);
    double v = (static_cast<double>(rng() % 2000001) / 1000000.0 - 1.0) * magnitude;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    auto parsed = ParseNumber(buf);
    ASSERT_TRUE(parsed.has_value()) << buf;
    double expected = std::strtod(buf, nullptr);
    ASSERT_EQ(*parsed, expected) << buf;
    ASSERT_EQ(std::signbit(*parsed), std::signbit(expected)) << buf;
  }
  EXPECT_EQ(ParseNumber("123456789012345678"), 123456789012345678.0);
  EXPECT_EQ(ParseNumber("0.1000000000000000055511151231257827"), 0.1);
  EXPECT_EQ(ParseNumber("1."), 1.0);
  EXPECT_EQ(ParseNumber("+.5"), 0.5);
}

TEST(ValueParse, Booleans) {
  EXPECT_EQ(ParseBoolean("true"), true);
  EXPECT_EQ(ParseBoolean("TRUE"), true);
  EXPECT_EQ(ParseBoolean("False"), false);
  for (const char* bad : {"yes", "no", "t", "f", "1", "0", "truee", ""}) EXPECT_FALSE(ParseBoolean(bad)) << bad;
}

}  // namespace
}  // namespace tabpilot
