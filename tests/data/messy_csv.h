// A messy CSV for the reader tests: quoted fields holding line breaks, doubled
// quotes and the delimiter, missing cells, UTF-8, CRLF and LF line ends, and
// blank lines.
#pragma once

#include <string>

namespace tabpilot::testing {

struct MessyCsvOptions {
  char delimiter = ',';
  bool byte_order_mark = false;  // start with a UTF-8 byte order mark
  bool final_newline = true;     // end the last row with a line break
};

// A header (id, text, value, flag) and `rows` rows; row 0's text spans two
// lines, and a blank line follows every 11th row.
inline std::string MessyCsv(size_t rows, const MessyCsvOptions& options = {}) {
  const std::string d(1, options.delimiter);
  std::string s = options.byte_order_mark ? "\xEF\xBB\xBF" : "";
  s += "id" + d + "text" + d + "value" + d + "flag\n";
  for (size_t i = 0; i < rows; ++i) {
    s += std::to_string(i) + d;
    switch (i % 5) {
      case 0:
        s += "\"line one\nline \"\"two\"\"\"";
        break;
      case 1:
        s += "plain text " + std::to_string(i);
        break;
      case 2:
        s += "\"a" + d + "b\"";
        break;
      case 3:
        s += "caf\xC3\xA9";
        break;
      default:
        s += "";
    }
    s += d + std::to_string(static_cast<double>(i) * 0.25) + d + (i % 3 == 0 ? "NA" : "true");
    if (i + 1 == rows && !options.final_newline) break;
    s += i % 7 == 0 ? "\r\n" : "\n";
    if (i % 11 == 0) s += "\n";
  }
  return s;
}

}  // namespace tabpilot::testing
