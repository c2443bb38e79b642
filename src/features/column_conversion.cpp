#include "features/column_conversion.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"

namespace tabpilot {
namespace {

[[noreturn]] void ThrowUnreadable(const Column& column, const std::string& value, const char* what, size_t row) {
  throw InvalidInput(Where("", 0, column.name) + ": cannot read '" + value + "' as " + what + " (row " +
                     std::to_string(row + 1) + ")");
}

[[noreturn]] void ThrowWrongType(const Column& column, const char* wanted) {
  throw InvalidInput(Where("", 0, column.name) + ": expected a " + wanted + " column, got " +
                     ColumnTypeName(column.type));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Parses the whole of `s` as a number; false if anything is left over.
bool ParseNumber(std::string_view s, double* out) {
  s = Trim(s);
  if (s.empty()) return false;
  std::string buf(s);  // strtod needs a terminated string; also accepts "1e5", "inf", "nan"
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  *out = v;
  return true;
}

bool ParseBoolean(std::string_view s, double* out) {
  s = Trim(s);
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "t" || lower == "yes" || lower == "y" || lower == "1") {
    *out = 1;
    return true;
  }
  if (lower == "false" || lower == "f" || lower == "no" || lower == "n" || lower == "0") {
    *out = 0;
    return true;
  }
  return false;
}

// Reads exactly `digits` decimal digits at s[*pos].
bool ReadDigits(std::string_view s, size_t* pos, size_t digits, int* out) {
  if (*pos + digits > s.size()) return false;
  auto [p, ec] = std::from_chars(s.data() + *pos, s.data() + *pos + digits, *out);
  if (ec != std::errc() || p != s.data() + *pos + digits) return false;
  *pos += digits;
  return true;
}

bool ParseIsoDatetime(std::string_view s, double* out) {
  s = Trim(s);
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!ReadDigits(s, &pos, 4, &y) || pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &mo) ||
      pos >= s.size() || s[pos++] != '-' || !ReadDigits(s, &pos, 2, &d)) {
    return false;
  }
  double fraction = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &h) || pos >= s.size() || s[pos++] != ':' || !ReadDigits(s, &pos, 2, &mi)) {
      return false;
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &sec)) return false;
      if (pos < s.size() && s[pos] == '.') {
        size_t start = pos;
        ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
        if (!ParseNumber(std::string("0") + std::string(s.substr(start, pos - start)), &fraction)) return false;
      }
    }
  }
  if (pos < s.size() && s[pos] == 'Z') ++pos;
  if (pos != s.size()) return false;
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return false;
  double days_since_epoch = static_cast<double>(sys_days(ymd).time_since_epoch().count());
  *out = days_since_epoch * 86400.0 + h * 3600.0 + mi * 60.0 + sec + fraction;
  return true;
}

using Parser = bool (*)(std::string_view, double*);

// Parses every distinct category once, then maps codes.
std::vector<double> ParseStrings(const Column& column, Parser parse, const char* what) {
  std::vector<double> out(column.size(), kMissingNumber);
  if (column.type == ColumnType::kCategorical) {
    std::vector<double> by_code(column.categories.size(), kMissingNumber);
    std::vector<uint8_t> ok(column.categories.size(), 0);
    for (size_t c = 0; c < column.categories.size(); ++c) ok[c] = parse(column.categories[c], &by_code[c]) ? 1 : 0;
    for (size_t r = 0; r < out.size(); ++r) {
      int32_t code = column.codes[r];
      if (code < 0) continue;
      if (static_cast<size_t>(code) >= by_code.size()) {
        throw InvalidInput(Where("", 0, column.name) + ": category code out of range (row " + std::to_string(r + 1) +
                           ")");
      }
      if (!ok[static_cast<size_t>(code)])
        ThrowUnreadable(column, column.categories[static_cast<size_t>(code)], what, r);
      out[r] = by_code[static_cast<size_t>(code)];
    }
  } else {  // kText
    for (size_t r = 0; r < out.size(); ++r) {
      if (column.text_missing[r] || Trim(column.texts[r]).empty()) continue;
      if (!parse(column.texts[r], &out[r])) ThrowUnreadable(column, column.texts[r], what, r);
    }
  }
  return out;
}

std::shared_ptr<const std::vector<double>> Alias(const Column& column) {
  // Non-owning: aliasing constructor with an empty owner.
  return std::shared_ptr<const std::vector<double>>(std::shared_ptr<void>(), &column.numbers);
}

std::shared_ptr<const std::vector<double>> Owned(std::vector<double> values) {
  return std::make_shared<const std::vector<double>>(std::move(values));
}

std::vector<double> FiniteOrNaN(std::vector<double> values) {
  for (double& v : values) {
    if (!std::isfinite(v)) v = kMissingNumber;
  }
  return values;
}

bool AllFinite(const std::vector<double>& values) {
  for (double v : values) {
    if (std::isinf(v)) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const std::vector<double>> NumbersForNumeric(const Column& column) {
  switch (column.type) {
    case ColumnType::kNumeric:
    case ColumnType::kBoolean:
    case ColumnType::kDatetime:
      if (AllFinite(column.numbers)) return Alias(column);
      return Owned(FiniteOrNaN(column.numbers));
    case ColumnType::kCategorical:
    case ColumnType::kText:
      return Owned(FiniteOrNaN(ParseStrings(column, ParseNumber, "a number")));
  }
  ThrowWrongType(column, "numeric");
}

std::shared_ptr<const std::vector<double>> NumbersForBoolean(const Column& column) {
  switch (column.type) {
    case ColumnType::kBoolean:
      return Alias(column);
    case ColumnType::kNumeric: {
      std::vector<double> out(column.numbers.size(), kMissingNumber);
      for (size_t r = 0; r < out.size(); ++r) {
        if (!std::isnan(column.numbers[r])) out[r] = column.numbers[r] != 0 ? 1 : 0;
      }
      return Owned(std::move(out));
    }
    case ColumnType::kCategorical:
    case ColumnType::kText:
      return Owned(ParseStrings(column, ParseBoolean, "a boolean"));
    case ColumnType::kDatetime:
      break;
  }
  ThrowWrongType(column, "boolean");
}

std::shared_ptr<const std::vector<double>> NumbersForDatetime(const Column& column) {
  switch (column.type) {
    case ColumnType::kDatetime:
    case ColumnType::kNumeric:
      if (AllFinite(column.numbers)) return Alias(column);
      return Owned(FiniteOrNaN(column.numbers));
    case ColumnType::kCategorical:
    case ColumnType::kText:
      return Owned(ParseStrings(column, ParseIsoDatetime, "a date/time (expected YYYY-MM-DD[ HH:MM[:SS]])"));
    case ColumnType::kBoolean:
      break;
  }
  ThrowWrongType(column, "datetime");
}

std::shared_ptr<const Column> AsCategorical(const Column& column) {
  if (column.type == ColumnType::kCategorical) return std::shared_ptr<const Column>(std::shared_ptr<void>(), &column);
  auto out = std::make_shared<Column>();
  out->name = column.name;
  out->type = ColumnType::kCategorical;
  out->codes.assign(column.size(), -1);
  std::unordered_map<std::string, int32_t> dictionary;
  for (size_t r = 0; r < column.size(); ++r) {
    if (column.IsMissing(r)) continue;
    std::string value = column.CellString(r);
    auto [it, inserted] = dictionary.try_emplace(value, static_cast<int32_t>(out->categories.size()));
    if (inserted) out->categories.push_back(std::move(value));
    out->codes[r] = it->second;
  }
  return out;
}

std::shared_ptr<const Column> AsText(const Column& column) {
  if (column.type == ColumnType::kText) return std::shared_ptr<const Column>(std::shared_ptr<void>(), &column);
  auto out = std::make_shared<Column>();
  out->name = column.name;
  out->type = ColumnType::kText;
  out->texts.resize(column.size());
  out->text_missing.assign(column.size(), 0);
  for (size_t r = 0; r < column.size(); ++r) {
    if (column.IsMissing(r)) {
      out->text_missing[r] = 1;
    } else {
      out->texts[r] = column.CellString(r);
    }
  }
  return out;
}

}  // namespace tabpilot
