#include "data/column.h"

#include <cstdio>

#include "core/error.h"

namespace tabpilot {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kNumeric:
      return "numeric";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kCategorical:
      return "categorical";
    case ColumnType::kDatetime:
      return "datetime";
    case ColumnType::kText:
      return "text";
  }
  return "unknown";
}

ColumnType ParseColumnType(const std::string& name) {
  for (ColumnType t : {ColumnType::kNumeric, ColumnType::kBoolean, ColumnType::kCategorical, ColumnType::kDatetime,
                       ColumnType::kText}) {
    if (name == ColumnTypeName(t)) return t;
  }
  throw InvalidInput("unknown column type '" + name + "' (valid: numeric, boolean, categorical, datetime, text)");
}

size_t Column::size() const {
  switch (type) {
    case ColumnType::kCategorical:
      return codes.size();
    case ColumnType::kText:
      return texts.size();
    default:
      return numbers.size();
  }
}

bool Column::IsMissing(size_t row) const {
  switch (type) {
    case ColumnType::kCategorical:
      return codes[row] < 0;
    case ColumnType::kText:
      return text_missing[row] != 0;
    default:
      return std::isnan(numbers[row]);
  }
}

size_t Column::CountMissing() const {
  size_t n = 0;
  for (size_t i = 0, e = size(); i < e; ++i) n += IsMissing(i) ? 1 : 0;
  return n;
}

std::string Column::CellString(size_t row) const {
  if (IsMissing(row)) return "";
  switch (type) {
    case ColumnType::kCategorical:
      return categories[static_cast<size_t>(codes[row])];
    case ColumnType::kText:
      return texts[row];
    case ColumnType::kBoolean:
      return numbers[row] != 0 ? "true" : "false";
    default: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", numbers[row]);
      return buf;
    }
  }
}

}  // namespace tabpilot
