#include "predict/json_cell.h"

#include <charconv>

#include "core/error.h"

namespace tabpilot {
namespace {

// The cell without leading and trailing spaces and tabs, as a CSV reader
// gives an unquoted field.
std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view JsonCell(const Json& value, const std::string& column, std::array<char, 32>& number) {
  auto written = [&](std::to_chars_result r) { return std::string_view(number.data(), r.ptr - number.data()); };
  char* const begin = number.data();
  char* const end = begin + number.size();
  switch (value.type()) {
    case Json::value_t::null:
      return {};
    case Json::value_t::string:
      return Trim(value.get_ref<const std::string&>());
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer:
      return written(std::to_chars(begin, end, value.get<int64_t>()));
    case Json::value_t::number_unsigned:
      return written(std::to_chars(begin, end, value.get<uint64_t>()));
    case Json::value_t::number_float:
      return written(std::to_chars(begin, end, value.get<double>()));
    default:
      throw InvalidInput("column '" + column + "': expected a string, a number, a boolean or null, got a JSON " +
                         value.type_name());
  }
}

}  // namespace tabpilot
