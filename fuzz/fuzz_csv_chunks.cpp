// Two control bytes and CSV text -> the chunk reader against ReadRawCsv: a
// differential target. Byte 0 picks the rows per chunk (1-8), byte 1 the
// bytes read at a time (1-64); the rest is the file. Both readers must accept
// or reject the same files, and the chunks must hold the whole-file reader's
// rows (inputs stay far below the limits where the two differ on purpose:
// the cell cap, and detection past csv_line_bytes).
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <vector>

#include "core/atomic_file.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_reader.h"
#include "fuzz_support.h"

namespace {

// Row `row` of `whole` equals row `r` of `chunk`: cells, missing flags, line.
bool SameRow(const tabpilot::RawTable& whole, size_t row, const tabpilot::RawTable& chunk, size_t r) {
  if (chunk.line_of_row(r) != whole.line_of_row(row)) return false;
  for (size_t c = 0; c < whole.num_columns(); ++c) {
    if (chunk.cell(r, c) != whole.cell(row, c) || chunk.is_missing(r, c) != whole.is_missing(row, c)) return false;
  }
  return true;
}

void Compare(const std::filesystem::path& path, const tabpilot::CsvChunkOptions& options) {
  std::optional<tabpilot::RawTable> whole;
  try {
    whole = tabpilot::ReadRawCsv(path, options.csv);
  } catch (const tabpilot::InvalidInput&) {
  }
  std::vector<tabpilot::RawTable> chunks;
  try {
    tabpilot::CsvChunkReader reader(path, options);
    while (auto chunk = reader.Next()) chunks.push_back(std::move(*chunk));
  } catch (const tabpilot::InvalidInput&) {
    if (whole) throw tabpilot::Internal("the chunk reader rejects a file ReadRawCsv reads");
    return;
  }
  if (!whole) throw tabpilot::Internal("the chunk reader reads a file ReadRawCsv rejects");
  size_t row = 0;
  for (const tabpilot::RawTable& chunk : chunks) {
    if (chunk.names() != whole->names() || chunk.num_rows() > options.chunk_rows) {
      throw tabpilot::Internal("a chunk's names or size differ");
    }
    for (size_t r = 0; r < chunk.num_rows(); ++r, ++row) {
      if (row >= whole->num_rows() || !SameRow(*whole, row, chunk, r)) throw tabpilot::Internal("rows differ");
    }
  }
  if (row != whole->num_rows()) throw tabpilot::Internal("row counts differ");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("tabpilot-fuzz-chunks-" + std::to_string(::getpid()) + ".csv");
  tabpilot::WriteFileAtomic(path, tabpilot::fuzz::Bytes(data + 2, size - 2));
  tabpilot::CsvChunkOptions options;
  options.csv.threads = 1;
  options.csv.limits = tabpilot::fuzz::SmallLimits();
  options.chunk_rows = 1 + data[0] % 8;
  options.read_bytes = 1 + data[1] % 64;
  return tabpilot::fuzz::Run([&] { Compare(path, options); });
}
