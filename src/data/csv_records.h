// The CSV dialect's record and field splitting, shared by the whole-file
// reader (csv_reader.cpp) and the chunk reader (csv_chunk_reader.cpp) so that
// both read exactly the same cells, lines and errors from the same bytes.
// Internal to data/: the public entry points are in csv_reader.h and
// csv_chunk_reader.h.
//
// A buffer may be the whole file (`ScanMode::final`) or a prefix of it that
// more bytes will follow (the chunk reader): then a record that reaches the
// end of the buffer without a line break is incomplete, and scanning stops in
// front of it instead of taking it (or its open quote) as the end of the file.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/input_limits.h"
#include "data/csv_reader.h"

namespace tabpilot::csv {

// The delimiter meaning "runs of spaces or tabs" (space-aligned files).
constexpr char kWhitespaceMode = ' ';
// Delimiter detection looks at this many records.
constexpr size_t kDetectionRecords = 50;

struct Dialect {
  char delimiter = ',';
  char quote = '"';
  char comment = 0;  // lines starting with this are skipped (0 = none)
};

// Where each record's content lies in a buffer ([begin, end), without the
// line break) and the physical line it starts on.
struct RecordIndex {
  std::vector<uint64_t> begin;
  std::vector<uint64_t> end;
  std::vector<uint32_t> line;
  size_t size() const { return begin.size(); }
  void Add(size_t b, size_t e, size_t l) {
    begin.push_back(b);
    end.push_back(e);
    line.push_back(static_cast<uint32_t>(l));
  }
};

struct ScanMode {
  bool count_fields = false;  // count each record's fields (delimiter detection, the first record)
  bool final = true;          // the buffer ends where the file ends
};

// Where a scan stopped: after the last record handed out (or skipped), or, when
// it ran out of a non-final buffer, at the start of the incomplete record.
struct ScanEnd {
  size_t pos = 0;
  size_t line = 0;       // the physical line at `pos`
  bool ran_out = false;  // stopped at an incomplete record (never in final mode)
};

// Spaces are always trimmed; tabs only when they are not the separator.
inline bool IsPad(char c, char delimiter) { return c == ' ' || (c == '\t' && delimiter != '\t') || c == '\r'; }
inline bool IsSeparator(char c, char delimiter) {
  return delimiter == kWhitespaceMode ? (c == ' ' || c == '\t') : c == delimiter;
}

// 3 when `text` starts with a UTF-8 byte order mark, else 0.
size_t SkipByteOrderMark(std::string_view text);

// The dialect `options` ask for (delimiter 0 = still to be detected). Throws
// InvalidInput for a delimiter that cannot separate fields.
Dialect MakeDialect(const CsvParseOptions& options, const std::string& source);

bool IsBlank(std::string_view buf, size_t begin, size_t end, char delimiter);

// Scans records from `pos` (on physical line `first_line`), honouring quotes,
// calling on_record(begin, end, line, field_count) for each non-blank,
// non-comment record until it returns false. Fields are counted only with
// mode.count_fields. Throws on an unterminated quote (final mode). This is
// the one sequential pass over the data.
template <typename OnRecord>
ScanEnd ScanRecords(std::string_view buf, size_t pos, size_t first_line, const Dialect& dialect,
                    const std::string& source, ScanMode mode, OnRecord&& on_record) {
  const size_t n = buf.size();
  const char delimiter = dialect.delimiter;
  const char quote = dialect.quote;
  size_t line = first_line;
  const char* data = buf.data();
  // Fast path: without any quote character a record is just a line.
  const bool has_quotes = pos < n && std::memchr(data + pos, quote, n - pos) != nullptr;
  while (pos < n) {
    size_t begin = pos;
    size_t record_line = line;
    size_t i = pos;
    size_t fields = 0;
    if (!has_quotes && !mode.count_fields) {
      const void* nl = std::memchr(data + pos, '\n', n - pos);
      i = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : n;
    } else {
      bool in_quotes = false;
      bool field_start = true;
      bool in_field = false;  // whitespace mode: inside a field
      size_t quote_line = line;
      if (delimiter != kWhitespaceMode) fields = 1;
      while (i < n) {
        char c = data[i];
        if (in_quotes) {
          if (c == quote) {
            if (i + 1 < n && data[i + 1] == quote) {
              i += 2;
              continue;
            }
            in_quotes = false;
          } else if (c == '\n') {
            ++line;
          }
          ++i;
          continue;
        }
        if (c == '\n') break;
        if (IsSeparator(c, delimiter)) {
          field_start = true;
          in_field = false;
          if (delimiter != kWhitespaceMode) ++fields;
        } else if (!IsPad(c, delimiter)) {
          if (delimiter == kWhitespaceMode && !in_field) {
            in_field = true;
            ++fields;
          }
          if (c == quote && field_start) {
            in_quotes = true;
            quote_line = line;
          }
          field_start = false;
        }
        ++i;
      }
      if (in_quotes && mode.final) {
        throw InvalidInput(source + ":" + std::to_string(quote_line) + ": unterminated quoted field");
      }
    }
    // No line break before the end of a non-final buffer: more bytes follow.
    if (i >= n && !mode.final) return {begin, record_line, true};
    size_t end = i;
    if (end > begin && data[end - 1] == '\r') --end;
    pos = i + 1;
    bool skip = IsBlank(buf, begin, end, delimiter) || (dialect.comment != 0 && data[begin] == dialect.comment);
    if (record_line > std::numeric_limits<uint32_t>::max()) {
      throw InvalidInput(source + ": more than 4294967295 lines are not supported");
    }
    if (!skip && !on_record(begin, end, record_line, fields)) return {std::min(pos, n), line + 1, false};
    ++line;
  }
  return {std::min(pos, n), line, false};
}

// The delimiter for CsvOptions::delimiter == 0 (see there), from the first
// kDetectionRecords records at `pos`. With a non-final buffer, `needs_more`
// (if given) is set when some candidate ran out of bytes before that many
// records; the answer is then from the records the buffer holds.
char DetectDelimiter(std::string_view buf, size_t pos, size_t first_line, const Dialect& dialect,
                     const std::string& source, ScanMode mode, bool* needs_more = nullptr);

// Line on which byte `offset` of a record lies (quoted fields may span lines).
size_t LineAt(std::string_view buf, size_t record_begin, size_t record_line, size_t offset);

// Splits one record into fields, unescaping quoted fields in place (the
// written text never outgrows what it replaces), and hands each field to
// on_field(index, begin, end, high_bit_seen). Returns the field count.
template <typename OnField>
size_t SplitRecord(char* data, size_t begin, size_t end, char delimiter, char quote, OnField&& on_field) {
  size_t i = begin;
  size_t field = 0;
  const bool ws = delimiter == kWhitespaceMode;
  while (true) {
    while (i < end && IsPad(data[i], delimiter)) ++i;
    if (ws) {
      while (i < end && (data[i] == ' ' || data[i] == '\t')) ++i;
      if (i >= end) break;
    }
    size_t out_begin;
    size_t out_end;
    unsigned char high = 0;
    if (i < end && data[i] == quote) {
      ++i;
      out_begin = i;
      size_t w = i;
      while (i < end) {
        char c = data[i];
        if (c == quote) {
          if (i + 1 < end && data[i + 1] == quote) {
            data[w++] = quote;
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        high |= static_cast<unsigned char>(c);
        data[w++] = c;
        ++i;
      }
      size_t quoted_end = w;
      // Text after the closing quote is kept literally (lenient), minus padding.
      while (i < end && !IsSeparator(data[i], delimiter)) {
        high |= static_cast<unsigned char>(data[i]);
        data[w++] = data[i++];
      }
      while (w > quoted_end && IsPad(data[w - 1], delimiter)) --w;
      out_end = w;
    } else {
      out_begin = i;
      while (i < end && !IsSeparator(data[i], delimiter)) {
        high |= static_cast<unsigned char>(data[i]);
        ++i;
      }
      out_end = i;
      while (out_end > out_begin && IsPad(data[out_end - 1], delimiter)) --out_end;
    }
    on_field(field, out_begin, out_end, (high & 0x80) != 0);
    ++field;
    if (i >= end) break;
    ++i;  // the separator
    if (ws && i >= end) break;
  }
  return field;
}

std::string ColumnDefaultName(size_t index);

// A record of `length` bytes (without the line break) starting on `line`.
// `complete` = false: the record is still being read and holds at least that
// many bytes.
void CheckLineLength(size_t length, size_t line, const std::string& source, const InputLimits& limits,
                     bool complete = true);
void CheckColumnCount(size_t columns, size_t line, const std::string& source, const InputLimits& limits);
// `rows` data rows of `columns` columns need rows x columns cell references.
// `line`: where the rows found so far end (0 = all rows are known).
void CheckCellCount(size_t rows, size_t columns, size_t line, const std::string& source, const InputLimits& limits);

// The column names in the header record [begin, end) of `buf`, which starts on
// `line`: split (unescaping in place), checked for UTF-8, the column limit and
// duplicates; an empty name becomes col_N.
std::vector<std::string> HeaderNames(std::string& buf, size_t begin, size_t end, size_t line, const Dialect& dialect,
                                     const std::string& source, const InputLimits& limits);

// col_1, col_2, ... for as many fields as the record [begin, end) holds
// (counted on a copy: the record itself is split again as data).
std::vector<std::string> DefaultNames(std::string_view buf, size_t begin, size_t end, const Dialect& dialect);

}  // namespace tabpilot::csv

namespace tabpilot {

// Builds RawTables; a friend of RawTable so the parser can fill it directly.
class RawTableBuilder {
 public:
  // The table of records[first_record, records.size()) of `buffer` (which it
  // takes as its own), named `names`; records are split into cells on
  // `threads` workers (0 = all). Throws InvalidInput for the earliest bad
  // record: a field count other than names.size(), invalid UTF-8, a field
  // longer than RawTable::kMaxCellBytes.
  static RawTable FromRecords(std::string buffer, const csv::RecordIndex& records, size_t first_record,
                              std::vector<std::string> names, const std::string& source, const csv::Dialect& dialect,
                              int threads);
  // The table of `rows` rows of `cells` (row-major, names.size() a row,
  // each as RawTable::cell gives one: trimmed and unquoted), copied into the
  // table's buffer; a cell is missing when `missing` (same layout; may be
  // empty: none) says so or it is a missing token. Row r's "line" is r + 1
  // (errors then name rows). Throws InvalidInput for a cell longer than
  // RawTable::kMaxCellBytes.
  static RawTable FromCells(std::vector<std::string> names, size_t rows, std::span<const std::string_view> cells,
                            std::span<const uint8_t> missing, const std::string& source);
};

}  // namespace tabpilot
