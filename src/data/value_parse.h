// Parsing of single numeric and boolean cells (datetimes: datetime_parse.h).
#pragma once

#include <optional>
#include <string_view>

namespace tabpilot {

// Decimal numbers: optional leading + or -, digits with an optional point,
// optional exponent ("12", "-0.5", "+3", ".5", "1e-3", "2.5E+10"). Rejects
// "inf", "nan", hex, thousands separators, and values outside double range.
// `text` must be trimmed. Thread-safe, allocation-free.
std::optional<double> ParseNumber(std::string_view text);

// "true" / "false", case-insensitive. Other spellings (yes/no, 1/0, t/f) are
// not booleans: they stay categorical or numeric.
std::optional<bool> ParseBoolean(std::string_view text);

}  // namespace tabpilot
