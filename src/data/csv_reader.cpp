#include "data/csv_reader.h"

#include "core/error.h"
#include "data/arff_reader.h"
#include "data/csv_records.h"
#include "data/file_bytes.h"

namespace tabpilot {
namespace {

// Finds where the records lie. The column count is known from the first
// record (or the names given) before anything is split, so the limits stop
// a wide header over many short lines while the records are found, not after
// allocating the cells.
csv::RecordIndex FindRecords(std::string_view buf, size_t pos, const csv::Dialect& dialect,
                             const CsvParseOptions& options, const std::string& source) {
  const InputLimits& limits = options.csv.limits;
  size_t columns = options.names.size();
  if (options.csv.header || options.names.empty()) {
    csv::ScanMode first_record;
    first_record.count_fields = true;
    csv::ScanRecords(buf, pos, options.first_line, dialect, source, first_record,
                     [&](size_t b, size_t e, size_t line, size_t fields) {
                       csv::CheckLineLength(e - b, line, source, limits);
                       csv::CheckColumnCount(fields, line, source, limits);
                       columns = fields;
                       return false;
                     });
  }
  csv::CheckColumnCount(columns, 0, source, limits);
  const size_t header_records = options.csv.header ? 1 : 0;
  csv::RecordIndex records;
  csv::ScanRecords(buf, pos, options.first_line, dialect, source, csv::ScanMode{},
                   [&](size_t b, size_t e, size_t line, size_t) {
                     csv::CheckLineLength(e - b, line, source, limits);
                     if (records.size() + 1 > header_records) {
                       csv::CheckCellCount(records.size() + 1 - header_records, columns, line, source, limits);
                     }
                     records.Add(b, e, line);
                     return true;
                   });
  return records;
}

// The whole-file parse: the BOM, the delimiter, the records, the header, then
// the cells (RawTableBuilder::FromRecords, shared with the chunk reader).
RawTable ParseWholeBuffer(std::string text, const std::string& source, const CsvParseOptions& options) {
  if (text.size() >= (uint64_t{1} << (64 - RawTable::kLengthBits))) {
    throw InvalidInput(source + ": file too large (limit 1 TiB)");
  }
  const size_t pos = csv::SkipByteOrderMark(text);
  csv::Dialect dialect = csv::MakeDialect(options, source);
  if (dialect.delimiter == 0) {
    dialect.delimiter = csv::DetectDelimiter(text, pos, options.first_line, dialect, source, csv::ScanMode{});
  }
  const InputLimits& limits = options.csv.limits;
  const csv::RecordIndex records = FindRecords(text, pos, dialect, options, source);
  if (records.size() == 0) throw InvalidInput(source + ": file is empty");

  std::vector<std::string> names;
  size_t first_data = 0;
  if (options.csv.header) {
    names = csv::HeaderNames(text, records.begin[0], records.end[0], records.line[0], dialect, source, limits);
    first_data = 1;
    if (records.size() == 1) throw InvalidInput(source + ": no data rows");
  } else if (!options.names.empty()) {
    names = options.names;
  } else {
    names = csv::DefaultNames(text, records.begin[0], records.end[0], dialect);
  }
  csv::CheckColumnCount(names.size(), records.line[0], source, limits);
  csv::CheckCellCount(records.size() - first_data, names.size(), 0, source, limits);
  return RawTableBuilder::FromRecords(std::move(text), records, first_data, std::move(names), source, dialect,
                                      options.csv.threads);
}

}  // namespace

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
  return ParseWholeBuffer(std::move(text), source_name, options);
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
  return ParseRawCsvBuffer(ReadFileBytes(path, options.limits, options.progress), path.string(), parse);
}

}  // namespace tabpilot
