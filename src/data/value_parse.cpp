#include "data/value_parse.h"

#include <charconv>
#include <cstdint>
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

namespace {

constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Plain decimals ("-12.375") with at most 15 significant digits: the digits
// form an integer m < 2^53 and the value is m / 10^k with k <= 22, both exact
// doubles, so one IEEE division gives the correctly rounded result, the same
// as std::from_chars. Anything else returns nullopt and takes the slow path.
std::optional<double> ParsePlainDecimal(std::string_view s) {
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
  }
  uint64_t m = 0;
  size_t digits = 0;
  size_t fraction_digits = 0;
  bool point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (IsDigit(c)) {
      m = m * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      if (point) ++fraction_digits;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || digits > 15 || fraction_digits > 22) return std::nullopt;
  double v = static_cast<double>(m) / kPow10[fraction_digits];
  return negative ? -v : v;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (auto fast = ParsePlainDecimal(s)) return fast;
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
