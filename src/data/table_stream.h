// Reading a CSV straight into a typed Table, chunk by chunk (the training
// load): no copy of the file's text outlives its chunk, so memory is the
// typed columns plus a chunk or two, whatever the file's size, and a ".gz"
// file is inflated as it is read, never whole.
//
// The Table and Schema are those of InferAndBuildTable(ReadRawCsv(path))
// (type_inference.h) with the same type overrides: each column is typed by a
// ColumnBuilder (column_builder.h). When a column's first chunk suggested
// numbers and a later cell is not one, the rows before that cell are read a
// second time, from the start of the file to that row only.
//
// Two threads share the work: one reads and splits the next chunk while the
// others type the current one's columns. An ARFF path is read whole (its
// reader is not incremental) and typed the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/column_builder.h"
#include "data/csv_reader.h"
#include "data/schema.h"
#include "data/table.h"

namespace tabpilot {

struct TableStreamProgress {
  uint64_t bytes = 0;         // read so far (inflated for ".gz")
  uint64_t stored_bytes = 0;  // the file's size on disk; 0 when unknown or gzip'd
  size_t rows = 0;            // typed so far
};

struct TableStreamOptions {
  // Dialect, threads (0 = all), limits: file_bytes, decompressed_bytes and
  // csv_cells hold for the whole file as in ReadRawCsv; the per-record limits
  // as in the chunk reader. csv.progress is not used (see `progress`).
  CsvOptions csv;
  // Columns typed otherwise than by inference, by name (kCategorical,
  // kLabel). A name that is not a column is an InvalidInput.
  std::map<std::string, ColumnBuilder::Mode> modes;
  // Rows per chunk (fewer for a wide file; see CsvChunkOptions).
  size_t chunk_rows = 65536;
  // Called with the column names once the header is read, before any row
  // (a caller's checks of the columns, which may throw).
  std::function<void(const std::vector<std::string>&)> on_header;
  // Bytes the typed table may take (0: no limit). Its size is estimated from
  // the rows typed so far, projected to the whole file from its size on disk
  // (when known: not for ".gz"), after every chunk; above the limit the load
  // stops with an InvalidInput naming the estimate, for a plain file right
  // after its first chunk.
  double memory_limit_bytes = 0;
  // Called after each chunk.
  std::function<void(const TableStreamProgress&)> progress;
};

struct StreamedTable {
  Table table;  // source() is the path
  Schema schema;
  // The physical line of each row, for messages naming a row.
  std::vector<uint32_t> lines;
  // Columns whose first rows were read a second time, with the line of the
  // cell that was not a number.
  std::vector<std::pair<std::string, size_t>> reread;
  uint64_t bytes = 0;  // read (inflated), both passes
};

// Throws NotFound or IoError for the file, InvalidInput naming the file and
// line for malformed content, an exceeded limit or an unknown column in
// `modes` (as ReadRawCsv would for the same file).
StreamedTable StreamTable(const std::filesystem::path& path, const TableStreamOptions& options);

}  // namespace tabpilot
