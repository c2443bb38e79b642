#include "core/log.h"

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

std::string FormatSeconds(double seconds) {
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else {
    int total = static_cast<int>(seconds + 0.5);
    std::snprintf(buf, sizeof buf, "%dm%02ds", total / 60, total % 60);
  }
  return buf;
}

}  // namespace tabpilot
