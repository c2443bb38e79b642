#include "data/datetime_parse.h"

#include <chrono>

namespace tabpilot {
namespace {

// Reads between min_digits and max_digits decimal digits at s[i].
bool ReadInt(std::string_view s, size_t& i, size_t min_digits, size_t max_digits, int& out) {
  size_t start = i;
  int v = 0;
  while (i < s.size() && i - start < max_digits && s[i] >= '0' && s[i] <= '9') {
    v = v * 10 + (s[i] - '0');
    ++i;
  }
  if (i - start < min_digits) return false;
  out = v;
  return true;
}

bool Expect(std::string_view s, size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

void SkipSpaces(std::string_view s, size_t& i) {
  while (i < s.size() && s[i] == ' ') ++i;
}

bool ReadDate(std::string_view s, size_t& i, DatetimeFormat format, int& y, int& m, int& d) {
  switch (format) {
    case DatetimeFormat::kIso8601:
      return ReadInt(s, i, 4, 4, y) && Expect(s, i, '-') && ReadInt(s, i, 2, 2, m) && Expect(s, i, '-') &&
             ReadInt(s, i, 2, 2, d);
    case DatetimeFormat::kYmdSlash:
      return ReadInt(s, i, 4, 4, y) && Expect(s, i, '/') && ReadInt(s, i, 1, 2, m) && Expect(s, i, '/') &&
             ReadInt(s, i, 1, 2, d);
    case DatetimeFormat::kMdySlash:
      return ReadInt(s, i, 1, 2, m) && Expect(s, i, '/') && ReadInt(s, i, 1, 2, d) && Expect(s, i, '/') &&
             ReadInt(s, i, 4, 4, y);
  }
  return false;
}

// Time of day in seconds, from "HH:MM[:SS[.fff]][ AM|PM]".
bool ReadTime(std::string_view s, size_t& i, double& seconds) {
  int h = 0, m = 0, sec = 0;
  if (!ReadInt(s, i, 1, 2, h) || !Expect(s, i, ':') || !ReadInt(s, i, 2, 2, m)) return false;
  double frac = 0;
  if (Expect(s, i, ':')) {
    if (!ReadInt(s, i, 2, 2, sec)) return false;
    if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
      ++i;
      size_t start = i;
      double scale = 0.1;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        frac += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == start) return false;
    }
  }
  // Optional 12-hour clock suffix.
  size_t j = i;
  SkipSpaces(s, j);
  if (j + 2 <= s.size() && (s[j + 1] == 'M' || s[j + 1] == 'm') &&
      (s[j] == 'A' || s[j] == 'a' || s[j] == 'P' || s[j] == 'p') &&
      (j + 2 == s.size() || s[j + 2] == ' ')) {
    if (h < 1 || h > 12) return false;
    bool pm = s[j] == 'P' || s[j] == 'p';
    h = (h % 12) + (pm ? 12 : 0);
    i = j + 2;
  }
  if (h > 23 || m > 59 || sec > 60) return false;
  seconds = h * 3600.0 + m * 60.0 + sec + frac;
  return true;
}

// Zone offset east of UTC in seconds, from "Z", "+hh:mm", "-hhmm", "+hh".
bool ReadZone(std::string_view s, size_t& i, double& offset) {
  if (Expect(s, i, 'Z') || Expect(s, i, 'z')) {
    offset = 0;
    return true;
  }
  if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
  int sign = s[i] == '-' ? -1 : 1;
  ++i;
  int h = 0, m = 0;
  if (!ReadInt(s, i, 2, 2, h)) return false;
  // Minutes follow as ":MM" or "MM" (or not at all: "+HH").
  if (Expect(s, i, ':') || i < s.size()) {
    if (!ReadInt(s, i, 2, 2, m)) return false;
  }
  if (h > 14 || m > 59) return false;
  offset = sign * (h * 3600.0 + m * 60.0);
  return true;
}

}  // namespace

const std::vector<DatetimeFormat>& AllDatetimeFormats() {
  static const std::vector<DatetimeFormat> kAll = {DatetimeFormat::kIso8601, DatetimeFormat::kYmdSlash,
                                                   DatetimeFormat::kMdySlash};
  return kAll;
}

const char* DatetimeFormatId(DatetimeFormat format) {
  switch (format) {
    case DatetimeFormat::kIso8601:
      return "iso8601";
    case DatetimeFormat::kYmdSlash:
      return "ymd_slash";
    case DatetimeFormat::kMdySlash:
      return "mdy_slash";
  }
  return "unknown";
}

std::optional<DatetimeFormat> FindDatetimeFormat(std::string_view id) {
  for (DatetimeFormat f : AllDatetimeFormats()) {
    if (id == DatetimeFormatId(f)) return f;
  }
  return std::nullopt;
}

std::optional<double> ParseDatetime(std::string_view s, DatetimeFormat format) {
  size_t i = 0;
  int y = 0, m = 0, d = 0;
  if (!ReadDate(s, i, format, y, m, d)) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  double seconds = static_cast<double>(std::chrono::sys_days{ymd}.time_since_epoch().count()) * 86400.0;
  if (i == s.size()) return seconds;
  if (s[i] == 'T' || s[i] == ' ') {
    ++i;
    SkipSpaces(s, i);
  } else {
    return std::nullopt;
  }
  double time = 0;
  if (!ReadTime(s, i, time)) return std::nullopt;
  seconds += time;
  SkipSpaces(s, i);
  if (i < s.size()) {
    double offset = 0;
    if (!ReadZone(s, i, offset)) return std::nullopt;
    seconds -= offset;
  }
  if (i != s.size()) return std::nullopt;
  return seconds;
}

}  // namespace tabpilot
