#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/csv_reader.h"
#include "messy_csv.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

CsvOptions Opts(char delimiter = 0, int threads = 1, bool header = true) {
  CsvOptions o;
  o.delimiter = delimiter;
  o.threads = threads;
  o.header = header;
  return o;
}

RawTable Parse(const std::string& text, const CsvOptions& options = Opts()) {
  return ParseRawCsv(text, "t.csv", options);
}

using testing::InvalidMessage;

std::vector<std::string> Row(const RawTable& t, size_t r) {
  std::vector<std::string> out;
  for (size_t c = 0; c < t.num_columns(); ++c) out.emplace_back(t.cell(r, c));
  return out;
}

using Cells = std::vector<std::string>;

TEST(CsvReader, ParsesHeaderAndCells) {
  RawTable t = Parse("a,b,c\n1,2,3\n4,5,6\n");
  ASSERT_EQ(t.num_columns(), 3u);
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.name(0), "a");
  EXPECT_EQ(t.name(2), "c");
  EXPECT_EQ(Row(t, 0), (Cells{"1", "2", "3"}));
  EXPECT_EQ(Row(t, 1), (Cells{"4", "5", "6"}));
  EXPECT_EQ(t.line_of_row(0), 2u);
  EXPECT_EQ(t.line_of_row(1), 3u);
  EXPECT_EQ(t.Find("b"), 1u);
  EXPECT_FALSE(t.Find("z").has_value());
  EXPECT_EQ(t.source(), "t.csv");
}

TEST(CsvReader, DetectsDelimiters) {
  EXPECT_EQ(Parse("a;b;c\n1;2,5;3\n").delimiter(), ';');
  EXPECT_EQ(Parse("a\tb\n1\t2\n").delimiter(), '\t');
  EXPECT_EQ(Parse("a|b|c\n1|2|3\n").delimiter(), '|');
  EXPECT_EQ(Parse("a,b\n1,2\n").delimiter(), ',');
  // Separators inside quotes do not count: ';' appears consistently only quoted.
  RawTable q = Parse("x,y\n\"1;2;3\",4\n\"5;6;7\",8\n");
  EXPECT_EQ(q.delimiter(), ',');
  EXPECT_EQ(Row(q, 0), (Cells{"1;2;3", "4"}));
  // ',' inside values but ';' is the consistent separator.
  RawTable semi = Parse("name;price\nfoo;1,5\nbar,baz;2,25\n");
  EXPECT_EQ(semi.delimiter(), ';');
  EXPECT_EQ(Row(semi, 1), (Cells{"bar,baz", "2,25"}));
}

TEST(CsvReader, FallsBackToWhitespaceSeparatedColumns) {
  RawTable t = Parse("95 48  83 van \n 91  41 84 bus\n", Opts(0, 1, false));
  EXPECT_EQ(t.delimiter(), ' ');
  ASSERT_EQ(t.num_columns(), 4u);
  EXPECT_EQ(Row(t, 0), (Cells{"95", "48", "83", "van"}));
  EXPECT_EQ(Row(t, 1), (Cells{"91", "41", "84", "bus"}));
  EXPECT_EQ(t.name(3), "col_4");
}

TEST(CsvReader, InconsistentFileUsesTheMajoritySeparator) {
  // A junk first line (like adult.test's "|1x3 Cross validator") must not
  // make '|' the separator: the error should point at that line.
  std::string text = "|1x3 Cross validator\n";
  for (int i = 0; i < 5; ++i) text += "25, Private, 226802, 11th\n";
  CsvOptions o;
  o.threads = 1;
  o.header = false;
  try {
    ParseRawCsv(text, "t.csv", o);
    ADD_FAILURE() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "t.csv:2: expected 1 fields, found 4");
  }
}

TEST(CsvReader, ExplicitDelimiterWins) {
  RawTable t = Parse("a;b,c\n1;2,3\n", Opts(','));
  EXPECT_EQ(t.name(0), "a;b");
  EXPECT_EQ(Row(t, 0), (Cells{"1;2", "3"}));
}

TEST(CsvReader, HandlesRfc4180Quoting) {
  std::string text =
      "id,text,n\n"
      "1,\"hello, world\",2\n"
      "2,\"she said \"\"hi\"\"\",3\n"
      "3,\"two\nlines\r\nhere\",4\n"
      "4,  \"  padded  \"  ,5\n"
      "5,\"\",6\n";
  RawTable t = Parse(text);
  ASSERT_EQ(t.num_rows(), 5u);
  EXPECT_EQ(t.cell(0, 1), "hello, world");
  EXPECT_EQ(t.cell(1, 1), "she said \"hi\"");
  EXPECT_EQ(t.cell(2, 1), "two\nlines\r\nhere");
  EXPECT_EQ(t.cell(3, 1), "  padded  ");  // spaces inside quotes are data
  EXPECT_TRUE(t.is_missing(4, 1));
  // Line numbers account for the newlines inside the quoted field.
  EXPECT_EQ(t.line_of_row(2), 4u);
  EXPECT_EQ(t.line_of_row(3), 7u);
  EXPECT_EQ(t.line_of_row(4), 8u);
  EXPECT_EQ(t.cell(4, 2), "6");
}

TEST(CsvReader, QuoteInsideUnquotedFieldIsLiteral) {
  RawTable t = Parse("h,w\n5'10\",72\n");
  EXPECT_EQ(Row(t, 0), (Cells{"5'10\"", "72"}));
}

TEST(CsvReader, RaggedRowAfterMultilineFieldNamesPhysicalLine) {
  std::string msg = InvalidMessage([] { Parse("a,b\n\"x\ny\",1\n2,3\n4,5,6\n"); });
  EXPECT_EQ(msg, "t.csv:5: expected 2 fields, found 3");
}

TEST(CsvReader, TrimsUnquotedFields) {
  RawTable t = Parse("a , b\n2 ,50\n\t3\t,  4  \n");
  EXPECT_EQ(t.name(0), "a");
  EXPECT_EQ(t.name(1), "b");
  EXPECT_EQ(Row(t, 0), (Cells{"2", "50"}));
  EXPECT_EQ(Row(t, 1), (Cells{"3", "4"}));
}

TEST(CsvReader, CommaSpaceSeparatorLikeAdult) {
  RawTable t = Parse("39, State-gov, 77516, <=50K\n50, Self-emp-not-inc, 83311, >50K\n\n", Opts(0, 1, false));
  EXPECT_EQ(t.delimiter(), ',');
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(Row(t, 1), (Cells{"50", "Self-emp-not-inc", "83311", ">50K"}));
}

TEST(CsvReader, BomCrlfNoTrailingNewlineAndBlankLines) {
  RawTable t = Parse("\xEF\xBB\xBFx,y\r\n1,2\r\n\r\n   \r\n3,4");
  EXPECT_EQ(t.name(0), "x");
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(Row(t, 0), (Cells{"1", "2"}));
  EXPECT_EQ(Row(t, 1), (Cells{"3", "4"}));
  EXPECT_EQ(t.line_of_row(1), 5u);
  RawTable trailing = Parse("x,y\n1,2\n\n");
  EXPECT_EQ(trailing.num_rows(), 1u);
}

TEST(CsvReader, RecognisesMissingTokens) {
  RawTable t = Parse("v,w\n,1\n?,1\nNA,1\nn/a,1\nNaN,1\nNULL,1\n None ,1\nnone,1\nNope,1\n0,1\nnan0,1\n");
  ASSERT_EQ(t.num_rows(), 11u);
  for (size_t r = 0; r < 8; ++r) EXPECT_TRUE(t.is_missing(r, 0)) << "row " << r << " '" << t.cell(r, 0) << "'";
  EXPECT_FALSE(t.is_missing(8, 0));
  EXPECT_FALSE(t.is_missing(9, 0));
  EXPECT_FALSE(t.is_missing(10, 0));
  EXPECT_FALSE(t.is_missing(0, 1));
  EXPECT_EQ(t.cell(6, 0), "None");
  EXPECT_TRUE(IsMissingToken("N/A"));
  EXPECT_FALSE(IsMissingToken("-"));
}

TEST(CsvReader, HeaderFalseNamesColumns) {
  RawTable t = Parse("1,2,3\n4,5,6\n", Opts(0, 1, false));
  ASSERT_EQ(t.num_rows(), 2u);
  EXPECT_EQ(t.name(0), "col_1");
  EXPECT_EQ(t.name(2), "col_3");
  EXPECT_EQ(t.line_of_row(0), 1u);
  // The first record is split twice (for the count, then as data): quotes must survive.
  RawTable q = Parse("\"a\"\"b\",1\n", Opts(0, 1, false));
  EXPECT_EQ(q.cell(0, 0), "a\"b");
}

TEST(CsvReader, EmptyHeaderNamesGetDefaultsAndDuplicatesFail) {
  RawTable t = Parse("a,,c\n1,2,3\n");
  EXPECT_EQ(t.name(1), "col_2");
  EXPECT_EQ(InvalidMessage([] { Parse("a,b,a\n1,2,3\n"); }), "t.csv:1: duplicate column name 'a'");
}

TEST(CsvReader, ReportsEmptyFileAndHeaderOnly) {
  EXPECT_EQ(InvalidMessage([] { Parse(""); }), "t.csv: file is empty");
  EXPECT_EQ(InvalidMessage([] { Parse("\xEF\xBB\xBF\n\r\n  \n"); }), "t.csv: file is empty");
  EXPECT_EQ(InvalidMessage([] { Parse("a,b,c\n"); }), "t.csv: no data rows");
  EXPECT_EQ(InvalidMessage([] { Parse("a,b,c"); }), "t.csv: no data rows");
}

TEST(CsvReader, ReportsRaggedRows) {
  EXPECT_EQ(InvalidMessage([] { Parse("a,b,c,d\n1,2,3,4\n\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4,5\n"); }),
            "t.csv:7: expected 4 fields, found 5");
  EXPECT_EQ(InvalidMessage([] { Parse("a,b,c\n1,2\n"); }), "t.csv:2: expected 3 fields, found 2");
}

TEST(CsvReader, ReportsInvalidUtf8WithLineAndColumn) {
  EXPECT_EQ(InvalidMessage([] { Parse("id,name\n1,ok\n2,bad\xC3(\n"); }), "t.csv:3: column 'name': invalid UTF-8");
  // Valid multi-byte text passes.
  RawTable t = Parse("city\nS\xC3\xA3o Paulo\n\xE2\x82\xAC\n");
  EXPECT_EQ(t.cell(0, 0), "S\xC3\xA3o Paulo");
}

TEST(CsvReader, ReportsUnterminatedQuote) {
  EXPECT_EQ(InvalidMessage([] { Parse("a,b\n1,2\n3,\"oops\n4,5\n"); }), "t.csv:3: unterminated quoted field");
}

TEST(CsvReader, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_THROW(ReadRawCsv(dir / "nope.csv", Opts()), NotFound);
}

TEST(CsvReader, ReadsFilesAndGzip) {
  testing::TempDir dir;
  std::string text = "a,b\n1,x\n2,\"y,z\"\n";
  auto plain = dir.Write("d.csv", text);
  RawTable t = ReadRawCsv(plain, Opts());
  EXPECT_EQ(t.source(), plain.string());
  EXPECT_EQ(t.cell(1, 1), "y,z");

  auto gz_path = dir / "d.csv.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
  RawTable g = ReadRawCsv(gz_path, Opts());
  ASSERT_EQ(g.num_rows(), 2u);
  EXPECT_EQ(g.cell(0, 0), "1");
  EXPECT_EQ(g.cell(1, 1), "y,z");

  auto corrupt = dir.Write("bad.csv.gz", std::string("\x1f\x8b\x08\x00garbage-garbage", 19));
  EXPECT_THROW(ReadRawCsv(corrupt, Opts()), IoError);
}

TEST(CsvReader, TellsItsProgressWithTheBytesReadAndTheSizeOnDisk) {
  testing::TempDir dir;
  const std::string text = "a,b\n1,x\n2,y\n";
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  CsvOptions options = Opts();
  options.progress = [&calls](uint64_t read, uint64_t stored) { calls.emplace_back(read, stored); };
  const auto plain = dir.Write("d.csv", text);
  EXPECT_EQ(ReadRawCsv(plain, options).num_rows(), 2u);
  ASSERT_EQ(calls.size(), 1u);  // a small file: the end only
  EXPECT_EQ(calls.back(), std::make_pair(uint64_t{text.size()}, uint64_t{text.size()}));

  // A gzip file: the bytes inflated, beside the compressed size on disk.
  calls.clear();
  const auto gz_path = dir / "d.csv.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
  EXPECT_EQ(ReadRawCsv(gz_path, options).num_rows(), 2u);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back().first, text.size());
  EXPECT_EQ(calls.back().second, std::filesystem::file_size(gz_path));
}

using testing::MessyCsv;

TEST(CsvReader, ResultIdenticalForAnyThreadCount) {
  std::string text = MessyCsv(3001);
  RawTable one = Parse(text, Opts(0, 1));
  ASSERT_EQ(one.num_rows(), 3001u);
  EXPECT_EQ(one.cell(0, 1), "line one\nline \"two\"");
  EXPECT_EQ(one.line_of_row(1), 5u);  // header, row 0 (two lines), blank line after row 0
  for (int threads : {2, 3, 8}) {
    RawTable t = Parse(text, Opts(0, threads));
    ASSERT_EQ(t.num_rows(), one.num_rows());
    for (size_t r = 0; r < t.num_rows(); ++r) {
      ASSERT_EQ(t.line_of_row(r), one.line_of_row(r));
      for (size_t c = 0; c < t.num_columns(); ++c) {
        ASSERT_EQ(t.cell(r, c), one.cell(r, c)) << r << "," << c;
        ASSERT_EQ(t.is_missing(r, c), one.is_missing(r, c));
      }
    }
  }
}

TEST(CsvReader, ErrorIsTheEarliestForAnyThreadCount) {
  std::string text = "a,b\n";
  for (int i = 0; i < 1000; ++i) text += (i == 700 || i == 300 ? "1,2,3\n" : "1,2\n");
  for (int threads : {1, 2, 4}) {
    EXPECT_EQ(InvalidMessage([&] { Parse(text, Opts(0, threads)); }), "t.csv:302: expected 2 fields, found 3")
        << threads << " threads";
  }
}

}  // namespace
}  // namespace tabpilot
