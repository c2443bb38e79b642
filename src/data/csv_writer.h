// Writing CSV (predictions output). Output reads back through csv_reader.h
// to the same cells.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tabpilot {

// RFC 4180 quoting, only when needed: a field containing the delimiter, a
// double quote, CR or LF, or with leading/trailing whitespace (which the
// reader would trim) is wrapped in double quotes with inner quotes doubled.
std::string CsvEscape(std::string_view field, char delimiter = ',');
// Appends CsvEscape(field, delimiter) to `out` (no temporary string).
void AppendCsvField(std::string& out, std::string_view field, char delimiter = ',');

// Writes rows to a stream it does not own (the stream must outlive the
// writer). Lines end in "\n". Not thread-safe.
class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out, char delimiter = ',');
  // Writes one record; fields are escaped with CsvEscape.
  void WriteRow(const std::vector<std::string>& fields);

 private:
  std::ostream& out_;
  char delimiter_;
  std::string line_;  // reused buffer
};

}  // namespace tabpilot
