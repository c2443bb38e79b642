// The data readers under hostile input: each bomb (a small file that asks
// for far more memory or time than its size) is refused quickly, by the
// InputLimits cap that names it, before the bomb's size is allocated.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <string>

#include "core/error.h"
#include "core/input_limits.h"
#include "data/arff_reader.h"
#include "data/csv_reader.h"
#include "data/file_bytes.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
// What "fast" means here: the bombs took minutes (or all memory, or the stack)
// before their limits existed, and take milliseconds now; the bound leaves
// room for a sanitizer build on a busy two-core machine.
constexpr double kFastSeconds = 20.0;

// Peak resident memory of this process so far, in MiB.
double PeakRssMib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

using testing::InvalidMessage;

CsvOptions OneThread() {
  CsvOptions o;
  o.threads = 1;
  return o;
}

// `bytes` zero bytes, gzipped at the best compression (about 1000:1).
void WriteZerosGz(const std::filesystem::path& path, size_t bytes) {
  gzFile gz = gzopen(path.c_str(), "wb9");
  ASSERT_NE(gz, nullptr);
  const std::string chunk(1 << 20, '0');
  for (size_t done = 0; done < bytes; done += chunk.size()) {
    const auto n = static_cast<unsigned>(std::min(chunk.size(), bytes - done));
    ASSERT_EQ(gzwrite(gz, chunk.data(), n), static_cast<int>(n));
  }
  ASSERT_EQ(gzclose(gz), Z_OK);
}

TEST(InputLimitsData, GzipBombStopsAtTheDecompressedCap) {
  testing::TempDir dir;
  const auto bomb = dir.path() / "bomb.csv.gz";
  WriteZerosGz(bomb, size_t{64} << 20);  // 64 MiB of zeros in about 64 KiB
  ASSERT_LT(std::filesystem::file_size(bomb), 1u << 20);
  InputLimits limits;
  limits.decompressed_bytes = 4 << 20;
  const double peak_before = PeakRssMib();
  const auto start = Clock::now();
  const std::string message = InvalidMessage([&] { ReadFileBytes(bomb, limits); });
  EXPECT_LT(SecondsSince(start), kFastSeconds);
  EXPECT_NE(message.find("bomb.csv.gz: inflates to more than the limit of 4194304 bytes"), std::string::npos)
      << message;
  EXPECT_NE(message.find("TABPILOT_LIMIT_DECOMPRESSED_BYTES"), std::string::npos) << message;
  // Nowhere near the 64 MiB the data inflates to.
  EXPECT_LT(PeakRssMib() - peak_before, 32.0);

  // The same limits reach the CSV reader through CsvOptions.
  CsvOptions csv = OneThread();
  csv.limits = limits;
  EXPECT_THROW(ReadRawCsv(bomb, csv), InvalidInput);
}

TEST(InputLimitsData, GzipExactlyAtTheCapStillReads) {
  testing::TempDir dir;
  const auto path = dir.path() / "d.gz";
  WriteZerosGz(path, 3 << 20);
  InputLimits limits;
  limits.decompressed_bytes = 3 << 20;
  EXPECT_EQ(ReadFileBytes(path, limits).size(), size_t{3} << 20);
  limits.decompressed_bytes = (3 << 20) - 1;
  EXPECT_THROW(ReadFileBytes(path, limits), InvalidInput);
}

TEST(InputLimitsData, PlainFileOverTheFileCap) {
  testing::TempDir dir;
  const auto path = dir.Write("big.csv", "a,b\n" + std::string(5000, '1') + ",2\n");
  InputLimits limits;
  limits.file_bytes = 4096;
  const std::string message = InvalidMessage([&] { ReadFileBytes(path, limits); });
  EXPECT_NE(message.find("big.csv: holds more than the limit of 4096 bytes (TABPILOT_LIMIT_FILE_BYTES)"),
            std::string::npos)
      << message;
  limits.file_bytes = std::filesystem::file_size(path);
  EXPECT_EQ(ReadFileBytes(path, limits).size(), std::filesystem::file_size(path));
}

// A header of 50,000 commas over 100,000 one-character lines: 300 KB of text
// asking for 5 billion cells (40 GB of index). The default cell cap stops it
// while the records are found.
TEST(InputLimitsData, WideHeaderOverManyLinesHitsTheCellCap) {
  std::string text(50000, ',');
  text += '\n';
  for (int i = 0; i < 100000; ++i) text += "1\n";
  const double peak_before = PeakRssMib();
  const auto start = Clock::now();
  const std::string message = InvalidMessage([&] { ParseRawCsv(text, "wide.csv", OneThread()); });
  EXPECT_LT(SecondsSince(start), kFastSeconds);
  EXPECT_NE(message.find("wide.csv:"), std::string::npos) << message;
  EXPECT_NE(message.find("rows of 50001 columns, more than the limit of 2147483648 cells"), std::string::npos)
      << message;
  EXPECT_NE(message.find("TABPILOT_LIMIT_CSV_CELLS"), std::string::npos) << message;
  EXPECT_LT(PeakRssMib() - peak_before, 256.0);
}

TEST(InputLimitsData, ColumnCapOnHeaderAndHeaderlessInput) {
  const std::string header = std::string(100000, ',') + "\n" + std::string(100000, ',') + "\n";  // 100,001 columns
  std::string message = InvalidMessage([&] { ParseRawCsv(header, "c.csv", OneThread()); });
  EXPECT_NE(message.find("c.csv:1: 100001 columns, more than the limit of 100000 (TABPILOT_LIMIT_CSV_COLUMNS)"),
            std::string::npos)
      << message;
  CsvOptions csv = OneThread();
  csv.header = false;
  csv.limits.csv_columns = 3;
  message = InvalidMessage([&] { ParseRawCsv("1,2,3,4\n5,6,7,8\n", "h.csv", csv); });
  EXPECT_NE(message.find("h.csv:1: 4 columns, more than the limit of 3"), std::string::npos) << message;
  csv.limits.csv_columns = 4;
  EXPECT_EQ(ParseRawCsv("1,2,3,4\n5,6,7,8\n", "h.csv", csv).num_columns(), 4u);
}

TEST(InputLimitsData, CellCapCountsRowsTimesColumns) {
  CsvOptions csv = OneThread();
  csv.limits.csv_cells = 6;  // 3 rows of 2 columns fit; a fourth row does not
  EXPECT_EQ(ParseRawCsv("a,b\n1,2\n3,4\n5,6\n", "t.csv", csv).num_rows(), 3u);
  const std::string message = InvalidMessage([&] { ParseRawCsv("a,b\n1,2\n3,4\n5,6\n7,8\n", "t.csv", csv); });
  EXPECT_NE(message.find("t.csv:5: 4 rows of 2 columns, more than the limit of 6 cells"), std::string::npos) << message;
}

TEST(InputLimitsData, LongLineOverTheLineCap) {
  const std::string text = "a,b\n1,2\n3," + std::string(1 << 20, 'x') + "\n";
  CsvOptions csv = OneThread();
  csv.limits.csv_line_bytes = 64 << 10;
  const std::string message = InvalidMessage([&] { ParseRawCsv(text, "long.csv", csv); });
  EXPECT_NE(message.find("long.csv:3: line of 1048578 bytes, more than the limit of 65536 "
                         "(TABPILOT_LIMIT_CSV_LINE_BYTES)"),
            std::string::npos)
      << message;
  // A quoted field spanning lines counts as one record.
  const std::string quoted = "a,b\n1,\"" + std::string(40000, 'y') + "\n" + std::string(40000, 'y') + "\"\n";
  EXPECT_THROW(ParseRawCsv(quoted, "q.csv", csv), InvalidInput);
  csv.limits.csv_line_bytes = 1 << 21;
  EXPECT_EQ(ParseRawCsv(text, "long.csv", csv).num_rows(), 2u);
}

std::string ArffWithAttributes(size_t count) {
  std::string text = "@relation wide\n";
  char name[32];
  for (size_t i = 0; i < count; ++i) {
    std::snprintf(name, sizeof name, "attr%07zu", i);
    text += "@attribute ";
    text += name;
    text += " numeric\n";
  }
  text += "@data\n";
  for (size_t i = 0; i < count; ++i) text += i ? ",1" : "1";
  text += "\n";
  return text;
}

// The duplicate-name check was a linear search per attribute: 100,000
// attributes took seconds. A hash set makes it linear.
TEST(InputLimitsData, ManyArffAttributesParseFast) {
  CsvOptions csv = OneThread();
  csv.limits.csv_columns = 100000;
  const std::string text = ArffWithAttributes(100000);
  const auto start = Clock::now();
  ArffData arff = ParseArff(text, "wide.arff", csv);
  EXPECT_LT(SecondsSince(start), kFastSeconds);
  EXPECT_EQ(arff.raw.num_columns(), 100000u);
  EXPECT_EQ(arff.raw.num_rows(), 1u);
}

TEST(InputLimitsData, ArffAttributeCapAndLongHeaderLine) {
  CsvOptions csv = OneThread();
  csv.limits.csv_columns = 10;
  std::string message = InvalidMessage([&] { ParseArff(ArffWithAttributes(11), "w.arff", csv); });
  EXPECT_NE(message.find("w.arff:12: more than the limit of 10 attributes (TABPILOT_LIMIT_CSV_COLUMNS)"),
            std::string::npos)
      << message;
  EXPECT_EQ(ParseArff(ArffWithAttributes(10), "w.arff", csv).raw.num_columns(), 10u);

  csv.limits.csv_line_bytes = 1000;
  const std::string nominal = "@relation r\n@attribute c {" + std::string(5000, 'v') + "}\n@data\nv\n";
  message = InvalidMessage([&] { ParseArff(nominal, "n.arff", csv); });
  EXPECT_NE(message.find("n.arff:2: line of"), std::string::npos) << message;
}

TEST(InputLimitsData, DuplicateArffAttributeStillRejected) {
  const std::string text =
      "@relation r\n@attribute a numeric\n@attribute b numeric\n@attribute a numeric\n@data\n1,2,3\n";
  const std::string message = InvalidMessage([&] { ParseArff(text, "d.arff", OneThread()); });
  EXPECT_NE(message.find("duplicate attribute name 'a'"), std::string::npos) << message;
}

}  // namespace
}  // namespace tabpilot
