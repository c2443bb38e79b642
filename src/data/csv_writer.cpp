#include "data/csv_writer.h"

namespace tabpilot {

void AppendCsvField(std::string& out, std::string_view field, char delimiter) {
  bool needs_quotes = false;
  for (char c : field) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!field.empty()) {
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    if (is_space(field.front()) || is_space(field.back())) needs_quotes = true;
  }
  if (!needs_quotes) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string CsvEscape(std::string_view field, char delimiter) {
  std::string out;
  AppendCsvField(out, field, delimiter);
  return out;
}

CsvWriter::CsvWriter(std::ostream& out, char delimiter) : out_(out), delimiter_(delimiter) {}

void CsvWriter::WriteRow(const std::vector<std::string>& fields) {
  line_.clear();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line_.push_back(delimiter_);
    AppendCsvField(line_, fields[i], delimiter_);
  }
  line_.push_back('\n');
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

}  // namespace tabpilot
