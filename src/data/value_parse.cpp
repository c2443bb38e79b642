#include "data/value_parse.h"

#include <charconv>
#include <system_error>

namespace tabpilot {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool EqualsIgnoreCase(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  if (s[0] == '+') {
    i = 1;  // std::from_chars does not take a leading '+'
  } else if (s[0] == '-') {
    if (s.size() < 2) return std::nullopt;
    // Only digits or '.' may follow the sign: this rejects "-inf" and "--1".
    if (!IsDigit(s[1]) && s[1] != '.') return std::nullopt;
  }
  if (i >= s.size() || (!IsDigit(s[i]) && s[i] != '.' && !(s[i] == '-' && i == 0))) return std::nullopt;
  double value = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data() + i, end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<bool> ParseBoolean(std::string_view s) {
  if (EqualsIgnoreCase(s, "true")) return true;
  if (EqualsIgnoreCase(s, "false")) return false;
  return std::nullopt;
}

}  // namespace tabpilot
