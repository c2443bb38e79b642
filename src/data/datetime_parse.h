// Date/time cell formats recognised by type inference, and their parsers.
// Values become seconds since the Unix epoch, UTC (fractional seconds kept).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace tabpilot {

// Each format accepts a date alone or a date followed by a time
// ("HH:MM", "HH:MM:SS", "HH:MM:SS.fff", optional " AM"/" PM"), then an optional
// zone: "Z", "+hh:mm", "-hhmm", "+hh", with or without a space before it
// (no zone = UTC). Field ranges are checked (no 2021-02-30, no 25:00).
enum class DatetimeFormat {
  kIso8601,   // "iso8601":   2015-02-24, 2015-02-24T11:35:52.5Z, 2015-02-24 11:35:52 -0800
  kYmdSlash,  // "ymd_slash": 2015/02/24, 2015/2/24 11:35
  kMdySlash,  // "mdy_slash": 02/24/2015, 2/24/2015 11:35 PM (US month/day order)
};

// All formats in the order type inference tries them.
const std::vector<DatetimeFormat>& AllDatetimeFormats();
// The stable id stored in schemas ("iso8601", ...).
const char* DatetimeFormatId(DatetimeFormat format);
// Inverse of DatetimeFormatId; nullopt for an unknown id.
std::optional<DatetimeFormat> FindDatetimeFormat(std::string_view id);

// Parses a trimmed cell; nullopt if it does not match `format` exactly.
std::optional<double> ParseDatetime(std::string_view text, DatetimeFormat format);

}  // namespace tabpilot
