// A Schema names a table's columns and their types. Training infers it
// (type_inference.h) and stores it in the model bundle; prediction rebuilds
// tables against the stored schema so columns are typed exactly as in training.
#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "data/column.h"

namespace tabpilot {

struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kNumeric;
  // Empty unless type is kDatetime: the id of the detected format, one of
  // DatetimeFormatIds() in datetime_parse.h ("iso8601", "ymd_slash", "mdy_slash").
  std::string datetime_format;

  bool operator==(const ColumnSpec&) const = default;
};

struct Schema {
  std::vector<ColumnSpec> columns;

  // The column called `name`, or nullptr. The pointer is valid until
  // `columns` is modified.
  const ColumnSpec* Find(const std::string& name) const;

  // {"columns": [{"name": "age", "type": "numeric"},
  //              {"name": "t", "type": "datetime", "datetime_format": "iso8601"}]}
  Json ToJson() const;
  // Inverse of ToJson. Throws InvalidInput naming the problem on malformed
  // JSON: missing keys, unknown type or datetime format, duplicate names.
  static Schema FromJson(const Json& json);

  bool operator==(const Schema&) const = default;
};

}  // namespace tabpilot
