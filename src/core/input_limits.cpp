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
  return limits;
}

}  // namespace tabpilot
