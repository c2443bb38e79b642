// A JSON scalar as the text of one cell, as a CSV reader would give it: how
// the one-row path and the server read rows sent as JSON.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "core/json.h"

namespace tabpilot {

// Strings are the cell (trimmed like an unquoted CSV field), numbers their
// shortest text that reads back the same (written into `number`), booleans
// "true"/"false", null the empty (missing) cell. Throws InvalidInput naming
// `column` for an object or an array.
std::string_view JsonCell(const Json& value, const std::string& column, std::array<char, 32>& number);

}  // namespace tabpilot
