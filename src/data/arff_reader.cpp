#include "data/arff_reader.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "core/error.h"
#include "data/file_bytes.h"

namespace tabpilot {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWithKeyword(std::string_view line, std::string_view keyword) {
  if (line.size() < keyword.size()) return false;
  if (Lower(line.substr(0, keyword.size())) != keyword) return false;
  return line.size() == keyword.size() || std::isspace(static_cast<unsigned char>(line[keyword.size()]));
}

struct Attribute {
  std::string name;
  std::optional<ColumnType> type;
};

Attribute ParseAttribute(std::string_view rest, const std::string& where) {
  rest = Trim(rest);
  Attribute attr;
  if (rest.empty()) throw InvalidInput(where + ": @attribute without a name");
  size_t i = 0;
  if (rest[0] == '\'' || rest[0] == '"') {
    char q = rest[0];
    size_t close = rest.find(q, 1);
    if (close == std::string_view::npos) throw InvalidInput(where + ": unterminated quoted attribute name");
    attr.name = std::string(rest.substr(1, close - 1));
    i = close + 1;
  } else {
    while (i < rest.size() && !std::isspace(static_cast<unsigned char>(rest[i])) && rest[i] != '{') ++i;
    attr.name = std::string(rest.substr(0, i));
  }
  std::string_view type = Trim(rest.substr(i));
  if (type.empty()) throw InvalidInput(where + ": attribute '" + attr.name + "' has no type");
  if (type[0] == '{') {
    attr.type = ColumnType::kCategorical;
    return attr;
  }
  std::string t = Lower(type.substr(0, type.find_first_of(" \t")));
  if (t == "numeric" || t == "real" || t == "integer") {
    attr.type = ColumnType::kNumeric;
  } else if (t == "string") {
    attr.type = ColumnType::kText;
  } else if (t == "date") {
    // Format detected from the values.
  } else {
    throw InvalidInput(where + ": attribute '" + attr.name + "' has unsupported type '" + std::string(type) + "'");
  }
  return attr;
}

}  // namespace

bool IsArffPath(const std::filesystem::path& path) {
  return Lower(WithoutGzipExtension(path).extension().string()) == ".arff";
}

ArffData ParseArff(std::string text, const std::string& source_name, const CsvOptions& options) {
  size_t pos = 0;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  size_t line_no = 1;
  std::vector<Attribute> attributes;
  bool data_found = false;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    const std::string where = source_name + ":" + std::to_string(line_no);
    if (end - pos > options.limits.csv_line_bytes) {
      throw InvalidInput(where + ": line of " + std::to_string(end - pos) + " bytes, more than the limit of " +
                         std::to_string(options.limits.csv_line_bytes) + " (TABPILOT_LIMIT_CSV_LINE_BYTES)");
    }
    std::string_view line = Trim(std::string_view(text).substr(pos, end - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '%') continue;
    if (StartsWithKeyword(line, "@relation")) continue;
    if (StartsWithKeyword(line, "@attribute")) {
      if (attributes.size() >= options.limits.csv_columns) {
        throw InvalidInput(where + ": more than the limit of " + std::to_string(options.limits.csv_columns) +
                           " attributes (TABPILOT_LIMIT_CSV_COLUMNS)");
      }
      attributes.push_back(ParseAttribute(line.substr(10), where));
      continue;
    }
    if (StartsWithKeyword(line, "@data")) {
      data_found = true;
      break;
    }
    throw InvalidInput(where + ": expected @relation, @attribute or @data");
  }
  if (attributes.empty() && !data_found) throw InvalidInput(source_name + ": file is empty");
  if (attributes.empty()) throw InvalidInput(source_name + ": no @attribute lines");
  if (!data_found) throw InvalidInput(source_name + ": no @data section");

  // The data section must hold at least one row; sparse rows are not supported.
  bool any_row = false;
  size_t scan_line = line_no;
  for (size_t p = pos; p < text.size();) {
    size_t nl = text.find('\n', p);
    size_t end = nl == std::string::npos ? text.size() : nl;
    std::string_view line = Trim(std::string_view(text).substr(p, end - p));
    if (!line.empty() && line[0] != '%') {
      if (line[0] == '{') {
        throw InvalidInput(source_name + ":" + std::to_string(scan_line) + ": sparse ARFF rows are not supported");
      }
      any_row = true;
      break;
    }
    p = nl == std::string::npos ? text.size() : nl + 1;
    ++scan_line;
  }
  if (!any_row) throw InvalidInput(source_name + ": no data rows");

  ArffData out;
  CsvParseOptions parse;
  parse.csv = options;
  parse.csv.header = false;
  if (parse.csv.delimiter == 0) parse.csv.delimiter = ',';
  parse.quote = '\'';
  parse.comment = '%';
  parse.first_line = line_no;
  // A hash set: a linear search per name made 50k attributes take seconds.
  std::unordered_set<std::string_view> seen;
  seen.reserve(attributes.size());
  parse.names.reserve(attributes.size());
  for (const Attribute& a : attributes) {
    if (!seen.insert(a.name).second) {
      throw InvalidInput(source_name + ": duplicate attribute name '" + a.name + "'");
    }
    parse.names.push_back(a.name);
    if (a.type) out.declared_types[a.name] = *a.type;
  }
  text.erase(0, pos);
  out.raw = ParseRawCsvBuffer(std::move(text), source_name, parse);
  return out;
}

ArffData ReadArff(const std::filesystem::path& path, const CsvOptions& options) {
  return ParseArff(ReadFileBytes(path, options.limits), path.string(), options);
}

}  // namespace tabpilot
