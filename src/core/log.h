// Human-facing progress and notes on stderr. A Logger is a small value passed
// down through Options structs; there is no global logger.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>

namespace tabpilot {

class Logger {
 public:
  enum class Level { kQuiet = 0, kInfo = 1, kDebug = 2 };
  Logger() = default;
  explicit Logger(Level level) : level_(level) {}

  // "note: ..." lines: decisions the user should know about (dropped rows, columns).
  void Note(const std::string& message) const;
  // "warning: ..." lines.
  void Warn(const std::string& message) const;
  // Plain progress lines.
  void Info(const std::string& message) const;
  void Debug(const std::string& message) const;
  Level level() const { return level_; }

 private:
  Level level_ = Level::kInfo;
};

// Formats a duration as "1m05s" / "12.3s".
std::string FormatSeconds(double seconds);

// Formats a count with thousands separated: "1,000,000".
std::string FormatCount(size_t n);

}  // namespace tabpilot
