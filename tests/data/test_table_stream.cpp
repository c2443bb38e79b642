// The streaming load (table_stream.h) gives the Table and Schema the
// whole-file path (ReadRawCsv + InferAndBuildTable) gives, whatever the chunk
// size, including when a column's first chunk looked like numbers and a
// later one did not.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/table_stream.h"
#include "data/type_inference.h"
#include "messy_csv.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;
using testing::InvalidMessage;

bool SameNumber(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

void ExpectSameColumn(const Column& want, const Column& got) {
  ASSERT_EQ(got.name, want.name);
  ASSERT_EQ(got.type, want.type) << "column " << want.name;
  ASSERT_EQ(got.numbers.size(), want.numbers.size()) << "column " << want.name;
  for (size_t r = 0; r < want.numbers.size(); ++r) {
    ASSERT_TRUE(SameNumber(got.numbers[r], want.numbers[r]))
        << "column " << want.name << " row " << r << ": " << got.numbers[r] << " vs " << want.numbers[r];
  }
  EXPECT_EQ(got.codes, want.codes) << "column " << want.name;
  EXPECT_EQ(got.categories, want.categories) << "column " << want.name;
  EXPECT_EQ(got.texts, want.texts) << "column " << want.name;
  EXPECT_EQ(got.text_missing, want.text_missing) << "column " << want.name;
}

struct Whole {
  Table table;
  Schema schema;
  std::vector<uint32_t> lines;
};

Whole ReadWhole(const fs::path& path, const InferenceOptions& inference = {}) {
  Whole w;
  RawTable raw = ReadRawCsv(path, CsvOptions{});
  for (size_t r = 0; r < raw.num_rows(); ++r) w.lines.push_back(static_cast<uint32_t>(raw.line_of_row(r)));
  w.table = InferAndBuildTable(raw, inference, &w.schema);
  return w;
}

TableStreamOptions Chunks(size_t rows, int threads = 1) {
  TableStreamOptions o;
  o.chunk_rows = rows;
  o.csv.threads = threads;
  return o;
}

void ExpectSameTable(const Whole& want, const StreamedTable& got) {
  EXPECT_EQ(got.schema, want.schema);
  EXPECT_EQ(got.lines, want.lines);
  ASSERT_EQ(got.table.num_columns(), want.table.num_columns());
  ASSERT_EQ(got.table.num_rows(), want.table.num_rows());
  for (size_t c = 0; c < want.table.num_columns(); ++c) {
    ExpectSameColumn(want.table.column(c), got.table.column(c));
  }
}

TEST(TableStream, MessyFileIsTheWholeFileTableForAnyChunkSize) {
  testing::TempDir dir;
  const std::string text = testing::MessyCsv(60);
  const fs::path path = dir.Write("m.csv", text);
  const Whole want = ReadWhole(path);
  for (size_t rows : {1, 2, 3, 7, 1000}) {
    SCOPED_TRACE("chunk rows " + std::to_string(rows));
    const StreamedTable got = StreamTable(path, Chunks(rows, 2));
    ExpectSameTable(want, got);
    EXPECT_EQ(got.table.source(), path.string());
  }
  const fs::path gz = dir.WriteGzip("m.csv.gz", text);
  ExpectSameTable(want, StreamTable(gz, Chunks(4)));
}

// Columns whose first chunk says one type and the whole file another.
TEST(TableStream, ColumnsThatChangeTypeAfterTheFirstChunk) {
  testing::TempDir dir;
  std::string text = "n,late_word,late_bool,missing_first,words,repeats,when,dup\n";
  for (int i = 0; i < 40; ++i) {
    const std::string n = std::to_string(i * 2);
    text += n + ",";                                                     // numbers throughout
    text += (i == 31 ? std::string("seven") : (i % 2 ? "1.50" : "1.5")) + ",";  // numbers, then a word
    text += (i < 20 ? std::string("true") : (i == 35 ? "maybe" : "FALSE")) + ",";
    text += (i < 9 ? std::string("") : "x" + std::to_string(i % 3)) + ",";
    text += (i < 10 ? "a" + std::to_string(i % 2) : "many different words here " + n) + ",";
    text += (i < 10 ? "every row different words " + n : std::string("same")) + ",";
    text += (i < 30 ? "2015-02-" + std::to_string(10 + i % 18) : "2015/02/24") + ",";
    text += (i % 2 ? "x" : "X") + std::string("\n");
  }
  const fs::path path = dir.Write("t.csv", text);
  const Whole want = ReadWhole(path);
  EXPECT_EQ(want.schema.columns[1].type, ColumnType::kCategorical);
  EXPECT_EQ(want.schema.columns[2].type, ColumnType::kCategorical);
  EXPECT_EQ(want.schema.columns[4].type, ColumnType::kText);
  EXPECT_EQ(want.schema.columns[5].type, ColumnType::kCategorical);
  EXPECT_EQ(want.schema.columns[6].type, ColumnType::kCategorical);
  for (size_t rows : {3, 8, 13}) {
    SCOPED_TRACE("chunk rows " + std::to_string(rows));
    const StreamedTable got = StreamTable(path, Chunks(rows, 2));
    ExpectSameTable(want, got);
    // The numbers (and booleans, dates) of late_word, late_bool and when
    // broke, and missing_first's when its first chunk was empty; each names
    // the line of the cell that broke them.
    std::vector<std::pair<std::string, size_t>> expected = {{"late_word", 33}, {"late_bool", 37}, {"when", 32}};
    if (rows < 10) expected.insert(expected.begin() + 2, {"missing_first", 11});
    EXPECT_EQ(got.reread, expected);
  }
}

TEST(TableStream, LabelColumnsKeepStringsUntilTheyAreManyNumbers) {
  testing::TempDir dir;
  std::string few = "x,y\n";
  for (int i = 0; i < 50; ++i) few += std::to_string(i) + "," + (i % 3 ? "1" : "1.0") + "\n";
  const fs::path few_path = dir.Write("few.csv", few);
  TableStreamOptions label = Chunks(7);
  label.modes["y"] = ColumnBuilder::Mode::kLabel;
  InferenceOptions categorical;
  categorical.overrides["y"] = ColumnType::kCategorical;
  ExpectSameTable(ReadWhole(few_path, categorical), StreamTable(few_path, label));

  // More distinct numbers than a label keeps: numbers, as inference gives.
  std::string many = "x,y\n";
  const int n = static_cast<int>(ColumnBuilder::kLabelDistinct) + 500;
  for (int i = 0; i < n; ++i) many += std::to_string(i % 7) + "," + std::to_string(i * 0.5) + "\n";
  const fs::path many_path = dir.Write("many.csv", many);
  label.chunk_rows = 500;
  const StreamedTable got = StreamTable(many_path, label);
  ExpectSameTable(ReadWhole(many_path), got);
  EXPECT_TRUE(got.reread.empty());

  // ... and when a word follows them, strings again, read from the start.
  many += "1,seven\n";
  const fs::path word_path = dir.Write("word.csv", many);
  const StreamedTable words = StreamTable(word_path, label);
  ExpectSameTable(ReadWhole(word_path, categorical), words);
  ASSERT_EQ(words.reread.size(), 1u);
  EXPECT_EQ(words.reread[0].first, "y");
}

// A random cell of a random kind: numbers, booleans, dates, labels, prose,
// missing tokens; columns lean to one kind with a few strays, so that many
// change type after their first chunk.
std::string RandomCell(std::mt19937& rng, int kind) {
  const int k = rng() % 20 == 0 ? static_cast<int>(rng() % 6) : kind;
  switch (k) {
    case 0:
      return std::to_string(static_cast<int>(rng() % 50) - 10) + (rng() % 2 ? ".5" : "");
    case 1:
      return rng() % 2 ? "true" : "False";
    case 2:
      return "2020-0" + std::to_string(1 + rng() % 9) + "-1" + std::to_string(rng() % 10);
    case 3:
      return "c" + std::to_string(rng() % 4);
    case 4:
      return "some words of prose " + std::to_string(rng() % 1000);
    default:
      return rng() % 2 ? "" : "NA";
  }
}

TEST(TableStream, RandomTablesAreTheWholeFileTable) {
  testing::TempDir dir;
  std::mt19937 rng(20261205);
  for (int round = 0; round < 200; ++round) {
    const size_t columns = 1 + rng() % 5;
    const size_t rows = 1 + rng() % 60;
    std::vector<int> kinds(columns);
    std::string text;
    for (size_t c = 0; c < columns; ++c) {
      kinds[c] = static_cast<int>(rng() % 6);
      text += (c ? "," : "") + std::string("c") + std::to_string(c);
    }
    text += "\n";
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < columns; ++c) text += (c ? "," : "") + RandomCell(rng, kinds[c]);
      text += "\n";
    }
    const fs::path path = dir.Write("r.csv", text);
    SCOPED_TRACE("round " + std::to_string(round) + ": " + text);
    ExpectSameTable(ReadWhole(path), StreamTable(path, Chunks(1 + rng() % 9, 1 + static_cast<int>(rng() % 2))));
  }
}

TEST(TableStream, BadInputFailsAsTheWholeFileReader) {
  testing::TempDir dir;
  const fs::path header = dir.Write("header.csv", "a,b\n");
  EXPECT_EQ(InvalidMessage([&] { StreamTable(header, Chunks(4)); }), header.string() + ": no data rows");
  const fs::path empty = dir.Write("empty.csv", "\n");
  EXPECT_EQ(InvalidMessage([&] { StreamTable(empty, Chunks(4)); }), empty.string() + ": file is empty");
  const fs::path ok = dir.Write("ok.csv", "a,b\n1,2\n3,4\n5,6\n");
  TableStreamOptions unknown = Chunks(4);
  unknown.modes["z"] = ColumnBuilder::Mode::kCategorical;
  EXPECT_EQ(InvalidMessage([&] { StreamTable(ok, unknown); }), ok.string() + ": type override for unknown column 'z'");
  const fs::path ragged = dir.Write("ragged.csv", "a,b\n1,2\n3,4\n5\n");
  EXPECT_NE(InvalidMessage([&] { StreamTable(ragged, Chunks(1)); }).find(":4:"), std::string::npos);

  TableStreamOptions cells = Chunks(1);
  cells.csv.limits.csv_cells = 5;
  EXPECT_NE(InvalidMessage([&] { StreamTable(ok, cells); }).find("TABPILOT_LIMIT_CSV_CELLS"), std::string::npos);
  TableStreamOptions bytes = Chunks(1);
  bytes.csv.limits.file_bytes = 8;
  EXPECT_NE(InvalidMessage([&] { StreamTable(ok, bytes); }).find("TABPILOT_LIMIT_FILE_BYTES"), std::string::npos);
  std::string big = "a,b\n";
  for (int i = 0; i < 20000; ++i) big += "1,2\n";
  const fs::path gz = dir.WriteGzip("big.csv.gz", big);
  TableStreamOptions inflated = Chunks(1000);
  inflated.csv.limits.decompressed_bytes = 20000;
  EXPECT_NE(InvalidMessage([&] { StreamTable(gz, inflated); }).find("TABPILOT_LIMIT_DECOMPRESSED_BYTES"),
            std::string::npos);

  // The caller's check of the header runs before any row is read.
  TableStreamOptions check = Chunks(4);
  check.on_header = [](const std::vector<std::string>& names) {
    if (names.size() < 3) throw InvalidInput("need three columns");
  };
  EXPECT_EQ(InvalidMessage([&] { StreamTable(ragged, check); }), "need three columns");
}

TEST(TableStream, ProgressCountsRowsAndBytes) {
  testing::TempDir dir;
  const std::string text = testing::MessyCsv(100);
  const fs::path path = dir.Write("m.csv", text);
  TableStreamOptions options = Chunks(10);
  std::vector<TableStreamProgress> seen;
  options.progress = [&](const TableStreamProgress& p) { seen.push_back(p); };
  const StreamedTable got = StreamTable(path, options);
  ASSERT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.back().rows, 100u);
  EXPECT_EQ(seen.back().bytes, text.size());
  EXPECT_EQ(seen.back().stored_bytes, text.size());
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GT(seen[i].rows, seen[i - 1].rows);
  EXPECT_EQ(got.bytes, text.size());
}

TEST(TableStream, AdultIsTheWholeFileTable) {
  const fs::path path = testing::DatasetsDir() / "adult" / "adult.data";
  TABPILOT_REQUIRE_DATASET(path);
  TableStreamOptions options = Chunks(5000, 2);
  options.csv.header = false;
  CsvOptions csv;
  csv.header = false;
  Whole want;
  RawTable raw = ReadRawCsv(path, csv);
  for (size_t r = 0; r < raw.num_rows(); ++r) want.lines.push_back(static_cast<uint32_t>(raw.line_of_row(r)));
  want.table = InferAndBuildTable(raw, InferenceOptions{}, &want.schema);
  ExpectSameTable(want, StreamTable(path, options));
}

}  // namespace
}  // namespace tabpilot
