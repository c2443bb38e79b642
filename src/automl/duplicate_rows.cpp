#include "automl/duplicate_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>

namespace tabpilot {
namespace {

// SplitMix64's finalizer: spreads one value over all 64 bits.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t CellHash(const Column& column, size_t row) {
  switch (column.type) {
    case ColumnType::kCategorical:
      return static_cast<uint64_t>(static_cast<int64_t>(column.codes[row]));
    case ColumnType::kText:
      return column.text_missing[row] ? 0x7e57ULL : std::hash<std::string>{}(column.texts[row]);
    default: {
      const double v = column.numbers[row];
      if (std::isnan(v)) return 0x4e614eULL;
      const double zero_is_zero = v == 0 ? 0.0 : v;  // -0 and +0 alike
      uint64_t bits = 0;
      std::memcpy(&bits, &zero_is_zero, sizeof bits);
      return bits;
    }
  }
}

}  // namespace

double DuplicateRowShare(const Table& table, const std::vector<std::string>& columns) {
  const size_t rows = table.num_rows();
  if (rows == 0) return 0;
  std::vector<uint64_t> hashes(rows, 0);
  for (const std::string& name : columns) {
    const Column& column = table.Get(name);
    for (size_t r = 0; r < rows; ++r) hashes[r] = Mix(hashes[r] ^ CellHash(column, r));
  }
  std::sort(hashes.begin(), hashes.end());
  size_t repeated = 0;
  for (size_t i = 0; i < rows;) {
    size_t j = i + 1;
    while (j < rows && hashes[j] == hashes[i]) ++j;
    if (j - i > 1) repeated += j - i;
    i = j;
  }
  return static_cast<double>(repeated) / static_cast<double>(rows);
}

std::string DuplicateRowsWarning(double share) {
  char percent[16];
  std::snprintf(percent, sizeof percent, "%.1f%%", 100.0 * share);
  return std::string(percent) +
         " of the training rows repeat another row's features exactly; if a repeat is one record seen twice, "
         "validation that splits the copies flatters models that memorize them: --group-column COL keeps the rows "
         "of a record together";
}

}  // namespace tabpilot
