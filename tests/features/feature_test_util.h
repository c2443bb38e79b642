// Small builders for hand-made Tables used by the features tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/matrix.h"
#include "data/table.h"

namespace tabpilot::testing {

inline const double kNaN = std::numeric_limits<double>::quiet_NaN();
inline const float kNaNf = std::numeric_limits<float>::quiet_NaN();

inline Column NumericColumn(const std::string& name, std::vector<double> values,
                            ColumnType type = ColumnType::kNumeric) {
  Column c;
  c.name = name;
  c.type = type;
  c.numbers = std::move(values);
  return c;
}

// "" is missing. The dictionary is `dictionary` if given (it must contain
// every value), otherwise the values in order of first appearance.
inline Column CategoricalColumn(const std::string& name, const std::vector<std::string>& values,
                                std::vector<std::string> dictionary = {}) {
  Column c;
  c.name = name;
  c.type = ColumnType::kCategorical;
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < dictionary.size(); ++i) index[dictionary[i]] = static_cast<int32_t>(i);
  for (const std::string& v : values) {
    if (v.empty()) {
      c.codes.push_back(-1);
      continue;
    }
    auto [it, inserted] = index.try_emplace(v, static_cast<int32_t>(dictionary.size()));
    if (inserted) dictionary.push_back(v);
    c.codes.push_back(it->second);
  }
  c.categories = std::move(dictionary);
  return c;
}

// Rows listed in `missing` (0-based) are missing.
inline Column TextColumn(const std::string& name, std::vector<std::string> values, std::vector<size_t> missing = {}) {
  Column c;
  c.name = name;
  c.type = ColumnType::kText;
  c.text_missing.assign(values.size(), 0);
  for (size_t r : missing) c.text_missing[r] = 1;
  c.texts = std::move(values);
  return c;
}

inline Table MakeTable(std::vector<Column> columns) {
  Table t;
  for (Column& c : columns) t.AddColumn(std::move(c));
  return t;
}

// Values of Matrix column `col`.
inline std::vector<float> MatrixColumn(const Matrix& m, size_t col) {
  std::vector<float> out;
  for (size_t r = 0; r < m.rows; ++r) out.push_back(m.at(r, col));
  return out;
}

// Bitwise equality (so NaN equals NaN).
inline bool SameMatrix(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) == 0;
}

// Expects `row` of `m` to equal `expected`, NaN matching NaN.
inline void ExpectRow(const Matrix& m, size_t row, const std::vector<float>& expected) {
  ASSERT_EQ(m.cols, expected.size());
  for (size_t c = 0; c < expected.size(); ++c) {
    if (std::isnan(expected[c])) {
      EXPECT_TRUE(std::isnan(m.at(row, c))) << "row " << row << " col " << c;
    } else {
      EXPECT_NEAR(m.at(row, c), expected[c], 1e-5) << "row " << row << " col " << c;
    }
  }
}

}  // namespace tabpilot::testing
