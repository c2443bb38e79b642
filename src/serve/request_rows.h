// A prediction request's rows, decoded from its body into cells in the
// model's input-schema order: the SageMaker content types (text/csv,
// application/json, application/jsonlines) here, the Open Inference
// Protocol's tensors in oip_protocol.cpp. Every error is an InvalidInput
// naming the row (1-based, data rows) and, where it has one, the column;
// the server answers it with a 400.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "data/csv_reader.h"
#include "data/schema.h"

namespace tabpilot {

struct RequestRows {
  size_t columns = 0;                   // the input schema's column count
  std::vector<std::string_view> cells;  // rows x columns, row-major, schema order
  std::vector<uint8_t> missing;         // same layout: 1 where the value is null
  // What the cells point into; held on the heap, so moving a RequestRows
  // keeps them valid.
  std::unique_ptr<RawTable> csv;
  std::unique_ptr<Json> json;
  std::deque<std::string> texts;

  size_t rows() const { return columns == 0 ? 0 : cells.size() / columns; }
  std::span<const std::string_view> row(size_t r) const { return {cells.data() + r * columns, columns}; }
};

enum class RowFormat { kCsv, kJson, kJsonLines };

// The format of a Content-Type or Accept value ("text/csv",
// "application/json", "application/jsonlines" or "application/x-jsonlines";
// parameters such as charset ignored, case-insensitive), or nullopt.
std::optional<RowFormat> ParseRowFormat(std::string_view media_type);
// The media type written for `format`.
std::string_view MediaType(RowFormat format);

// text/csv: one row a line, comma-separated, RFC 4180 quoting. A first line
// holding every input column's name is a header: the columns are then
// matched by name (others ignored); without one a row has exactly the
// schema's column count, in its order.
RequestRows DecodeCsvRows(std::string body, const Schema& schema);

// application/json: {"instances": [row, ...]} (or "inputs"), MLflow's
// {"dataframe_split": {"columns": [...], "data": [[...], ...]}} and
// {"dataframe_records": [{...}, ...]}, a bare array of rows, or one row
// object. A row is an object keyed by column name (other keys ignored), an
// array in schema order, or {"features": [...]} (SageMaker's built-in
// algorithms' form).
RequestRows DecodeJsonRows(std::string_view body, const Schema& schema);

// application/jsonlines: one row (object or array) a line; blank lines skipped.
RequestRows DecodeJsonLinesRows(std::string_view body, const Schema& schema);

// Appends one row given as a JSON object or array (row number `row`, 1-based,
// for errors). `json` must outlive `rows` (or be rows.json).
void AppendJsonRow(RequestRows& rows, const Json& json, size_t row, const Schema& schema);

// Every cell of a numeric, boolean or datetime column parses as its type or
// is missing: otherwise InvalidInput "row 3, column 'age': 'abc' is not a
// number". (Batch predict makes such cells missing with a warning; a
// request gets told instead.)
void CheckCellTypes(const RequestRows& rows, const Schema& schema);

}  // namespace tabpilot
