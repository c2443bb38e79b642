#include "data/table_stream.h"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>

#include "core/error.h"
#include "core/parallel.h"
#include "core/process_memory.h"
#include "data/arff_reader.h"
#include "data/csv_chunk_reader.h"
#include "data/csv_records.h"
#include "data/file_bytes.h"
#include "data/type_inference.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

int Threads(const CsvOptions& csv) { return csv.threads > 0 ? csv.threads : HardwareThreads(); }

// One ColumnBuilder per column, fed chunk by chunk.
class TableBuilder {
 public:
  TableBuilder(const std::vector<std::string>& names, const TableStreamOptions& options, const std::string& source)
      : names_(names), threads_(Threads(options.csv)) {
    for (const auto& [name, mode] : options.modes) {
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        throw InvalidInput(source + ": type override for unknown column '" + name + "'");
      }
    }
    builders_.reserve(names.size());
    for (const std::string& name : names) {
      auto it = options.modes.find(name);
      builders_.emplace_back(name, it == options.modes.end() ? ColumnBuilder::Mode::kInfer : it->second);
    }
  }

  // The hypotheses, from the first chunk by the inference rules.
  void Start(const RawTable& first, size_t estimated_rows) {
    InferenceOptions inference;
    inference.threads = threads_;
    const Schema schema = InferSchema(first, inference);
    for (size_t c = 0; c < builders_.size(); ++c) {
      builders_[c].Start(schema.columns[c]);
      builders_[c].Reserve(estimated_rows);
    }
    lines_.reserve(estimated_rows);
  }

  void Add(const RawTable& chunk) {
    ParallelFor(builders_.size(), threads_, [&](size_t begin, size_t end, int) {
      for (size_t c = begin; c < end; ++c) builders_[c].Add(chunk, c);
    });
    for (size_t r = 0; r < chunk.num_rows(); ++r) lines_.push_back(static_cast<uint32_t>(chunk.line_of_row(r)));
  }

  size_t rows() const { return lines_.size(); }

  // The typed table's bytes per row, the line numbers' included.
  double BytesPerRow() const {
    double bytes = sizeof(uint32_t);
    for (const ColumnBuilder& b : builders_) bytes += b.BytesPerRow();
    return bytes;
  }

  // Columns to read again and the row to read up to (0: none).
  size_t RereadRows() const {
    size_t rows = 0;
    for (const ColumnBuilder& b : builders_) rows = std::max(rows, b.reread_before().value_or(0));
    return rows;
  }

  void AddEarly(const RawTable& chunk, size_t first_row) {
    ParallelFor(builders_.size(), threads_, [&](size_t begin, size_t end, int) {
      for (size_t c = begin; c < end; ++c) builders_[c].AddEarly(chunk, c, first_row);
    });
  }

  // Ends the second read; the columns read again and the line of the cell
  // that made them.
  std::vector<std::pair<std::string, size_t>> FinishReread() {
    std::vector<std::pair<std::string, size_t>> reread;
    for (size_t c = 0; c < builders_.size(); ++c) {
      if (auto row = builders_[c].reread_before()) reread.emplace_back(names_[c], lines_[*row]);
    }
    ParallelFor(builders_.size(), threads_, [&](size_t begin, size_t end, int) {
      for (size_t c = begin; c < end; ++c) builders_[c].FinishReread();
    });
    return reread;
  }

  void Finish(const std::string& source, StreamedTable& out) {
    std::vector<Column> columns(builders_.size());
    out.schema.columns.resize(builders_.size());
    ParallelFor(builders_.size(), threads_, [&](size_t begin, size_t end, int) {
      for (size_t c = begin; c < end; ++c) columns[c] = builders_[c].Finish(&out.schema.columns[c]);
    });
    out.table = Table();
    out.table.set_source(source);
    for (Column& column : columns) {
      if (column.size() != lines_.size()) throw Internal("column '" + column.name + "' built with wrong length");
      out.table.AddColumn(std::move(column));
    }
    out.lines = std::move(lines_);
  }

 private:
  std::vector<std::string> names_;
  int threads_;
  std::vector<ColumnBuilder> builders_;
  std::vector<uint32_t> lines_;
};

// Rows the file will hold, from the first chunk's bytes per row and the
// size on disk (0 when unknown), so the columns grow once.
size_t EstimateRows(const CsvChunkReader& reader, size_t first_rows, const InputLimits& limits) {
  const uint64_t used = reader.bytes_read() - reader.buffered_bytes();
  if (reader.gzip() || !reader.stored_size() || used == 0 || first_rows == 0) return first_rows;
  const double per_row = static_cast<double>(used) / static_cast<double>(first_rows);
  const double rows = static_cast<double>(*reader.stored_size()) / per_row * 1.02 + 1;
  const size_t most_rows = limits.csv_cells / std::max<size_t>(reader.names().size(), 1);  // rows, rounded down
  const auto cap = static_cast<double>(most_rows);
  return static_cast<size_t>(std::min(rows, cap));
}

// The typed table's projected size against the memory limit.
void CheckMemory(const CsvChunkReader& reader, const TableBuilder& builder, size_t estimated_rows, double limit) {
  if (!(limit > 0)) return;
  const bool projected = !reader.gzip() && reader.stored_size();
  const double rows = static_cast<double>(projected ? std::max(estimated_rows, builder.rows()) : builder.rows());
  const double need = rows * builder.BytesPerRow();
  if (need <= limit) return;
  const std::string what = projected ? " (" + FormatGigabytes(static_cast<double>(*reader.stored_size())) + " on disk)"
                                     : " (" + std::to_string(builder.rows()) + " rows read so far)";
  throw InvalidInput(reader.source() + ": loading it needs about " + FormatGigabytes(need) + what +
                     ", more than the memory limit of " + FormatGigabytes(limit));
}

CsvChunkOptions ChunkOptions(const TableStreamOptions& options) {
  CsvChunkOptions chunks;
  chunks.csv = options.csv;
  chunks.csv.progress = nullptr;
  chunks.chunk_rows = std::max<size_t>(options.chunk_rows, 1);
  return chunks;
}

// The first pass: every row, the next chunk read while this one is typed.
void ReadAll(CsvChunkReader& reader, const fs::path& path, const TableStreamOptions& options, TableBuilder& builder,
             StreamedTable& out) {
  const InputLimits& limits = options.csv.limits;
  std::optional<RawTable> chunk = reader.Next();
  if (!chunk) throw InvalidInput(reader.source() + ": file is empty");
  const size_t estimated_rows = EstimateRows(reader, chunk->num_rows(), limits);
  builder.Start(*chunk, estimated_rows);
  while (chunk) {
    auto next = std::async(std::launch::async, [&reader] { return reader.Next(); });
    builder.Add(*chunk);
    csv::CheckCellCount(builder.rows(), reader.names().size(), chunk->line_of_row(chunk->num_rows() - 1),
                        reader.source(), limits);
    CheckMemory(reader, builder, estimated_rows, options.memory_limit_bytes);
    chunk = next.get();
    if (reader.gzip()) CheckInflatedBytes(path, reader.bytes_read(), limits);
    if (options.progress) {
      TableStreamProgress progress;
      progress.bytes = reader.bytes_read();
      progress.stored_bytes = reader.gzip() ? 0 : reader.stored_size().value_or(0);
      progress.rows = builder.rows();
      options.progress(progress);
    }
  }
  out.bytes = reader.bytes_read();
}

// The second pass, for columns whose numbers broke: the rows before the
// latest such break, and no further.
void ReadAgain(const fs::path& path, const TableStreamOptions& options, char delimiter, TableBuilder& builder,
               StreamedTable& out) {
  const size_t rows = builder.RereadRows();
  if (rows == 0) return;
  CsvChunkOptions chunks = ChunkOptions(options);
  chunks.csv.delimiter = delimiter;
  CsvChunkReader reader(path, chunks);
  size_t first_row = 0;
  while (first_row < rows) {
    std::optional<RawTable> chunk = reader.Next();
    if (!chunk) throw IoError(path.string() + ": the file changed while it was read (fewer rows the second time)");
    builder.AddEarly(*chunk, first_row);
    first_row += chunk->num_rows();
  }
  out.bytes += reader.bytes_read();
  out.reread = builder.FinishReread();
}

}  // namespace

StreamedTable StreamTable(const fs::path& path, const TableStreamOptions& options) {
  StreamedTable out;
  if (IsArffPath(path)) {
    RawTable raw = ReadArff(path, options.csv).raw;
    if (options.on_header) options.on_header(raw.names());
    TableBuilder builder(raw.names(), options, path.string());
    builder.Start(raw, raw.num_rows());
    builder.Add(raw);
    builder.Finish(path.string(), out);
    return out;
  }
  CsvChunkReader reader(path, ChunkOptions(options));
  if (reader.stored_size()) CheckStoredBytes(path, *reader.stored_size(), options.csv.limits);
  if (options.on_header) options.on_header(reader.names());
  TableBuilder builder(reader.names(), options, reader.source());
  ReadAll(reader, path, options, builder, out);
  ReadAgain(path, options, reader.delimiter(), builder, out);
  builder.Finish(reader.source(), out);
  return out;
}

}  // namespace tabpilot
