// CSV reading into raw (untyped) cells.
//
// ReadRawCsv/ParseRawCsv split a delimited text file into records and fields
// (RFC 4180 quoting, CRLF or LF, UTF-8 BOM, blank lines skipped, whitespace
// around unquoted fields trimmed) without interpreting the cells. Typing is
// type_inference.h's job. A path ending in ".gz" is decompressed first; a path
// ending in ".arff" (or ".arff.gz") is read with arff_reader.h.
//
// Parsing runs in two passes: one sequential scan finds where records start
// (honouring quotes), then records are split into fields in parallel. The
// result does not depend on the thread count; when several rows are bad the
// error reported is always the one on the earliest line. The splitting is
// data/csv_records.h, shared with csv_chunk_reader.h (the same file read in
// chunks of rows).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/input_limits.h"
#include "data/file_bytes.h"

namespace tabpilot {

struct CsvOptions {
  // Field separator. 0 = detect among ',', ';', '\t' and '|' (the one giving
  // the same field count > 1 on the first records); when none is consistent,
  // runs of spaces are tried (space-aligned files). ' ' forces that mode.
  char delimiter = 0;
  // Worker threads for field splitting. 0 = all hardware threads.
  int threads = 0;
  // false: the first record is data, and columns are named col_1, col_2, ...
  bool header = true;
  // Caps on the file (file_bytes, decompressed_bytes) and the table
  // (csv_columns, csv_cells, csv_line_bytes), checked while the records are
  // found and before the cell index is allocated; exceeding one is an
  // InvalidInput naming the file, the line or counts, and the limit.
  InputLimits limits;
  // ReadRawCsv only: told the bytes read so far and the file's size on disk
  // (0 when unknown) while the file is read (file_bytes.h), so a caller can
  // show progress on a large file.
  ReadBytesProgress progress;
};

// Parsed cells before typing, stored compactly: the file's bytes are kept in
// one buffer (quoted fields are unescaped in place) and each cell is an 8-byte
// reference into it, column-major. Move-only (it can be large); immutable after
// construction, so concurrent const access is safe.
class RawTable {
 public:
  RawTable() = default;
  RawTable(RawTable&&) = default;
  RawTable& operator=(RawTable&&) = default;
  RawTable(const RawTable&) = delete;
  RawTable& operator=(const RawTable&) = delete;

  size_t num_rows() const { return num_rows_; }
  size_t num_columns() const { return names_.size(); }
  const std::string& name(size_t col) const { return names_[col]; }
  const std::vector<std::string>& names() const { return names_; }
  // The cell text: trimmed (unquoted fields) and unquoted/unescaped (quoted
  // fields). Valid as long as this RawTable lives.
  std::string_view cell(size_t row, size_t col) const {
    uint64_t ref = cells_[col * num_rows_ + row];
    return std::string_view(buffer_.data() + (ref >> kLengthBits), (ref & kLengthMask) >> 1);
  }
  // Empty, ?, NA, N/A, NaN, null or none (case-insensitive, after trimming).
  // A quoted empty string counts as missing too.
  bool is_missing(size_t row, size_t col) const { return (cells_[col * num_rows_ + row] & 1u) != 0; }
  // 1-based physical line where the row starts (the header is line 1).
  size_t line_of_row(size_t row) const { return lines_[row]; }
  // The path (or name) the data came from, for error messages.
  const std::string& source() const { return source_; }
  // Index of the column called `name`, or nullopt.
  std::optional<size_t> Find(const std::string& name) const;
  // The delimiter used (detected or given); ' ' means runs of whitespace.
  char delimiter() const { return delimiter_; }

  // Cell reference layout: offset into buffer_ << kLengthBits | length << 1 | missing.
  static constexpr unsigned kLengthBits = 24;
  static constexpr uint64_t kLengthMask = (uint64_t{1} << kLengthBits) - 1;
  static constexpr size_t kMaxCellBytes = (size_t{1} << (kLengthBits - 1)) - 1;

 private:
  friend class RawTableBuilder;
  std::string buffer_;
  std::vector<uint64_t> cells_;  // num_columns * num_rows
  std::vector<uint32_t> lines_;  // per row (files of more than 2^32 lines are rejected)
  std::vector<std::string> names_;
  std::string source_;
  size_t num_rows_ = 0;
  char delimiter_ = ',';
};

// Reads `path` (".gz" is decompressed, ".arff" read as ARFF). Throws NotFound if
// the file does not exist, IoError if it cannot be read, InvalidInput (naming
// the file and line) for malformed content.
RawTable ReadRawCsv(const std::filesystem::path& path, const CsvOptions& options);

// Parses CSV text already in memory; `source_name` is used in error messages.
RawTable ParseRawCsv(std::string_view text, const std::string& source_name, const CsvOptions& options);

// True for the missing-value tokens listed at RawTable::is_missing.
bool IsMissingToken(std::string_view trimmed);

// Lower-level entry points shared with the ARFF reader.
struct CsvParseOptions {
  CsvOptions csv;
  char quote = '"';       // quote character ('\'' for ARFF)
  char comment = 0;       // lines starting with this are skipped (0 = none)
  size_t first_line = 1;  // physical line number of the text's first line
  // With csv.header == false, the column names to use (their count fixes the
  // field count); empty = col_1, col_2, ... sized by the first record.
  std::vector<std::string> names;
};
// Takes ownership of `text` (it becomes the table's buffer).
RawTable ParseRawCsvBuffer(std::string text, const std::string& source_name, const CsvParseOptions& options);

}  // namespace tabpilot
