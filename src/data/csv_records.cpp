#include "data/csv_records.h"

#include <algorithm>
#include <array>
#include <unordered_set>

#include "core/parallel.h"
#include "data/utf8.h"

namespace tabpilot::csv {

size_t SkipByteOrderMark(std::string_view text) {
  const bool bom = text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
                   static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF;
  return bom ? 3 : 0;
}

Dialect MakeDialect(const CsvParseOptions& options, const std::string& source) {
  Dialect dialect;
  dialect.delimiter = options.csv.delimiter;
  dialect.quote = options.quote;
  dialect.comment = options.comment;
  if (dialect.delimiter == dialect.quote || dialect.delimiter == '\n' || dialect.delimiter == '\r') {
    throw InvalidInput(source + ": invalid delimiter");
  }
  return dialect;
}

bool IsBlank(std::string_view buf, size_t begin, size_t end, char delimiter) {
  for (size_t i = begin; i < end; ++i) {
    if (!IsPad(buf[i], delimiter) && !(delimiter == kWhitespaceMode && buf[i] == '\t')) return false;
  }
  return true;
}

char DetectDelimiter(std::string_view buf, size_t pos, size_t first_line, const Dialect& dialect,
                     const std::string& source, ScanMode mode, bool* needs_more) {
  ScanMode counting = mode;
  counting.count_fields = true;
  bool short_of_records = false;
  auto counts_for = [&](char d) {
    std::vector<size_t> counts;
    Dialect candidate = dialect;
    candidate.delimiter = d;
    ScanRecords(buf, pos, first_line, candidate, source, counting, [&](size_t, size_t, size_t, size_t f) {
      counts.push_back(f);
      return counts.size() < kDetectionRecords;
    });
    // Fewer records than asked for: only the end of the file says there are no more.
    if (!mode.final && counts.size() < kDetectionRecords) short_of_records = true;
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
  const bool whitespace = best == 0 && consistent(counts_for(kWhitespaceMode));
  if (needs_more) *needs_more = short_of_records;
  if (best != 0) return best;
  if (whitespace) return kWhitespaceMode;
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

size_t LineAt(std::string_view buf, size_t record_begin, size_t record_line, size_t offset) {
  return record_line + static_cast<size_t>(std::count(buf.begin() + static_cast<std::ptrdiff_t>(record_begin),
                                                      buf.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

std::string ColumnDefaultName(size_t index) { return "col_" + std::to_string(index + 1); }

void CheckLineLength(size_t length, size_t line, const std::string& source, const InputLimits& limits, bool complete) {
  if (length <= limits.csv_line_bytes) return;
  const std::string limit = std::to_string(limits.csv_line_bytes);
  const std::string what = complete ? "line of " + std::to_string(length) + " bytes, more than the limit of " + limit
                                    : "line longer than the limit of " + limit + " bytes";
  throw InvalidInput(source + ":" + std::to_string(line) + ": " + what + " (TABPILOT_LIMIT_CSV_LINE_BYTES)");
}

void CheckColumnCount(size_t columns, size_t line, const std::string& source, const InputLimits& limits) {
  if (columns > limits.csv_columns) {
    throw InvalidInput(Where(source, line, "") + ": " + std::to_string(columns) + " columns, more than the limit of " +
                       std::to_string(limits.csv_columns) + " (TABPILOT_LIMIT_CSV_COLUMNS)");
  }
}

void CheckCellCount(size_t rows, size_t columns, size_t line, const std::string& source, const InputLimits& limits) {
  if (columns > 0 && rows > limits.csv_cells / columns) {
    throw InvalidInput(Where(source, line, "") + ": " + std::to_string(rows) + " rows of " + std::to_string(columns) +
                       " columns, more than the limit of " + std::to_string(limits.csv_cells) +
                       " cells (TABPILOT_LIMIT_CSV_CELLS)");
  }
}

std::vector<std::string> HeaderNames(std::string& buf, size_t begin, size_t end, size_t line, const Dialect& dialect,
                                     const std::string& source, const InputLimits& limits) {
  std::vector<std::pair<size_t, size_t>> spans;
  SplitRecord(buf.data(), begin, end, dialect.delimiter, dialect.quote, [&](size_t, size_t b, size_t e, bool) {
    spans.emplace_back(b, e);
    CheckColumnCount(spans.size(), line, source, limits);
  });
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;
  for (size_t c = 0; c < spans.size(); ++c) {
    std::string name(buf.data() + spans[c].first, spans[c].second - spans[c].first);
    if (!IsValidUtf8(name)) {
      throw InvalidInput(Where(source, LineAt(buf, begin, line, spans[c].first), ColumnDefaultName(c)) +
                         ": invalid UTF-8");
    }
    if (name.empty()) name = ColumnDefaultName(c);
    if (!seen.insert(name).second) {
      throw InvalidInput(source + ":" + std::to_string(line) + ": duplicate column name '" + name + "'");
    }
    names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::string> DefaultNames(std::string_view buf, size_t begin, size_t end, const Dialect& dialect) {
  std::string first(buf.substr(begin, end - begin));
  size_t fields =
      SplitRecord(first.data(), 0, first.size(), dialect.delimiter, dialect.quote, [](size_t, size_t, size_t, bool) {});
  std::vector<std::string> names;
  for (size_t c = 0; c < fields; ++c) names.push_back(ColumnDefaultName(c));
  return names;
}

namespace {

struct FieldError {
  size_t record = std::numeric_limits<size_t>::max();
  std::string message;
};

}  // namespace
}  // namespace tabpilot::csv

namespace tabpilot {

RawTable RawTableBuilder::FromRecords(std::string buffer, const csv::RecordIndex& records, size_t first_record,
                                      std::vector<std::string> names, const std::string& source,
                                      const csv::Dialect& dialect, int threads) {
  RawTable table;
  table.source_ = source;
  table.buffer_ = std::move(buffer);
  table.names_ = std::move(names);
  table.delimiter_ = dialect.delimiter;
  const std::string& buf = table.buffer_;
  char* data = table.buffer_.data();
  const size_t num_cols = table.names_.size();
  const size_t num_rows = records.size() - first_record;
  table.num_rows_ = num_rows;
  table.cells_.assign(num_cols * num_rows, 0);
  table.lines_.resize(num_rows);

  auto where = [&](size_t r, size_t b, size_t col) {
    return Where(source, csv::LineAt(buf, records.begin[r], records.line[r], b), table.names_[col]);
  };
  threads = threads > 0 ? threads : HardwareThreads();
  std::vector<csv::FieldError> errors(static_cast<size_t>(std::max(1, threads)));
  ParallelFor(num_rows, threads, [&](size_t row_begin, size_t row_end, int worker) {
    csv::FieldError& err = errors[static_cast<size_t>(worker)];
    for (size_t row = row_begin; row < row_end; ++row) {
      size_t r = row + first_record;
      table.lines_[row] = records.line[r];
      bool failed = false;
      size_t count = csv::SplitRecord(data, records.begin[r], records.end[r], dialect.delimiter, dialect.quote,
                                      [&](size_t col, size_t b, size_t e, bool high) {
                                        if (failed || col >= num_cols) return;
                                        std::string_view cell(data + b, e - b);
                                        if (high && !IsValidUtf8(cell)) {
                                          err = {r, where(r, b, col) + ": invalid UTF-8"};
                                          failed = true;
                                          return;
                                        }
                                        if (cell.size() > RawTable::kMaxCellBytes) {
                                          err = {r, where(r, b, col) + ": field longer than 8 MiB"};
                                          failed = true;
                                          return;
                                        }
                                        uint64_t ref = (uint64_t{b} << RawTable::kLengthBits) |
                                                       (uint64_t{cell.size()} << 1) | (IsMissingToken(cell) ? 1u : 0u);
                                        table.cells_[col * num_rows + row] = ref;
                                      });
      if (!failed && count != num_cols) {
        err = {r, source + ":" + std::to_string(records.line[r]) + ": expected " + std::to_string(num_cols) +
                      " fields, found " + std::to_string(count)};
        failed = true;
      }
      if (failed) return;  // later rows of this chunk cannot hold an earlier error
    }
  });
  const csv::FieldError* first = nullptr;
  for (const csv::FieldError& e : errors) {
    if (!e.message.empty() && (!first || e.record < first->record)) first = &e;
  }
  if (first) throw InvalidInput(first->message);
  return table;
}

RawTable RawTableBuilder::FromCells(std::vector<std::string> names, size_t rows,
                                    std::span<const std::string_view> cells, std::span<const uint8_t> missing,
                                    const std::string& source) {
  const size_t cols = names.size();
  if (cells.size() != rows * cols || (!missing.empty() && missing.size() != cells.size())) {
    throw Internal("RawTableBuilder::FromCells: " + std::to_string(cells.size()) + " cells for " +
                   std::to_string(rows) + " rows of " + std::to_string(cols) + " columns");
  }
  RawTable table;
  table.source_ = source;
  table.names_ = std::move(names);
  table.num_rows_ = rows;
  size_t bytes = 0;
  for (std::string_view cell : cells) bytes += cell.size();
  table.buffer_.reserve(bytes);
  table.cells_.assign(cols * rows, 0);
  table.lines_.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    table.lines_[r] = static_cast<uint32_t>(r + 1);
    for (size_t c = 0; c < cols; ++c) {
      const size_t i = r * cols + c;
      const std::string_view cell = cells[i];
      if (cell.size() > RawTable::kMaxCellBytes) {
        throw InvalidInput(source + ": row " + std::to_string(r + 1) + ", column '" + table.names_[c] +
                           "': field longer than 8 MiB");
      }
      const bool is_missing = (!missing.empty() && missing[i] != 0) || IsMissingToken(cell);
      const uint64_t offset = table.buffer_.size();
      table.buffer_.append(cell);
      table.cells_[c * rows + r] =
          (offset << RawTable::kLengthBits) | (uint64_t{cell.size()} << 1) | (is_missing ? 1u : 0u);
    }
  }
  return table;
}

}  // namespace tabpilot
