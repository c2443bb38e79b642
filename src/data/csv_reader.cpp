#include "data/csv_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"
#include "data/arff_reader.h"
#include "data/file_bytes.h"
#include "data/utf8.h"

namespace tabpilot {
namespace {

constexpr char kWhitespaceMode = ' ';
constexpr size_t kDetectionRecords = 50;

// Where each record's content lies in the buffer ([begin, end), without the
// line break) and the physical line it starts on.
struct RecordIndex {
  std::vector<uint64_t> begin;
  std::vector<uint64_t> end;
  std::vector<uint32_t> line;
  size_t size() const { return begin.size(); }
};

// Spaces are always trimmed; tabs only when they are not the separator.
inline bool IsPad(char c, char delimiter) { return c == ' ' || (c == '\t' && delimiter != '\t') || c == '\r'; }
inline bool IsSeparator(char c, char delimiter) {
  return delimiter == kWhitespaceMode ? (c == ' ' || c == '\t') : c == delimiter;
}

bool IsBlank(std::string_view buf, size_t begin, size_t end, char delimiter) {
  for (size_t i = begin; i < end; ++i) {
    if (!IsPad(buf[i], delimiter) && !(delimiter == kWhitespaceMode && buf[i] == '\t')) return false;
  }
  return true;
}

// Scans records from `pos`, honouring quotes, calling on_record(begin, end,
// line, field_count) for each non-blank, non-comment record until it returns
// false. Fields are counted only when `count_fields` (detection). Throws on an
// unterminated quote. This is the one sequential pass over the data.
template <typename OnRecord>
void ScanRecords(std::string_view buf, size_t pos, size_t first_line, char delimiter, char quote, char comment,
                 const std::string& source, bool count_fields, OnRecord&& on_record) {
  const size_t n = buf.size();
  size_t line = first_line;
  const char* data = buf.data();
  // Fast path: without any quote character a record is just a line.
  const bool has_quotes = std::memchr(data + pos, quote, n - pos) != nullptr;
  while (pos < n) {
    size_t begin = pos;
    size_t record_line = line;
    size_t i = pos;
    size_t fields = 0;
    if (!has_quotes && !count_fields) {
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
      if (in_quotes) {
        throw InvalidInput(source + ":" + std::to_string(quote_line) + ": unterminated quoted field");
      }
    }
    size_t end = i;
    if (end > begin && data[end - 1] == '\r') --end;
    pos = i + 1;
    bool skip = IsBlank(buf, begin, end, delimiter) || (comment != 0 && data[begin] == comment);
    if (record_line > std::numeric_limits<uint32_t>::max()) {
      throw InvalidInput(source + ": more than 4294967295 lines are not supported");
    }
    if (!skip && !on_record(begin, end, record_line, fields)) return;
    ++line;
  }
}

char DetectDelimiter(std::string_view buf, size_t pos, const CsvParseOptions& options, const std::string& source) {
  auto counts_for = [&](char d) {
    std::vector<size_t> counts;
    ScanRecords(buf, pos, options.first_line, d, options.quote, options.comment, source, true,
                [&](size_t, size_t, size_t, size_t fields) {
                  counts.push_back(fields);
                  return counts.size() < kDetectionRecords;
                });
    return counts;
  };
  auto consistent = [](const std::vector<size_t>& c) {
    return !c.empty() && c[0] > 1 && std::all_of(c.begin(), c.end(), [&](size_t v) { return v == c[0]; });
  };
  const std::array<char, 4> candidates = {',', ';', '\t', '|'};
  std::array<std::vector<size_t>, 4> counts;
  char best = 0;
  size_t best_fields = 0;
  for (size_t k = 0; k < candidates.size(); ++k) {
    counts[k] = counts_for(candidates[k]);
    if (consistent(counts[k]) && counts[k][0] > best_fields) {
      best = candidates[k];
      best_fields = counts[k][0];
    }
  }
  if (best != 0) return best;
  if (consistent(counts_for(kWhitespaceMode))) return kWhitespaceMode;
  // Nothing is consistent: take the separator for which most records share
  // one field count > 1, so the ragged-row error names the odd line out.
  size_t best_agree = 0;
  best = ',';
  for (size_t k = 0; k < candidates.size(); ++k) {
    const auto& c = counts[k];
    for (size_t value : c) {
      if (value <= 1) continue;
      size_t agree = static_cast<size_t>(std::count(c.begin(), c.end(), value));
      if (agree > best_agree) {
        best_agree = agree;
        best = candidates[k];
      }
    }
  }
  return best;
}

struct FieldError {
  size_t record = std::numeric_limits<size_t>::max();
  std::string message;
};

// Line on which byte `offset` of a record lies (quoted fields may span lines).
size_t LineAt(std::string_view buf, size_t record_begin, size_t record_line, size_t offset) {
  return record_line + static_cast<size_t>(std::count(buf.begin() + static_cast<std::ptrdiff_t>(record_begin),
                                                      buf.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

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

std::string ColumnDefaultName(size_t index) { return "col_" + std::to_string(index + 1); }

void CheckLineLength(size_t begin, size_t end, size_t line, const std::string& source, const InputLimits& limits) {
  if (end - begin > limits.csv_line_bytes) {
    throw InvalidInput(source + ":" + std::to_string(line) + ": line of " + std::to_string(end - begin) +
                       " bytes, more than the limit of " + std::to_string(limits.csv_line_bytes) +
                       " (TABPILOT_LIMIT_CSV_LINE_BYTES)");
  }
}

void CheckColumnCount(size_t columns, size_t line, const std::string& source, const InputLimits& limits) {
  if (columns > limits.csv_columns) {
    throw InvalidInput(Where(source, line, "") + ": " + std::to_string(columns) + " columns, more than the limit of " +
                       std::to_string(limits.csv_columns) + " (TABPILOT_LIMIT_CSV_COLUMNS)");
  }
}

// `rows` data rows of `columns` columns need rows x columns cell references.
// `line`: where the rows found so far end (0 = all rows are known).
void CheckCellCount(size_t rows, size_t columns, size_t line, const std::string& source, const InputLimits& limits) {
  if (columns > 0 && rows > limits.csv_cells / columns) {
    throw InvalidInput(Where(source, line, "") + ": " + std::to_string(rows) + " rows of " + std::to_string(columns) +
                       " columns, more than the limit of " + std::to_string(limits.csv_cells) +
                       " cells (TABPILOT_LIMIT_CSV_CELLS)");
  }
}

// Finds where the records lie. The column count is known from the first
// record (or the names given) before anything is split, so the limits stop
// a wide header over many short lines while the records are found, not after
// allocating the cells.
RecordIndex FindRecords(std::string_view buf, size_t pos, char delimiter, const CsvParseOptions& options,
                        const std::string& source) {
  const InputLimits& limits = options.csv.limits;
  const char quote = options.quote;
  size_t columns = options.names.size();
  if (options.csv.header || options.names.empty()) {
    ScanRecords(buf, pos, options.first_line, delimiter, quote, options.comment, source, true,
                [&](size_t b, size_t e, size_t line, size_t fields) {
                  CheckLineLength(b, e, line, source, limits);
                  CheckColumnCount(fields, line, source, limits);
                  columns = fields;
                  return false;
                });
  }
  CheckColumnCount(columns, 0, source, limits);
  const size_t header_records = options.csv.header ? 1 : 0;
  RecordIndex records;
  ScanRecords(buf, pos, options.first_line, delimiter, quote, options.comment, source, false,
              [&](size_t b, size_t e, size_t line, size_t) {
                CheckLineLength(b, e, line, source, limits);
                if (records.size() + 1 > header_records) {
                  CheckCellCount(records.size() + 1 - header_records, columns, line, source, limits);
                }
                records.begin.push_back(b);
                records.end.push_back(e);
                records.line.push_back(static_cast<uint32_t>(line));
                return true;
              });
  return records;
}

}  // namespace

// Builds RawTables; a friend of RawTable so the parser can fill it directly.
class RawTableBuilder {
 public:
  static RawTable Parse(std::string text, const std::string& source, const CsvParseOptions& options);
};

RawTable RawTableBuilder::Parse(std::string text, const std::string& source, const CsvParseOptions& options) {
  RawTable table;
  table.source_ = source;
  table.buffer_ = std::move(text);
  std::string& buf = table.buffer_;
  if (buf.size() >= (uint64_t{1} << (64 - RawTable::kLengthBits))) {
    throw InvalidInput(source + ": file too large (limit 1 TiB)");
  }
  size_t pos = 0;
  if (buf.size() >= 3 && static_cast<unsigned char>(buf[0]) == 0xEF && static_cast<unsigned char>(buf[1]) == 0xBB &&
      static_cast<unsigned char>(buf[2]) == 0xBF) {
    pos = 3;
  }
  const char quote = options.quote;
  char delimiter = options.csv.delimiter;
  if (delimiter == quote || delimiter == '\n' || delimiter == '\r') {
    throw InvalidInput(source + ": invalid delimiter");
  }
  if (delimiter == 0) delimiter = DetectDelimiter(buf, pos, options, source);
  table.delimiter_ = delimiter;

  const InputLimits& limits = options.csv.limits;
  const RecordIndex records = FindRecords(buf, pos, delimiter, options, source);
  if (records.size() == 0) throw InvalidInput(source + ": file is empty");

  char* data = buf.data();
  auto invalid_utf8 = [&](size_t record, size_t b, const std::string& column) {
    size_t line = LineAt(buf, records.begin[record], records.line[record], b);
    return Where(source, line, column) + ": invalid UTF-8";
  };

  size_t first_data = 0;
  if (options.csv.header) {
    std::vector<std::pair<size_t, size_t>> spans;
    SplitRecord(data, records.begin[0], records.end[0], delimiter, quote, [&](size_t, size_t b, size_t e, bool) {
      spans.emplace_back(b, e);
      CheckColumnCount(spans.size(), records.line[0], source, limits);
    });
    std::unordered_set<std::string> seen;
    for (size_t c = 0; c < spans.size(); ++c) {
      std::string name(data + spans[c].first, spans[c].second - spans[c].first);
      if (!IsValidUtf8(name)) throw InvalidInput(invalid_utf8(0, spans[c].first, ColumnDefaultName(c)));
      if (name.empty()) name = ColumnDefaultName(c);
      if (!seen.insert(name).second) {
        throw InvalidInput(source + ":" + std::to_string(records.line[0]) + ": duplicate column name '" + name + "'");
      }
      table.names_.push_back(std::move(name));
    }
    first_data = 1;
    if (records.size() == 1) throw InvalidInput(source + ": no data rows");
  } else if (!options.names.empty()) {
    table.names_ = options.names;
  } else {
    // Splitting unescapes in place and the record is split again below, so
    // count the fields on a copy.
    std::string first(data + records.begin[0], records.end[0] - records.begin[0]);
    size_t fields = SplitRecord(first.data(), 0, first.size(), delimiter, quote, [](size_t, size_t, size_t, bool) {});
    for (size_t c = 0; c < fields; ++c) table.names_.push_back(ColumnDefaultName(c));
  }

  const size_t num_cols = table.names_.size();
  const size_t num_rows = records.size() - first_data;
  CheckColumnCount(num_cols, records.line[0], source, limits);
  CheckCellCount(num_rows, num_cols, 0, source, limits);
  table.num_rows_ = num_rows;
  table.cells_.assign(num_cols * num_rows, 0);
  table.lines_.resize(num_rows);

  int threads = options.csv.threads > 0 ? options.csv.threads : HardwareThreads();
  std::vector<FieldError> errors(static_cast<size_t>(std::max(1, threads)));
  ParallelFor(num_rows, threads, [&](size_t row_begin, size_t row_end, int worker) {
    FieldError& err = errors[static_cast<size_t>(worker)];
    for (size_t row = row_begin; row < row_end; ++row) {
      size_t r = row + first_data;
      table.lines_[row] = records.line[r];
      bool failed = false;
      size_t count = SplitRecord(
          data, records.begin[r], records.end[r], delimiter, quote, [&](size_t col, size_t b, size_t e, bool high) {
            if (failed || col >= num_cols) return;
            std::string_view cell(data + b, e - b);
            if (high && !IsValidUtf8(cell)) {
              err = {r, invalid_utf8(r, b, table.names_[col])};
              failed = true;
              return;
            }
            if (cell.size() > RawTable::kMaxCellBytes) {
              err = {r, Where(source, LineAt(buf, records.begin[r], records.line[r], b), table.names_[col]) +
                            ": field longer than 8 MiB"};
              failed = true;
              return;
            }
            uint64_t ref = (uint64_t{b} << RawTable::kLengthBits) | (uint64_t{cell.size()} << 1) |
                           (IsMissingToken(cell) ? 1u : 0u);
            table.cells_[col * num_rows + row] = ref;
          });
      if (!failed && count != num_cols) {
        err = {r, source + ": line " + std::to_string(records.line[r]) + " has " + std::to_string(count) +
                      " fields, expected " + std::to_string(num_cols)};
        failed = true;
      }
      if (failed) return;  // later rows of this chunk cannot hold an earlier error
    }
  });
  const FieldError* first = nullptr;
  for (const FieldError& e : errors) {
    if (!e.message.empty() && (!first || e.record < first->record)) first = &e;
  }
  if (first) throw InvalidInput(first->message);
  return table;
}

bool IsMissingToken(std::string_view s) {
  switch (s.size()) {
    case 0:
      return true;
    case 1:
      return s[0] == '?';
    case 2:
    case 3:
    case 4: {
      char first = s[0];
      if (first != 'n' && first != 'N') return false;
      char lower[4];
      for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      }
      std::string_view l(lower, s.size());
      return l == "na" || l == "n/a" || l == "nan" || l == "null" || l == "none";
    }
    default:
      return false;
  }
}

std::optional<size_t> RawTable::Find(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return i;
  }
  return std::nullopt;
}

RawTable ParseRawCsvBuffer(std::string text, const std::string& source_name, const CsvParseOptions& options) {
  return RawTableBuilder::Parse(std::move(text), source_name, options);
}

RawTable ParseRawCsv(std::string_view text, const std::string& source_name, const CsvOptions& options) {
  CsvParseOptions parse;
  parse.csv = options;
  return ParseRawCsvBuffer(std::string(text), source_name, parse);
}

RawTable ReadRawCsv(const std::filesystem::path& path, const CsvOptions& options) {
  if (IsArffPath(path)) return ReadArff(path, options).raw;
  CsvParseOptions parse;
  parse.csv = options;
  return ParseRawCsvBuffer(ReadFileBytes(path, options.limits), path.string(), parse);
}

}  // namespace tabpilot
