// Reading a CSV file in chunks of rows, so memory does not grow with the
// file (the streaming batch transform, predict/batch_predict.h).
//
// The dialect, cells, line numbers and errors are those of ReadRawCsv
// (csv_reader.h): both split records with data/csv_records.h. The delimiter
// is detected once, on the file's first records; a ".gz" path is inflated
// block by block (data/file_stream.h). Each chunk is a RawTable with the
// file's column names and source, holding only its own rows' bytes.
//
// Limits: the per-record limits apply as in ReadRawCsv (csv_columns,
// csv_line_bytes: a record is never buffered past the line limit); the
// whole-file caps (file_bytes, decompressed_bytes, csv_cells) do not, since
// reading a file larger than memory is this reader's purpose. A chunk's size
// is bounded by chunk_rows, chunk_cells and chunk_bytes instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/csv_reader.h"
#include "data/file_stream.h"

namespace tabpilot {
namespace csv {
struct RecordIndex;  // data/csv_records.h
}

struct CsvChunkOptions {
  // Dialect (delimiter, header), threads for splitting a chunk's records into
  // fields, and the per-record limits.
  CsvOptions csv;
  // At most this many rows per chunk.
  size_t chunk_rows = 50000;
  // At most this many cells (rows x columns) per chunk, so a wide file gets
  // short chunks; every chunk holds at least one row.
  size_t chunk_cells = size_t{4} << 20;
  // A chunk ends after the record that takes its bytes to this many.
  size_t chunk_bytes = size_t{32} << 20;
  // Bytes read from the file at a time.
  size_t read_bytes = size_t{1} << 20;
};

// Move-only; not thread-safe (one thread calls Next).
class CsvChunkReader {
 public:
  // Opens `path`, detects the delimiter and reads the header. Throws NotFound,
  // IoError, or InvalidInput naming the file and line (an empty file, a bad
  // header, an ARFF path: use ReadRawCsv for those).
  CsvChunkReader(const std::filesystem::path& path, const CsvChunkOptions& options);

  const std::vector<std::string>& names() const { return names_; }
  const std::string& source() const { return source_; }
  // The delimiter used (detected or given); ' ' means runs of whitespace.
  char delimiter() const { return delimiter_; }
  // The most rows a chunk holds (chunk_rows, fewer for wide files).
  size_t rows_per_chunk() const { return rows_per_chunk_; }
  // Bytes read from the file and not yet handed out in a chunk.
  size_t buffered_bytes() const { return buffer_.size(); }
  // Bytes read from the file so far (inflated for ".gz").
  uint64_t bytes_read() const { return bytes_read_; }
  // The file's size on disk (compressed for ".gz"), if known.
  std::optional<uint64_t> stored_size() const { return in_.stored_size(); }
  bool gzip() const { return in_.gzip(); }

  // The next chunk of rows in file order, or nullopt after the last. Line
  // numbers are the file's. Throws InvalidInput naming the file and line for
  // a malformed record (and "no data rows" for a file with a header only, as
  // ReadRawCsv); IoError for a read error.
  std::optional<RawTable> Next();

 private:
  // Appends at least `min_bytes` (fewer at the end of the file) to buffer_;
  // false when nothing was left to read.
  bool ReadMore(size_t min_bytes);
  void DetectDelimiter();
  void ReadHeader();
  // Appends records from pos_ to `records` until the chunk is full or the
  // file ends; pos_ and line_ move past them.
  void FindChunkRecords(csv::RecordIndex& records);

  CsvChunkOptions options_;
  std::string source_;
  FileStream in_;
  char delimiter_ = ',';
  std::vector<std::string> names_;
  std::string buffer_;  // unread bytes; starts at a record boundary
  size_t pos_ = 0;      // where the next record starts in buffer_
  size_t line_ = 1;     // the physical line at pos_
  bool eof_ = false;
  size_t rows_read_ = 0;
  uint64_t bytes_read_ = 0;
  size_t rows_per_chunk_ = 1;
};

}  // namespace tabpilot
