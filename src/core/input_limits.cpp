#include "core/input_limits.h"

#include <charconv>

#include "core/error.h"

namespace tabpilot {
namespace {

void Override(const std::function<const char*(const char*)>& getenv, const char* name, uint64_t* field) {
  const char* value = getenv(name);
  if (value == nullptr) return;
  const std::string text(value);
  uint64_t parsed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || parsed == 0) {
    throw InvalidInput(std::string(name) + "='" + text + "' is not a positive integer");
  }
  *field = parsed;
}

}  // namespace

InputLimits InputLimits::FromEnvironment(const std::function<const char*(const char*)>& getenv) {
  InputLimits limits;
  Override(getenv, "TABPILOT_LIMIT_BUNDLE_BYTES", &limits.bundle_bytes);
  Override(getenv, "TABPILOT_LIMIT_BUNDLE_FILE_BYTES", &limits.bundle_file_bytes);
  Override(getenv, "TABPILOT_LIMIT_BUNDLE_MANIFEST_BYTES", &limits.bundle_manifest_bytes);
  Override(getenv, "TABPILOT_LIMIT_BUNDLE_FILES", &limits.bundle_files);
  Override(getenv, "TABPILOT_LIMIT_FILE_BYTES", &limits.file_bytes);
  Override(getenv, "TABPILOT_LIMIT_DECOMPRESSED_BYTES", &limits.decompressed_bytes);
  Override(getenv, "TABPILOT_LIMIT_CSV_COLUMNS", &limits.csv_columns);
  Override(getenv, "TABPILOT_LIMIT_CSV_CELLS", &limits.csv_cells);
  Override(getenv, "TABPILOT_LIMIT_CSV_LINE_BYTES", &limits.csv_line_bytes);
  Override(getenv, "TABPILOT_LIMIT_YAML_BYTES", &limits.yaml_bytes);
  Override(getenv, "TABPILOT_LIMIT_YAML_DEPTH", &limits.yaml_depth);
  Override(getenv, "TABPILOT_LIMIT_YAML_NODES", &limits.yaml_nodes);
  return limits;
}

}  // namespace tabpilot
