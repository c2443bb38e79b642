// A typed column of a Table. Storage depends on the type:
//   kNumeric, kBoolean, kDatetime -> numbers (double; NaN = missing; booleans are
//                                    0/1; datetimes are seconds since the Unix epoch, UTC)
//   kCategorical                  -> codes (int32; -1 = missing) into `categories`
//   kText                         -> strings (with `missing` flags)
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tabpilot {

// A missing number in a numeric, boolean or datetime column.
inline constexpr double kMissingNumber = std::numeric_limits<double>::quiet_NaN();

enum class ColumnType { kNumeric, kBoolean, kCategorical, kDatetime, kText };

// "numeric", "boolean", "categorical", "datetime", "text".
const char* ColumnTypeName(ColumnType type);
// Parses the names above; throws InvalidInput listing the valid names otherwise.
ColumnType ParseColumnType(const std::string& name);

struct Column {
  std::string name;
  ColumnType type = ColumnType::kNumeric;

  std::vector<double> numbers;          // kNumeric, kBoolean, kDatetime
  std::vector<int32_t> codes;           // kCategorical
  std::vector<std::string> categories;  // kCategorical: code -> original string
  std::vector<std::string> texts;       // kText
  std::vector<uint8_t> text_missing;    // kText: 1 = missing

  size_t size() const;
  bool IsMissing(size_t row) const;
  size_t CountMissing() const;
  // The cell as the user wrote it (numbers formatted, missing -> "").
  std::string CellString(size_t row) const;
};

}  // namespace tabpilot
