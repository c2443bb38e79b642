#include "data/datetime_parse.h"

#include <gtest/gtest.h>

namespace tabpilot {
namespace {

constexpr double kDay = 86400.0;
constexpr double k20150224 = 1424736000.0;  // 2015-02-24T00:00:00Z

TEST(DatetimeParse, Iso8601) {
  const auto f = DatetimeFormat::kIso8601;
  EXPECT_EQ(ParseDatetime("1970-01-01", f), 0.0);
  EXPECT_EQ(ParseDatetime("2015-02-24", f), k20150224);
  EXPECT_EQ(ParseDatetime("2015-02-24T11:35", f), k20150224 + 11 * 3600 + 35 * 60);
  EXPECT_EQ(ParseDatetime("2015-02-24T11:35:52Z", f), k20150224 + 41752);
  EXPECT_EQ(ParseDatetime("2015-02-24 11:35:52.25", f), k20150224 + 41752.25);
  EXPECT_EQ(ParseDatetime("2015-02-24 11:35:52 -0800", f), k20150224 + 41752 + 8 * 3600);
  EXPECT_EQ(ParseDatetime("2015-02-24T11:35:52+05:30", f), k20150224 + 41752 - 5.5 * 3600);
  EXPECT_EQ(ParseDatetime("2015-02-24T11:35:52+01", f), k20150224 + 41752 - 3600);
  EXPECT_EQ(ParseDatetime("2016-02-29", f), 1456704000.0);
  EXPECT_EQ(ParseDatetime("1900-03-01", f), -2203891200.0);
  for (const char* bad : {"2015-2-24", "15-02-24", "2015-02-24T", "2015-02-24T25:00", "2015-13-01", "2015-02-29",
                          "2015-02-24 11:61", "2015-02-24X", "2015-02-24T11:35:52 +08:00:00", "2015/02/24",
                          "20150224", "2015-02-24 11:35:52 PST"}) {
    EXPECT_FALSE(ParseDatetime(bad, f).has_value()) << bad;
  }
}

TEST(DatetimeParse, SlashFormats) {
  EXPECT_EQ(ParseDatetime("2015/02/24", DatetimeFormat::kYmdSlash), k20150224);
  EXPECT_EQ(ParseDatetime("2015/2/24 01:00", DatetimeFormat::kYmdSlash), k20150224 + 3600);
  EXPECT_EQ(ParseDatetime("02/24/2015", DatetimeFormat::kMdySlash), k20150224);
  EXPECT_EQ(ParseDatetime("2/24/2015 12:30 AM", DatetimeFormat::kMdySlash), k20150224 + 1800);
  EXPECT_EQ(ParseDatetime("2/24/2015 12:30 pm", DatetimeFormat::kMdySlash), k20150224 + 12.5 * 3600);
  EXPECT_EQ(ParseDatetime("2/25/2015", DatetimeFormat::kMdySlash), k20150224 + kDay);
  EXPECT_FALSE(ParseDatetime("24/02/2015", DatetimeFormat::kMdySlash).has_value());
  EXPECT_FALSE(ParseDatetime("2/24/2015 13:00 PM", DatetimeFormat::kMdySlash).has_value());
  EXPECT_FALSE(ParseDatetime("2015-02-24", DatetimeFormat::kYmdSlash).has_value());
}

TEST(DatetimeParse, FormatIds) {
  for (DatetimeFormat f : AllDatetimeFormats()) EXPECT_EQ(FindDatetimeFormat(DatetimeFormatId(f)), f);
  EXPECT_FALSE(FindDatetimeFormat("dmy").has_value());
}

}  // namespace
}  // namespace tabpilot
