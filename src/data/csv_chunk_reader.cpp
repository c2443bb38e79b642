#include "data/csv_chunk_reader.h"

#include <algorithm>

#include "core/error.h"
#include "data/arff_reader.h"
#include "data/csv_records.h"

namespace tabpilot {
namespace {

csv::Dialect DialectOf(char delimiter) {
  csv::Dialect dialect;
  dialect.delimiter = delimiter;
  return dialect;
}

// Bytes of the incomplete record at the end of a buffer; its content (without
// a '\r' that may still be followed by '\n') is at least one byte shorter.
size_t ContentAtLeast(size_t partial_bytes) { return partial_bytes > 0 ? partial_bytes - 1 : 0; }

}  // namespace

CsvChunkReader::CsvChunkReader(const std::filesystem::path& path, const CsvChunkOptions& options)
    : options_(options), source_(path.string()), in_(path) {
  if (IsArffPath(path)) throw InvalidInput(source_ + ": ARFF files are read whole, not in chunks");
  options_.read_bytes = std::max<size_t>(options_.read_bytes, 1);
  CsvParseOptions parse;
  parse.csv = options_.csv;
  delimiter_ = csv::MakeDialect(parse, source_).delimiter;
  ReadMore(std::max<size_t>(options_.read_bytes, 3));  // a byte order mark is 3 bytes
  pos_ = csv::SkipByteOrderMark(buffer_);
  if (delimiter_ == 0) DetectDelimiter();
  ReadHeader();
  const size_t columns = std::max<size_t>(names_.size(), 1);
  rows_per_chunk_ = std::max<size_t>(1, std::min(options_.chunk_rows, options_.chunk_cells / columns));
}

bool CsvChunkReader::ReadMore(size_t min_bytes) {
  if (eof_) return false;
  const size_t old = buffer_.size();
  size_t got = 0;
  buffer_.resize(old + min_bytes);
  while (got < min_bytes) {
    const size_t n = in_.Read(buffer_.data() + old + got, min_bytes - got);
    if (n == 0) {
      eof_ = true;
      break;
    }
    got += n;
  }
  buffer_.resize(old + got);
  bytes_read_ += got;
  return got > 0;
}

// As ReadRawCsv, on the first kDetectionRecords records: the buffer grows
// until it holds them (or the file ends), up to the line limit's worth of
// bytes, which bounds what a file without line breaks can make us hold.
void CsvChunkReader::DetectDelimiter() {
  const size_t cap = std::max(options_.read_bytes, static_cast<size_t>(options_.csv.limits.csv_line_bytes));
  while (true) {
    csv::ScanMode mode;
    mode.final = eof_;
    bool needs_more = false;
    const char d = csv::DetectDelimiter(buffer_, pos_, line_, DialectOf(0), source_, mode, &needs_more);
    if (!needs_more || eof_ || buffer_.size() >= cap) {
      delimiter_ = d;
      return;
    }
    ReadMore(buffer_.size());
  }
}

void CsvChunkReader::ReadHeader() {
  const InputLimits& limits = options_.csv.limits;
  const csv::Dialect dialect = DialectOf(delimiter_);
  csv::ScanMode mode;
  mode.count_fields = true;
  while (true) {
    mode.final = eof_;
    bool found = false;
    const csv::ScanEnd end = csv::ScanRecords(
        buffer_, pos_, line_, dialect, source_, mode, [&](size_t b, size_t e, size_t line, size_t fields) {
          csv::CheckLineLength(e - b, line, source_, limits);
          csv::CheckColumnCount(fields, line, source_, limits);
          if (options_.csv.header) {
            names_ = csv::HeaderNames(buffer_, b, e, line, dialect, source_, limits);
          } else {
            names_ = csv::DefaultNames(buffer_, b, e, dialect);
          }
          found = true;
          return false;
        });
    if (found) {
      // A header is consumed; a first data record is read again as a row.
      if (options_.csv.header) {
        pos_ = end.pos;
        line_ = end.line;
      }
      return;
    }
    if (!end.ran_out && eof_) throw InvalidInput(source_ + ": file is empty");
    if (end.ran_out) csv::CheckLineLength(ContentAtLeast(buffer_.size() - end.pos), end.line, source_, limits, false);
    ReadMore(std::max(options_.read_bytes, buffer_.size() - pos_));
  }
}

void CsvChunkReader::FindChunkRecords(csv::RecordIndex& records) {
  const InputLimits& limits = options_.csv.limits;
  const csv::Dialect dialect = DialectOf(delimiter_);
  bool full = false;
  while (true) {
    csv::ScanMode mode;
    mode.final = eof_;
    const csv::ScanEnd end =
        csv::ScanRecords(buffer_, pos_, line_, dialect, source_, mode, [&](size_t b, size_t e, size_t line, size_t) {
          csv::CheckLineLength(e - b, line, source_, limits);
          records.Add(b, e, line);
          full = records.size() >= rows_per_chunk_ || e >= options_.chunk_bytes;
          return !full;
        });
    pos_ = end.pos;
    line_ = end.line;
    if (full || eof_) return;
    // The chunk is not full and the file goes on: read more. A record that
    // is still incomplete is kept whole, but never past the line limit.
    const size_t partial = buffer_.size() - pos_;
    csv::CheckLineLength(ContentAtLeast(partial), line_, source_, limits, false);
    ReadMore(std::max(options_.read_bytes, partial));
  }
}

std::optional<RawTable> CsvChunkReader::Next() {
  csv::RecordIndex records;
  FindChunkRecords(records);
  if (records.size() == 0) {
    if (rows_read_ == 0 && options_.csv.header) throw InvalidInput(source_ + ": no data rows");
    buffer_.clear();
    pos_ = 0;
    return std::nullopt;
  }
  // The chunk takes the bytes up to pos_ as its own; the rest stays.
  std::string rest = buffer_.substr(pos_);
  buffer_.resize(pos_);
  std::string bytes = std::move(buffer_);
  buffer_ = std::move(rest);
  pos_ = 0;
  rows_read_ += records.size();
  return RawTableBuilder::FromRecords(std::move(bytes), records, 0, names_, source_, DialectOf(delimiter_),
                                      options_.csv.threads);
}

}  // namespace tabpilot
