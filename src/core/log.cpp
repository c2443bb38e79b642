#include "core/log.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace tabpilot {

void Logger::Note(const std::string& message) const {
  if (level_ >= Level::kInfo) std::cerr << "note: " << message << "\n";
}
void Logger::Warn(const std::string& message) const {
  if (level_ >= Level::kInfo) std::cerr << "warning: " << message << "\n";
}
void Logger::Info(const std::string& message) const {
  if (level_ >= Level::kInfo) std::cerr << message << "\n";
}
void Logger::Debug(const std::string& message) const {
  if (level_ >= Level::kDebug) std::cerr << "debug: " << message << "\n";
}

std::string FormatCount(size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else {
    const long total = std::lround(seconds);
    std::snprintf(buf, sizeof buf, "%ldm%02lds", total / 60, total % 60);
  }
  return buf;
}

}  // namespace tabpilot
