#include "features/column_screening.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <unordered_set>

namespace tabpilot {
namespace {

std::string IdReason(size_t distinct, size_t rows) {
  return "looks like an ID (" + std::to_string(distinct) + " distinct values in " + std::to_string(rows) + " rows)";
}

bool NameLooksLikeId(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("id") != std::string::npos;
}

// Distinct non-missing values of a categorical or text column (by string).
size_t DistinctStrings(const Column& c, std::string* first) {
  if (c.type == ColumnType::kCategorical) {
    std::vector<uint8_t> used(c.categories.size(), 0);
    std::unordered_set<std::string_view> distinct;
    for (int32_t code : c.codes) {
      if (code < 0 || static_cast<size_t>(code) >= used.size() || used[static_cast<size_t>(code)]) continue;
      used[static_cast<size_t>(code)] = 1;
      if (distinct.insert(c.categories[static_cast<size_t>(code)]).second && distinct.size() == 1) {
        *first = c.categories[static_cast<size_t>(code)];
      }
    }
    return distinct.size();
  }
  std::unordered_set<std::string_view> distinct;
  for (size_t r = 0; r < c.texts.size(); ++r) {
    if (c.text_missing[r]) continue;
    if (distinct.insert(c.texts[r]).second && distinct.size() == 1) *first = c.texts[r];
  }
  return distinct.size();
}

// Returns the reason to drop `c`, or "" to keep it.
std::string DropReason(const Column& c, size_t rows, const ScreenOptions& options) {
  size_t missing = c.CountMissing();
  if (missing == rows) return "all values are missing";
  std::string first;
  if (c.type == ColumnType::kCategorical || c.type == ColumnType::kText) {
    size_t distinct = DistinctStrings(c, &first);
    if (distinct <= 1) return "constant: every value is '" + first + "'";
    if (rows > options.id_min_rows &&
        static_cast<double>(distinct) >= options.id_distinct_fraction * static_cast<double>(rows)) {
      return IdReason(distinct, rows);
    }
    return "";
  }
  std::vector<double> values;
  values.reserve(rows - missing);
  for (double v : c.numbers) {
    if (!std::isnan(v)) values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  size_t distinct = static_cast<size_t>(std::unique(values.begin(), values.end()) - values.begin());
  if (distinct <= 1) {
    for (size_t r = 0; r < rows; ++r) {
      if (!c.IsMissing(r)) return "constant: every value is '" + c.CellString(r) + "'";
    }
  }
  if (c.type == ColumnType::kNumeric && rows > options.id_min_rows && distinct == values.size() &&
      NameLooksLikeId(c.name)) {
    bool integers = std::all_of(values.begin(), values.end(), [](double v) { return v == std::floor(v); });
    if (integers && values.back() - values.front() == static_cast<double>(values.size() - 1)) {
      return IdReason(distinct, rows);
    }
  }
  return "";
}

}  // namespace

ScreenResult ScreenColumns(const Table& train, const ScreenOptions& options) {
  ScreenResult result;
  for (const Column& c : train.columns()) {
    if (std::find(options.ignore.begin(), options.ignore.end(), c.name) != options.ignore.end()) continue;
    std::string reason = DropReason(c, train.num_rows(), options);
    if (reason.empty()) {
      result.kept.push_back(c.name);
    } else {
      result.dropped.emplace_back(c.name, std::move(reason));
    }
  }
  return result;
}

}  // namespace tabpilot
