#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "core/error.h"
#include "data/type_inference.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

RawTable Parse(const std::string& text, int threads = 1) {
  CsvOptions o;
  o.threads = threads;
  return ParseRawCsv(text, "t.csv", o);
}

InferenceOptions Infer(int threads = 1) {
  InferenceOptions o;
  o.threads = threads;
  return o;
}

BuildOptions Build(bool lenient = false, int threads = 1) {
  BuildOptions o;
  o.lenient = lenient;
  o.threads = threads;
  return o;
}

using testing::InvalidMessage;

ColumnType TypeOf(const std::string& values) {
  RawTable raw = Parse("v\n" + values);
  return InferSchema(raw, Infer()).columns.at(0).type;
}

TEST(TypeInference, Numeric) {
  EXPECT_EQ(TypeOf("1\n-2\n+3\n4.5\n.5\n1e3\n-2.5E-2\nNA\n\n"), ColumnType::kNumeric);
  EXPECT_EQ(TypeOf("1\ninf\n"), ColumnType::kCategorical);
}

TEST(TypeInference, AllMissingIsNumeric) {
  RawTable raw = Parse("a,b\n,1\nNA,2\n");
  Schema s = InferSchema(raw, Infer());
  EXPECT_EQ(s.columns[0].type, ColumnType::kNumeric);
  Table t = BuildTable(raw, s, Build());
  EXPECT_TRUE(std::isnan(t.column(0).numbers[0]));
  EXPECT_TRUE(std::isnan(t.column(0).numbers[1]));
}

TEST(TypeInference, Boolean) {
  EXPECT_EQ(TypeOf("true\nFALSE\nTrue\n?\n"), ColumnType::kBoolean);
  EXPECT_EQ(TypeOf("yes\nno\n"), ColumnType::kCategorical);
  EXPECT_EQ(TypeOf("t\nf\n"), ColumnType::kCategorical);
  EXPECT_EQ(TypeOf("0\n1\n"), ColumnType::kNumeric);
  RawTable raw = Parse("b\ntrue\nFalse\nNA\n");
  Table t = BuildTable(raw, InferSchema(raw, Infer()), Build());
  EXPECT_EQ(t.column(0).numbers[0], 1.0);
  EXPECT_EQ(t.column(0).numbers[1], 0.0);
  EXPECT_TRUE(t.column(0).IsMissing(2));
}

TEST(TypeInference, DatetimeFormatsAndUtcValues) {
  RawTable raw = Parse(
      "iso,offset,us,slash,mixed,bad\n"
      "2015-02-24,2015-02-24 11:35:52 -0800,02/24/2015,2015/02/24,2015-02-24,2021-02-28\n"
      "2020-01-02T13:04:05Z,2015-02-24T19:35:52+00:00,1/2/2020 1:04 PM,2015/2/24 19:35:52,02/24/2015,2021-02-30\n"
      "1969-12-31,2015-02-24T21:35:52.5+0200,,NA,2015-02-24,2021-03-01\n");
  Schema s = InferSchema(raw, Infer());
  ASSERT_EQ(s.columns.size(), 6u);
  EXPECT_EQ(s.columns[0].type, ColumnType::kDatetime);
  EXPECT_EQ(s.columns[0].datetime_format, "iso8601");
  EXPECT_EQ(s.columns[1].datetime_format, "iso8601");
  EXPECT_EQ(s.columns[2].type, ColumnType::kDatetime);
  EXPECT_EQ(s.columns[2].datetime_format, "mdy_slash");
  EXPECT_EQ(s.columns[3].datetime_format, "ymd_slash");
  EXPECT_EQ(s.columns[4].type, ColumnType::kCategorical) << "two formats in one column";
  EXPECT_EQ(s.columns[4].datetime_format, "");
  EXPECT_EQ(s.columns[5].type, ColumnType::kCategorical) << "February 30th is not a date";

  Table t = BuildTable(raw, s, Build());
  EXPECT_EQ(t.column(0).numbers[0], 1424736000.0);
  EXPECT_EQ(t.column(0).numbers[1], 1577970245.0);
  EXPECT_EQ(t.column(0).numbers[2], -86400.0);
  EXPECT_EQ(t.column(1).numbers[0], 1424806552.0);
  EXPECT_EQ(t.column(1).numbers[1], 1424806552.0);
  EXPECT_EQ(t.column(1).numbers[2], 1424806552.5);
  EXPECT_EQ(t.column(2).numbers[0], 1424736000.0);
  EXPECT_EQ(t.column(2).numbers[1], 1577970240.0);
  EXPECT_TRUE(t.column(2).IsMissing(2));
  EXPECT_EQ(t.column(3).numbers[1], 1424806552.0);
}

TEST(TypeInference, TextVersusCategorical) {
  std::string tweets = "t\n";
  for (int i = 0; i < 20; ++i) tweets += "@airline flight " + std::to_string(i) + " was late again\n";
  EXPECT_EQ(TypeOf(tweets.substr(2)), ColumnType::kText);
  // Multi-word labels that repeat are categories.
  std::string zones;
  for (int i = 0; i < 20; ++i) zones += (i % 2 ? "Eastern Time (US & Canada)\n" : "Pacific Time (US & Canada)\n");
  EXPECT_EQ(TypeOf(zones), ColumnType::kCategorical);
  // Unique but short values (ids, names) are categorical too.
  EXPECT_EQ(TypeOf("a1\nb2\nc3\nd4\n"), ColumnType::kCategorical);
  // Titanic-style names: >= 3 words and all distinct.
  EXPECT_EQ(TypeOf("\"Braund, Mr. Owen Harris\"\n\"Heikkinen, Miss. Laina\"\n"), ColumnType::kText);

  RawTable raw = Parse("t\nhello there my friend\nNA\n");
  Table table = BuildTable(raw, InferSchema(raw, Infer()), Build());
  ASSERT_EQ(table.column(0).type, ColumnType::kText);
  EXPECT_EQ(table.column(0).texts[0], "hello there my friend");
  EXPECT_TRUE(table.column(0).IsMissing(1));
}

TEST(TypeInference, CategoricalCodesInFirstSeenOrder) {
  RawTable raw = Parse("c\nred\nblue\n?\nred\ngreen\n");
  Table t = BuildTable(raw, InferSchema(raw, Infer()), Build());
  const Column& c = t.column(0);
  ASSERT_EQ(c.type, ColumnType::kCategorical);
  EXPECT_EQ(c.categories, (std::vector<std::string>{"red", "blue", "green"}));
  EXPECT_EQ(c.codes, (std::vector<int32_t>{0, 1, -1, 0, 2}));
}

TEST(TypeInference, OverridesForceTypes) {
  RawTable raw = Parse("zip,when\n02139,2015-02-24\n10001,2015-02-25\n");
  InferenceOptions o = Infer();
  o.overrides["zip"] = ColumnType::kCategorical;
  Schema s = InferSchema(raw, o);
  EXPECT_EQ(s.columns[0].type, ColumnType::kCategorical);
  EXPECT_EQ(s.columns[1].type, ColumnType::kDatetime);
  Table t = BuildTable(raw, s, Build());
  EXPECT_EQ(t.column(0).categories[0], "02139");

  o.overrides["nope"] = ColumnType::kText;
  EXPECT_EQ(InvalidMessage([&] { InferSchema(raw, o); }), "t.csv: type override for unknown column 'nope'");

  InferenceOptions dt = Infer();
  dt.overrides["zip"] = ColumnType::kDatetime;
  EXPECT_EQ(InvalidMessage([&] { InferSchema(raw, dt); }),
            "t.csv: column 'zip': values match no datetime format (iso8601, ymd_slash, mdy_slash)");
}

TEST(BuildTable, StrictModeRejectsUnparsableCells) {
  RawTable raw = Parse("x,y\n1,2\n3,abc\n");
  Schema s;
  s.columns = {{"x", ColumnType::kNumeric, ""}, {"y", ColumnType::kNumeric, ""}};
  EXPECT_EQ(InvalidMessage([&] { BuildTable(raw, s, Build()); }), "t.csv:3: column 'y': cannot parse 'abc' as numeric");
  s.columns[1] = {"y", ColumnType::kDatetime, "iso8601"};
  EXPECT_EQ(InvalidMessage([&] { BuildTable(raw, s, Build()); }),
            "t.csv:2: column 'y': cannot parse '2' as datetime (iso8601)");
}

TEST(BuildTable, LenientModeCoercesAndCounts) {
  RawTable raw = Parse("x,y,b\n1,2,true\nfoo,abc,maybe\n3,bar,false\n");
  Schema s;
  s.columns = {{"x", ColumnType::kNumeric, ""}, {"y", ColumnType::kNumeric, ""}, {"b", ColumnType::kBoolean, ""}};
  BuildReport report;
  Table t = BuildTable(raw, s, Build(true), &report);
  EXPECT_EQ(t.column(0).numbers[0], 1.0);
  EXPECT_TRUE(std::isnan(t.column(0).numbers[1]));
  EXPECT_EQ(t.column(0).numbers[2], 3.0);
  EXPECT_EQ(report.coerced.at("x"), 1u);
  EXPECT_EQ(report.coerced.at("y"), 2u);
  EXPECT_EQ(report.coerced.at("b"), 1u);
  EXPECT_TRUE(t.column(2).IsMissing(1));
}

TEST(BuildTable, ReadsSchemaColumnsByNameInSchemaOrder) {
  RawTable raw = Parse("extra,b,a\nz,2,1\n");
  Schema s;
  s.columns = {{"a", ColumnType::kNumeric, ""}, {"b", ColumnType::kCategorical, ""}};
  Table t = BuildTable(raw, s, Build());
  ASSERT_EQ(t.num_columns(), 2u);
  EXPECT_EQ(t.column(0).name, "a");
  EXPECT_EQ(t.column(0).numbers[0], 1.0);
  EXPECT_EQ(t.column(1).categories[0], "2");
  EXPECT_EQ(t.source(), "t.csv");

  s.columns.push_back({"missing_col", ColumnType::kNumeric, ""});
  EXPECT_EQ(InvalidMessage([&] { BuildTable(raw, s, Build()); }), "t.csv: missing required column 'missing_col'");
}

TEST(BuildTable, SameResultAndSameErrorForAnyThreadCount) {
  std::string text = "a,b,c,d\n";
  for (int i = 0; i < 500; ++i) {
    text += std::to_string(i) + "," + (i % 4 ? "x" : "y") + "," + std::to_string(i * 0.5) + ",2020-01-0" +
            std::to_string(1 + i % 9) + "\n";
  }
  RawTable raw = Parse(text);
  Schema s1 = InferSchema(raw, Infer(1));
  Table t1 = BuildTable(raw, s1, Build(false, 1));
  for (int threads : {2, 4}) {
    Schema s = InferSchema(raw, Infer(threads));
    EXPECT_EQ(s, s1);
    Table t = BuildTable(raw, s, Build(false, threads));
    for (size_t c = 0; c < t.num_columns(); ++c) {
      EXPECT_EQ(t.column(c).numbers, t1.column(c).numbers);
      EXPECT_EQ(t.column(c).codes, t1.column(c).codes);
      EXPECT_EQ(t.column(c).categories, t1.column(c).categories);
    }
  }
  // Bad cells in two columns: the earliest line wins whatever the threads.
  RawTable bad = Parse("a,b,c,d\n1,2,3,4\n1,2,3,x\n1,y,3,4\n");
  Schema num;
  for (const char* n : {"a", "b", "c", "d"}) num.columns.push_back({n, ColumnType::kNumeric, ""});
  for (int threads : {1, 2, 4}) {
    EXPECT_EQ(InvalidMessage([&] { BuildTable(bad, num, Build(false, threads)); }),
              "t.csv:3: column 'd': cannot parse 'x' as numeric");
  }
}

TEST(InferAndBuildTable, MatchesInferSchemaThenBuildTable) {
  std::string text = "n,late_text,b,d,c,empty,forced\n";
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(i * 0.125) + "," + (i == 4321 ? "oops" : std::to_string(i)) + "," +
            (i % 2 ? "true" : "false") + ",2020-01-0" + std::to_string(1 + i % 9) + "," + (i % 3 ? "x" : "y") + ",," +
            std::to_string(i % 10) + "\n";
  }
  RawTable raw = Parse(text);
  for (int threads : {1, 3}) {
    InferenceOptions o = Infer(threads);
    o.overrides["forced"] = ColumnType::kCategorical;
    Schema expected_schema = InferSchema(raw, o);
    Table expected = BuildTable(raw, expected_schema, Build(false, threads));
    Schema schema;
    Table t = InferAndBuildTable(raw, o, &schema);
    EXPECT_EQ(schema, expected_schema);
    EXPECT_EQ(schema.columns[1].type, ColumnType::kCategorical) << "a non-number in row 4321";
    EXPECT_EQ(schema.columns[2].type, ColumnType::kBoolean);
    EXPECT_EQ(schema.columns[3].type, ColumnType::kDatetime);
    EXPECT_EQ(schema.columns[5].type, ColumnType::kNumeric);
    EXPECT_EQ(schema.columns[6].type, ColumnType::kCategorical);
    ASSERT_EQ(t.num_columns(), expected.num_columns());
    for (size_t c = 0; c < t.num_columns(); ++c) {
      const Column& a = t.column(c);
      const Column& b = expected.column(c);
      EXPECT_EQ(a.name, b.name);
      EXPECT_EQ(a.type, b.type);
      ASSERT_EQ(a.numbers.size(), b.numbers.size());
      for (size_t r = 0; r < a.numbers.size(); ++r) {
        ASSERT_TRUE(a.numbers[r] == b.numbers[r] || (std::isnan(a.numbers[r]) && std::isnan(b.numbers[r])));
      }
      EXPECT_EQ(a.codes, b.codes);
      EXPECT_EQ(a.categories, b.categories);
    }
  }
}

TEST(ReadTable, ReadsInfersAndBuilds) {
  testing::TempDir dir;
  auto path = dir.Write("train.csv", "age;city;label\n30;\"Rio\";yes\n41;\"S\xC3\xA3o Paulo\";no\n;Rio;yes\n");
  CsvOptions csv;
  csv.threads = 2;
  Schema schema;
  Table t = ReadTable(path, csv, InferenceOptions{}, &schema);
  EXPECT_EQ(t.source(), path.string());
  ASSERT_EQ(schema.columns.size(), 3u);
  EXPECT_EQ(schema.columns[1].name, "city");
  EXPECT_EQ(schema.columns[1].type, ColumnType::kCategorical);
  ASSERT_EQ(t.num_rows(), 3u);
  ASSERT_EQ(t.num_columns(), 3u);
  EXPECT_EQ(t.column(0).type, ColumnType::kNumeric);
  EXPECT_TRUE(t.column(0).IsMissing(2));
  EXPECT_EQ(t.column(1).type, ColumnType::kCategorical);
  EXPECT_EQ(t.column(1).categories, (std::vector<std::string>{"Rio", "S\xC3\xA3o Paulo"}));
  EXPECT_EQ(t.column(2).type, ColumnType::kCategorical);
}

}  // namespace
}  // namespace tabpilot
