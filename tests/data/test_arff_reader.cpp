#include <gtest/gtest.h>

#include "core/error.h"
#include "data/arff_reader.h"
#include "data/type_inference.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

const char* kArff =
    "% a comment\n"
    "@RELATION credit\n"
    "\n"
    "@attribute checking_status { '<0', '0<=X<200', 'no checking'}\n"
    "@attribute duration numeric\n"
    "@attribute 'v(g)' REAL\n"
    "@attribute note string\n"
    "@attribute when date \"yyyy-MM-dd\"\n"
    "@attribute class {good,bad}\n"
    "@data\n"
    "% comment inside data\n"
    "'<0',6,1.5,'first note',2015-02-24,good\n"
    "\n"
    "'no checking',?,2,'it''s fine',2015-02-25,bad\r\n"
    "'0<=X<200', 12 ,3,?,?,good";

using testing::InvalidMessage;

TEST(ArffReader, ParsesHeaderAndData) {
  ArffData d = ParseArff(kArff, "c.arff", CsvOptions{});
  const RawTable& raw = d.raw;
  ASSERT_EQ(raw.num_columns(), 6u);
  ASSERT_EQ(raw.num_rows(), 3u);
  EXPECT_EQ(raw.name(2), "v(g)");
  EXPECT_EQ(raw.cell(0, 0), "<0");
  EXPECT_EQ(raw.cell(1, 0), "no checking");
  EXPECT_EQ(raw.cell(1, 3), "it's fine");
  EXPECT_TRUE(raw.is_missing(1, 1));
  EXPECT_EQ(raw.cell(2, 1), "12");
  EXPECT_EQ(raw.line_of_row(0), 12u);
  EXPECT_EQ(raw.line_of_row(2), 15u);
  EXPECT_EQ(d.declared_types.at("checking_status"), ColumnType::kCategorical);
  EXPECT_EQ(d.declared_types.at("duration"), ColumnType::kNumeric);
  EXPECT_EQ(d.declared_types.at("v(g)"), ColumnType::kNumeric);
  EXPECT_EQ(d.declared_types.at("note"), ColumnType::kText);
  EXPECT_EQ(d.declared_types.count("when"), 0u);
}

TEST(ArffReader, ReadTableUsesDeclaredTypes) {
  testing::TempDir dir;
  auto path = dir.Write("c.arff", kArff);
  Table t = ReadTable(path, CsvOptions{}, InferenceOptions{});
  ASSERT_EQ(t.num_columns(), 6u);
  EXPECT_EQ(t.column(0).type, ColumnType::kCategorical);
  EXPECT_EQ(t.column(1).type, ColumnType::kNumeric);
  EXPECT_EQ(t.column(3).type, ColumnType::kText);
  EXPECT_EQ(t.column(4).type, ColumnType::kDatetime);
  EXPECT_EQ(t.column(5).categories, (std::vector<std::string>{"good", "bad"}));
  // The caller's overrides win over the declared types.
  InferenceOptions o;
  o.overrides["note"] = ColumnType::kCategorical;
  EXPECT_EQ(ReadTable(path, CsvOptions{}, o).column(3).type, ColumnType::kCategorical);
  // ReadRawCsv dispatches on the extension.
  EXPECT_EQ(ReadRawCsv(path, CsvOptions{}).name(0), "checking_status");
}

TEST(ArffReader, ReportsErrorsWithLines) {
  EXPECT_EQ(InvalidMessage([] { ParseArff("@relation r\n@attribute a numeric\n", "x.arff", CsvOptions{}); }),
            "x.arff: no @data section");
  EXPECT_EQ(InvalidMessage([] { ParseArff("@relation r\n@attribute a numeric\n@data\n%\n", "x.arff", CsvOptions{}); }),
            "x.arff: no data rows");
  EXPECT_EQ(InvalidMessage([] { ParseArff("", "x.arff", CsvOptions{}); }), "x.arff: file is empty");
  EXPECT_EQ(InvalidMessage([] { ParseArff("@attribute a numeric\nhello\n", "x.arff", CsvOptions{}); }),
            "x.arff:2: expected @relation, @attribute or @data");
  EXPECT_EQ(InvalidMessage([] {
              ParseArff("@attribute a numeric\n@attribute b numeric\n@data\n1,2\n1,2,3\n", "x.arff", CsvOptions{});
            }),
            "x.arff:5: expected 2 fields, found 3");
  EXPECT_EQ(InvalidMessage([] { ParseArff("@attribute a numeric\n@data\n{0 1}\n", "x.arff", CsvOptions{}); }),
            "x.arff:3: sparse ARFF rows are not supported");
  EXPECT_EQ(InvalidMessage([] { ParseArff("@attribute a relational\n@data\n1\n", "x.arff", CsvOptions{}); }),
            "x.arff:1: attribute 'a' has unsupported type 'relational'");
}

TEST(ArffReader, RecognisesPaths) {
  EXPECT_TRUE(IsArffPath("a/b.arff"));
  EXPECT_TRUE(IsArffPath("b.ARFF"));
  EXPECT_TRUE(IsArffPath("b.arff.gz"));
  EXPECT_FALSE(IsArffPath("b.csv"));
  EXPECT_FALSE(IsArffPath("arff"));
}

}  // namespace
}  // namespace tabpilot
