// The chunk reader reads the same cells, lines and errors as the whole-file
// reader (ReadRawCsv), a bounded number of rows and bytes at a time.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_reader.h"
#include "messy_csv.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;
using testing::InvalidMessage;

CsvChunkOptions Chunks(size_t rows, size_t read_bytes = size_t{1} << 20) {
  CsvChunkOptions o;
  o.csv.threads = 1;
  o.chunk_rows = rows;
  o.read_bytes = read_bytes;
  return o;
}

std::vector<RawTable> ReadAllChunks(const fs::path& path, const CsvChunkOptions& options) {
  CsvChunkReader reader(path, options);
  std::vector<RawTable> chunks;
  while (auto chunk = reader.Next()) chunks.push_back(std::move(*chunk));
  return chunks;
}

// The chunks, one after another, hold exactly the whole-file table's rows:
// cells, missing flags, line numbers, names, source and delimiter.
void ExpectSameRows(const RawTable& whole, const std::vector<RawTable>& chunks) {
  size_t row = 0;
  for (const RawTable& chunk : chunks) {
    ASSERT_EQ(chunk.names(), whole.names());
    ASSERT_EQ(chunk.source(), whole.source());
    ASSERT_EQ(chunk.delimiter(), whole.delimiter());
    for (size_t r = 0; r < chunk.num_rows(); ++r, ++row) {
      ASSERT_LT(row, whole.num_rows());
      ASSERT_EQ(chunk.line_of_row(r), whole.line_of_row(row)) << "row " << row;
      for (size_t c = 0; c < whole.num_columns(); ++c) {
        ASSERT_EQ(chunk.cell(r, c), whole.cell(row, c)) << "row " << row << ", column " << c;
        ASSERT_EQ(chunk.is_missing(r, c), whole.is_missing(row, c)) << "row " << row << ", column " << c;
      }
    }
  }
  EXPECT_EQ(row, whole.num_rows());
}

std::string NumberedCsv(size_t rows) {
  std::string s = "id,name,value\n";
  for (size_t i = 0; i < rows; ++i) {
    s += std::to_string(i) + ",n" + std::to_string(i % 9) + "," + (i % 4 == 0 ? "NA" : std::to_string(i * 3)) + "\n";
  }
  return s;
}

TEST(CsvChunkReader, SevenRowChunksOfAHundredRowsAreTheWholeFile) {
  testing::TempDir dir;
  const fs::path path = dir.Write("d.csv", NumberedCsv(100));
  const RawTable whole = ReadRawCsv(path, CsvOptions{});
  // Read 64 bytes at a time: the reader never holds much more than one chunk.
  // (The delimiter is given: detection would first read 50 records.)
  CsvChunkOptions options = Chunks(7, 64);
  options.csv.delimiter = ',';
  CsvChunkReader reader(path, options);
  EXPECT_EQ(reader.rows_per_chunk(), 7u);
  std::vector<RawTable> chunks;
  while (auto chunk = reader.Next()) {
    EXPECT_LE(chunk->num_rows(), 7u);
    EXPECT_LE(reader.buffered_bytes(), 64u + 32u) << "chunk " << chunks.size();
    chunks.push_back(std::move(*chunk));
  }
  ASSERT_EQ(chunks.size(), 15u);
  for (size_t i = 0; i + 1 < chunks.size(); ++i) EXPECT_EQ(chunks[i].num_rows(), 7u);
  EXPECT_EQ(chunks.back().num_rows(), 2u);
  EXPECT_EQ(chunks[3].line_of_row(0), 23u);  // header on line 1, row 21 on line 23
  EXPECT_EQ(chunks[3].cell(0, 0), "21");
  ExpectSameRows(whole, chunks);
  EXPECT_FALSE(reader.Next().has_value());
}

TEST(CsvChunkReader, MessyFileIsTheWholeFileForAnyChunkAndBlockSize) {
  testing::TempDir dir;
  testing::MessyCsvOptions messy;
  messy.delimiter = ';';
  messy.byte_order_mark = true;
  messy.final_newline = false;
  const std::string text = testing::MessyCsv(503, messy);
  const fs::path path = dir.Write("m.csv", text);
  const RawTable whole = ReadRawCsv(path, CsvOptions{});
  ASSERT_EQ(whole.delimiter(), ';');
  ASSERT_EQ(whole.num_rows(), 503u);
  for (size_t rows : {1, 7, 100, 503, 504, 50000}) {
    for (size_t block : {1, 5, 64, 4096, 1 << 20}) {
      SCOPED_TRACE("chunk " + std::to_string(rows) + " rows, " + std::to_string(block) + "-byte reads");
      ExpectSameRows(whole, ReadAllChunks(path, Chunks(rows, block)));
    }
  }
  // Split over threads, and inflated from gzip.
  CsvChunkOptions threads = Chunks(64);
  threads.csv.threads = 3;
  ExpectSameRows(whole, ReadAllChunks(path, threads));
  const fs::path gz = dir.WriteGzip("m.csv.gz", text);
  const RawTable whole_gz = ReadRawCsv(gz, CsvOptions{});
  ExpectSameRows(whole_gz, ReadAllChunks(gz, Chunks(50, 1000)));
}

TEST(CsvChunkReader, DetectsTheDelimiterOnTheFirstRecordsAsTheWholeFileReader) {
  testing::TempDir dir;
  // Space-aligned columns, and a file whose first 50 records span many reads.
  std::string aligned = "a   b    c\n";
  for (int i = 0; i < 80; ++i) aligned += std::to_string(i) + "   x  " + std::to_string(i * 2) + "\n";
  std::string tabs = "a\tb,c\n";
  for (int i = 0; i < 80; ++i) tabs += std::to_string(i) + "\t" + std::string(300, 'y') + ",z\n";
  for (const auto& [name, text] : {std::pair{"aligned.txt", aligned}, std::pair{"tabs.tsv", tabs}}) {
    const fs::path path = dir.Write(name, text);
    const RawTable whole = ReadRawCsv(path, CsvOptions{});
    CsvChunkReader reader(path, Chunks(10, 16));
    EXPECT_EQ(reader.delimiter(), whole.delimiter()) << name;
    ExpectSameRows(whole, ReadAllChunks(path, Chunks(10, 16)));
  }
}

TEST(CsvChunkReader, WideFilesGetShorterChunks) {
  testing::TempDir dir;
  std::string text;
  for (int c = 0; c < 100; ++c) text += (c ? ",c" : "c") + std::to_string(c);
  text += "\n";
  for (int r = 0; r < 30; ++r) {
    for (int c = 0; c < 100; ++c) text += (c ? ",1" : "1");
    text += "\n";
  }
  const fs::path path = dir.Write("wide.csv", text);
  CsvChunkOptions options = Chunks(50000);
  options.chunk_cells = 1000;
  CsvChunkReader reader(path, options);
  EXPECT_EQ(reader.rows_per_chunk(), 10u);
  EXPECT_EQ(ReadAllChunks(path, options).size(), 3u);
}

TEST(CsvChunkReader, EmptyAndHeaderOnlyFilesFailAsTheWholeFileReader) {
  testing::TempDir dir;
  const fs::path empty = dir.Write("empty.csv", "\n\n");
  EXPECT_EQ(InvalidMessage([&] { CsvChunkReader reader(empty, Chunks(5)); }),
            InvalidMessage([&] { ReadRawCsv(empty, CsvOptions{}); }));
  const fs::path header = dir.Write("header.csv", "a,b,c\n");
  CsvChunkReader reader(header, Chunks(5));
  EXPECT_EQ(reader.names(), (std::vector<std::string>{"a", "b", "c"}));
  const std::string message = InvalidMessage([&] { reader.Next(); });
  EXPECT_EQ(message, header.string() + ": no data rows");
  EXPECT_EQ(message, InvalidMessage([&] { ReadRawCsv(header, CsvOptions{}); }));
  EXPECT_THROW(CsvChunkReader missing(dir / "missing.csv", Chunks(5)), NotFound);
}

// A bad record in a later chunk fails when that chunk is read, with the whole
// -file reader's message; the chunks before it were fine.
TEST(CsvChunkReader, BadRecordsMidFileNameTheFileAndLine) {
  testing::TempDir dir;
  std::string ragged = NumberedCsv(100);
  ragged.insert(ragged.find("\n80,") + 1, "79b,x,1,extra\n");  // line 82
  std::string quote = NumberedCsv(100);
  quote.insert(quote.find("\n90,") + 1, "\"open,1,2\n");  // line 92, never closed
  const std::vector<std::pair<std::string, std::string>> cases = {{ragged, ":82: expected 3 fields, found 4"},
                                                                  {quote, ":92: unterminated quoted field"}};
  for (const auto& [text, message] : cases) {
    const fs::path path = dir.Write("bad.csv", text);
    const std::string whole = InvalidMessage([&] { ReadRawCsv(path, CsvOptions{}); });
    EXPECT_EQ(whole, path.string() + message);
    CsvChunkReader reader(path, Chunks(7, 64));
    size_t good = 0;
    const std::string streamed = InvalidMessage([&] {
      while (auto chunk = reader.Next()) good += chunk->num_rows();
    });
    EXPECT_EQ(streamed, whole);
    EXPECT_GE(good, 70u);
  }
}

TEST(CsvChunkReader, PerRecordLimitsApplyWholeFileCapsDoNot) {
  testing::TempDir dir;
  std::string text = NumberedCsv(50);
  text.insert(text.find("\n30,") + 1, "30," + std::string(100000, 'x') + ",1\n");  // line 32
  const fs::path path = dir.Write("long.csv", text);
  CsvChunkOptions options = Chunks(7, 64);
  options.csv.limits.csv_line_bytes = 1024;
  CsvChunkReader reader(path, options);
  const std::string message = InvalidMessage([&] {
    while (reader.Next()) {
    }
  });
  EXPECT_EQ(message, path.string() + ":32: line longer than the limit of 1024 bytes (TABPILOT_LIMIT_CSV_LINE_BYTES)");
  EXPECT_LE(reader.buffered_bytes(), 4096u);  // the long line was not read to its end

  // File size, decompressed size and cell count cap whole files only.
  const fs::path plain = dir.Write("plain.csv", NumberedCsv(200));
  const fs::path gz = dir.WriteGzip("plain.csv.gz", NumberedCsv(200));
  CsvChunkOptions small = Chunks(20);
  small.csv.limits.file_bytes = 100;
  small.csv.limits.decompressed_bytes = 100;
  small.csv.limits.csv_cells = 30;
  for (const fs::path& p : {plain, gz}) {
    EXPECT_THROW(ReadRawCsv(p, small.csv), InvalidInput);
    size_t rows = 0;
    for (const RawTable& chunk : ReadAllChunks(p, small)) rows += chunk.num_rows();
    EXPECT_EQ(rows, 200u);
  }
}

// A random table in a random dialect: fields plain, padded, missing, quoted
// with the delimiter, doubled quotes or a line break inside; LF or CRLF, blank
// lines, maybe no final line break; and in one file of three a random
// character of the dialect inserted somewhere, which often breaks it.
std::string RandomCsv(std::mt19937& rng) {
  const std::string delimiters = ",;\t";
  const char d = delimiters[rng() % delimiters.size()];
  const std::vector<std::string> fields = {
      "a",          "",           " b ",  "NA",         "12.5", "\"x" + std::string(1, d) + "y\"",
      "\"q\"\"r\"", "\"l1\nl2\"", "\"\"", "caf\xC3\xA9"};
  const size_t columns = 1 + rng() % 4;
  const size_t rows = rng() % 12;
  std::string text;
  for (size_t r = 0; r <= rows; ++r) {
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) text += d;
      text += r == 0 ? "h" + std::to_string(c) : fields[rng() % fields.size()];
    }
    if (r < rows || rng() % 2 == 0) text += rng() % 3 == 0 ? "\r\n" : "\n";
    if (rng() % 6 == 0) text += "\n";
  }
  if (rng() % 3 == 0) {
    const std::string noise = std::string(",;\"\n\r \t") + d;
    text.insert(rng() % (text.size() + 1), 1, noise[rng() % noise.size()]);
  }
  return text;
}

// Random files read whole and in random chunks and blocks: when the whole
// -file reader accepts one, the chunks hold the same rows; when it rejects
// one, so does the chunk reader (which of several errors is reported first
// may differ: the chunk reader stops at the first bad chunk).
TEST(CsvChunkReader, RandomFilesReadAsTheWholeFileReader) {
  testing::TempDir dir;
  std::mt19937 rng(20261203);
  size_t accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string text = RandomCsv(rng);
    const fs::path path = dir.Write("r.csv", text);
    std::optional<RawTable> whole;
    try {
      whole = ReadRawCsv(path, CsvOptions{});
    } catch (const InvalidInput&) {
    }
    const CsvChunkOptions options = Chunks(1 + rng() % 5, 1 + rng() % 16);
    std::vector<RawTable> chunks;
    bool chunk_error = false;
    try {
      chunks = ReadAllChunks(path, options);
    } catch (const InvalidInput&) {
      chunk_error = true;
    }
    SCOPED_TRACE("round " + std::to_string(round) + ": " + ::testing::PrintToString(text));
    ASSERT_EQ(chunk_error, !whole.has_value());
    if (whole) {
      ++accepted;
      ExpectSameRows(*whole, chunks);
    }
  }
  EXPECT_GT(accepted, 1500u);
}

TEST(CsvChunkReader, ArffIsReadWhole) {
  testing::TempDir dir;
  const fs::path path = dir.Write("x.arff", "@relation r\n@attribute a numeric\n@data\n1\n");
  EXPECT_THROW(CsvChunkReader reader(path, Chunks(5)), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
