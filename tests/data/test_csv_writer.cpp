#include "data/csv_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "data/csv_reader.h"

namespace tabpilot {
namespace {

TEST(CsvWriter, EscapesOnlyWhenNeeded) {
  EXPECT_EQ(CsvEscape("plain"), "plain");
  EXPECT_EQ(CsvEscape(""), "");
  EXPECT_EQ(CsvEscape("0.25"), "0.25");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvEscape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvEscape("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvEscape(" padded"), "\" padded\"");
  EXPECT_EQ(CsvEscape("a;b"), "a;b");
  EXPECT_EQ(CsvEscape("a;b", ';'), "\"a;b\"");
}

TEST(CsvWriter, WritesRowsThatReadBack) {
  std::ostringstream out;
  CsvWriter writer(out);
  std::vector<std::vector<std::string>> rows = {
      {"predicted_label", "proba_yes", "note"},
      {"yes", "0.75", "has, comma"},
      {"no", "0.25", "quote \" and\nnewline"},
      {"S\xC3\xA3o", "1", " lead"},
  };
  for (const auto& r : rows) writer.WriteRow(r);
  EXPECT_EQ(out.str(),
            "predicted_label,proba_yes,note\n"
            "yes,0.75,\"has, comma\"\n"
            "no,0.25,\"quote \"\" and\nnewline\"\n"
            "S\xC3\xA3o,1,\" lead\"\n");
  CsvOptions o;
  o.delimiter = ',';
  RawTable t = ParseRawCsv(out.str(), "out.csv", o);
  ASSERT_EQ(t.num_rows(), 3u);
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(t.cell(r, c), rows[r + 1][c]);
  }
}

}  // namespace
}  // namespace tabpilot
