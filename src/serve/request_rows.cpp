#include "serve/request_rows.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/error.h"
#include "core/json_parse.h"
#include "data/datetime_parse.h"
#include "data/value_parse.h"
#include "predict/json_cell.h"

namespace tabpilot {
namespace {

std::string RowName(size_t row) { return "row " + std::to_string(row); }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The fields of a CSV line, trimmed and unquoted (doubled quotes kept as
// they are: a header name never holds one), for the header check only.
std::vector<std::string_view> SplitHeaderLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> fields;
  while (true) {
    const size_t comma = line.find(',');
    std::string_view f = line.substr(0, comma);
    while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
    while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    fields.push_back(f);
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  return fields;
}

// True when the line names every input column.
bool IsHeader(std::string_view first_line, const Schema& schema) {
  const std::vector<std::string_view> fields = SplitHeaderLine(first_line);
  return std::all_of(schema.columns.begin(), schema.columns.end(), [&](const ColumnSpec& c) {
    return std::find(fields.begin(), fields.end(), c.name) != fields.end();
  });
}

// Appends cell `value` of column `column` (row `row`): strings as views of
// the JSON's own text, numbers' text kept in rows.texts.
void AppendJsonCell(RequestRows& rows, const Json& value, size_t row, const std::string& column) {
  std::array<char, 32> number{};
  std::string_view text;
  try {
    text = JsonCell(value, column, number);
  } catch (const InvalidInput& e) {
    throw InvalidInput(RowName(row) + ", " + e.what());
  }
  if (value.is_number()) {
    rows.texts.emplace_back(text);
    text = rows.texts.back();
  }
  rows.cells.push_back(text);
  rows.missing.push_back(value.is_null() ? 1 : 0);
}

}  // namespace

std::optional<RowFormat> ParseRowFormat(std::string_view media_type) {
  const size_t semi = media_type.find(';');
  std::string type = AsciiLower(media_type.substr(0, semi));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  while (!type.empty() && type.front() == ' ') type.erase(type.begin());
  if (type == "text/csv") return RowFormat::kCsv;
  if (type == "application/json") return RowFormat::kJson;
  if (type == "application/jsonlines" || type == "application/x-jsonlines" || type == "application/jsonl") {
    return RowFormat::kJsonLines;
  }
  return std::nullopt;
}

std::string_view MediaType(RowFormat format) {
  switch (format) {
    case RowFormat::kCsv:
      return "text/csv";
    case RowFormat::kJson:
      return "application/json";
    case RowFormat::kJsonLines:
      return "application/jsonlines";
  }
  return "application/json";
}

RequestRows DecodeCsvRows(std::string body, const Schema& schema) {
  size_t start = 0;
  if (body.size() >= 3 && body.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;
  while (start < body.size() && (body[start] == '\n' || body[start] == '\r')) ++start;
  if (start >= body.size()) throw InvalidInput("the request body holds no rows");
  const size_t eol = body.find('\n', start);
  const bool header =
      IsHeader(std::string_view(body).substr(start, eol == std::string::npos ? eol : eol - start), schema);
  CsvParseOptions options;
  options.csv.delimiter = ',';
  options.csv.threads = 1;
  options.csv.header = header;
  if (!header) {
    for (const ColumnSpec& c : schema.columns) options.names.push_back(c.name);
  }
  RequestRows rows;
  rows.columns = schema.columns.size();
  try {
    rows.csv = std::make_unique<RawTable>(ParseRawCsvBuffer(std::move(body), "request body", options));
  } catch (const InvalidInput& e) {
    // The reader names lines ("request body:3: expected 14 fields, found 13").
    throw InvalidInput(std::string(e.what()) +
                       (header ? ""
                               : " (a row holds the model's " + std::to_string(schema.columns.size()) +
                                     " input columns in order, the target left out, or the body starts "
                                     "with a header row naming them)"));
  }
  const RawTable& raw = *rows.csv;
  std::vector<size_t> source(schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const std::optional<size_t> at = raw.Find(schema.columns[c].name);
    if (!at) throw InvalidInput("request body: the header lacks column '" + schema.columns[c].name + "'");
    source[c] = *at;
  }
  rows.cells.reserve(raw.num_rows() * rows.columns);
  rows.missing.reserve(raw.num_rows() * rows.columns);
  for (size_t r = 0; r < raw.num_rows(); ++r) {
    for (size_t c = 0; c < rows.columns; ++c) {
      rows.cells.push_back(raw.cell(r, source[c]));
      rows.missing.push_back(raw.is_missing(r, source[c]) ? 1 : 0);
    }
  }
  if (rows.rows() == 0) throw InvalidInput("the request body holds no rows");
  return rows;
}

void AppendJsonRow(RequestRows& rows, const Json& json, size_t row, const Schema& schema) {
  const Json* values = &json;
  if (json.is_object() && schema.Find("features") == nullptr) {
    auto it = json.find("features");
    if (it != json.end() && it->is_array()) values = &*it;
  }
  if (values->is_array()) {
    if (values->size() != schema.columns.size()) {
      throw InvalidInput(RowName(row) + " has " + std::to_string(values->size()) + " values; the model's input has " +
                         std::to_string(schema.columns.size()) + " columns");
    }
    for (size_t c = 0; c < schema.columns.size(); ++c) AppendJsonCell(rows, (*values)[c], row, schema.columns[c].name);
    return;
  }
  if (!values->is_object()) {
    throw InvalidInput(RowName(row) + " must be a JSON object or array, not a JSON " + values->type_name());
  }
  for (const ColumnSpec& c : schema.columns) {
    auto it = values->find(c.name);
    if (it == values->end()) throw InvalidInput(RowName(row) + ": missing column '" + c.name + "'");
    AppendJsonCell(rows, *it, row, c.name);
  }
}

namespace {

Json ParseJsonBody(std::string_view body, const std::string& what) {
  try {
    return ParseJson(body);
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number past double
    throw InvalidInput("malformed JSON in " + what + ": " + e.what());
  }
}

// dataframe_split: {"columns": [...], "data": [[...], ...]} -> rows.
void AppendDataframeSplit(RequestRows& rows, const Json& split, const Schema& schema) {
  if (!split.is_object()) throw InvalidInput("dataframe_split must be a JSON object");
  auto columns = split.find("columns");
  auto data = split.find("data");
  if (data == split.end() || !data->is_array()) throw InvalidInput("dataframe_split needs a \"data\" array");
  std::vector<size_t> source(schema.columns.size());
  if (columns == split.end()) {
    for (size_t c = 0; c < source.size(); ++c) source[c] = c;  // schema order
  } else {
    if (!columns->is_array()) throw InvalidInput("dataframe_split's \"columns\" must be an array of names");
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      auto at = std::find(columns->begin(), columns->end(), Json(schema.columns[c].name));
      if (at == columns->end()) {
        throw InvalidInput("dataframe_split: missing column '" + schema.columns[c].name + "'");
      }
      source[c] = static_cast<size_t>(at - columns->begin());
    }
  }
  const size_t width = columns == split.end() ? schema.columns.size() : columns->size();
  size_t row = 0;
  for (const Json& values : *data) {
    ++row;
    if (!values.is_array() || values.size() != width) {
      throw InvalidInput(RowName(row) + " of dataframe_split's data must be an array of " + std::to_string(width) +
                         " values");
    }
    for (size_t c = 0; c < schema.columns.size(); ++c) {
      AppendJsonCell(rows, values[source[c]], row, schema.columns[c].name);
    }
  }
}

}  // namespace

RequestRows DecodeJsonRows(std::string_view body, const Schema& schema) {
  RequestRows rows;
  rows.columns = schema.columns.size();
  rows.json = std::make_unique<Json>(ParseJsonBody(body, "the request body"));
  const Json& doc = *rows.json;
  const Json* list = nullptr;
  if (doc.is_array()) {
    list = &doc;
  } else if (doc.is_object()) {
    for (const char* key : {"instances", "inputs", "dataframe_records"}) {
      auto it = doc.find(key);
      if (it != doc.end()) {
        if (!it->is_array()) throw InvalidInput(std::string("\"") + key + "\" must be an array of rows");
        list = &*it;
        break;
      }
    }
    if (list == nullptr) {
      auto split = doc.find("dataframe_split");
      if (split != doc.end()) {
        AppendDataframeSplit(rows, *split, schema);
      } else {
        AppendJsonRow(rows, doc, 1, schema);  // one row object
      }
    }
  } else {
    throw InvalidInput(std::string("the request body must be a JSON object or array, not a JSON ") + doc.type_name());
  }
  if (list != nullptr) {
    rows.cells.reserve(list->size() * rows.columns);
    size_t row = 0;
    for (const Json& r : *list) AppendJsonRow(rows, r, ++row, schema);
  }
  if (rows.rows() == 0) throw InvalidInput("the request body holds no rows");
  return rows;
}

RequestRows DecodeJsonLinesRows(std::string_view body, const Schema& schema) {
  RequestRows rows;
  rows.columns = schema.columns.size();
  // Each line's document must outlive the views: keep them all.
  auto docs = std::make_unique<Json>(Json::array());
  size_t row = 0;
  while (!body.empty()) {
    const size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++row;
    docs->push_back(ParseJsonBody(line, RowName(row)));
  }
  // Views into the documents only once the array no longer grows.
  row = 0;
  for (const Json& doc : *docs) AppendJsonRow(rows, doc, ++row, schema);
  rows.json = std::move(docs);
  if (rows.rows() == 0) throw InvalidInput("the request body holds no rows");
  return rows;
}

void CheckCellTypes(const RequestRows& rows, const Schema& schema) {
  std::vector<std::optional<DatetimeFormat>> formats(schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    if (schema.columns[c].type == ColumnType::kDatetime) {
      formats[c] = FindDatetimeFormat(schema.columns[c].datetime_format);
    }
  }
  for (size_t r = 0; r < rows.rows(); ++r) {
    for (size_t c = 0; c < rows.columns; ++c) {
      const size_t i = r * rows.columns + c;
      const std::string_view cell = rows.cells[i];
      if (rows.missing[i] != 0 || IsMissingToken(cell)) continue;
      const ColumnSpec& spec = schema.columns[c];
      const char* expected = nullptr;
      switch (spec.type) {
        case ColumnType::kNumeric:
          if (!ParseNumber(cell)) expected = "a number";
          break;
        case ColumnType::kBoolean:
          if (!ParseBoolean(cell)) expected = "a boolean";
          break;
        case ColumnType::kDatetime:
          if (formats[c] && !ParseDatetime(cell, *formats[c])) expected = "a date in the training data's format";
          break;
        case ColumnType::kCategorical:
        case ColumnType::kText:
          break;
      }
      if (expected != nullptr) {
        std::string shown(cell.substr(0, 64));
        if (cell.size() > 64) shown += "...";
        throw InvalidInput(RowName(r + 1) + ", column '" + spec.name + "': '" + shown + "' is not " + expected);
      }
    }
  }
}

}  // namespace tabpilot
