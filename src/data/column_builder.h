// Typing one column as its rows arrive in chunks (data/table_stream.h), with
// the result InferSchema + BuildTable (type_inference.h) give on the whole
// column, without holding the column's text.
//
// The first chunk sets a hypothesis by the inference rules. A parsed one
// (numeric, boolean, a datetime format) keeps 8-byte numbers; anything else
// keeps a dictionary: int32 codes and each distinct string once, in
// first-seen order, with its count. A dictionary decides the final type
// exactly on Finish, since every rule of type_inference.h is a function of
// the distinct values and their counts. When a later cell breaks a parsed
// hypothesis, the column continues as a dictionary from that row, and the
// rows before it must be read again (reread_before, AddEarly): the numbers
// kept for them cannot give back their text ("1.50" and "1.5" are one number,
// two categories).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/column.h"
#include "data/csv_reader.h"
#include "data/datetime_parse.h"
#include "data/schema.h"

namespace tabpilot {

// Distinct strings in first-seen order with their counts. References stay
// valid as values are added (a deque does not move its elements).
class StringDictionary {
 public:
  StringDictionary() = default;
  StringDictionary(StringDictionary&&) = default;
  StringDictionary& operator=(StringDictionary&&) = default;
  // A copy's index would point into the original's strings.
  StringDictionary(const StringDictionary&) = delete;
  StringDictionary& operator=(const StringDictionary&) = delete;

  // The code of `value`, added when new; counts one occurrence.
  int32_t Add(std::string_view value);
  // Counts one more occurrence of an existing code.
  void Count(int32_t code) { ++counts_[static_cast<size_t>(code)]; }
  size_t size() const { return values_.size(); }
  const std::string& value(size_t code) const { return values_[code]; }
  size_t count(size_t code) const { return counts_[code]; }
  // Bytes the values take, with a per-entry overhead (kEntryBytes).
  size_t bytes() const { return bytes_; }
  static constexpr size_t kEntryBytes = 64;
  // The values, in code order; leaves the dictionary empty.
  std::vector<std::string> TakeValues();

 private:
  std::deque<std::string> values_;
  std::vector<size_t> counts_;
  std::unordered_map<std::string_view, int32_t> index_;
  size_t bytes_ = 0;
};

class ColumnBuilder {
 public:
  enum class Mode {
    kInfer,        // the inference rules
    kCategorical,  // always categorical (a type override)
    // A training target: kept as strings (class labels are strings), but once
    // it holds more than kLabelDistinct distinct values that are all numbers it
    // continues as numbers (a regression target), and ends kNumeric.
    kLabel,
  };
  static constexpr size_t kLabelDistinct = 4096;

  ColumnBuilder(std::string name, Mode mode);

  // Sets the hypothesis from the spec InferSchema gives for this column on
  // the first chunk (kInfer; the other modes keep strings from the start).
  void Start(const ColumnSpec& first_chunk_spec);
  // Reserves room for `rows` rows (an estimate from the file's size).
  void Reserve(size_t rows);
  // Appends the cells of `chunk`'s column `col` as rows [rows(), rows() + chunk rows).
  void Add(const RawTable& chunk, size_t col);
  size_t rows() const { return rows_; }
  // Bytes a row of the finished column takes, estimated from the rows so far:
  // 8 for numbers; 4 for a code, plus the dictionary's share when most values
  // are distinct (identifiers, prose) and it grows with the rows.
  double BytesPerRow() const;

  // The row before which the cells must be read again (a parsed hypothesis
  // broke there), or nullopt.
  std::optional<size_t> reread_before() const { return reread_before_; }
  // During the second read: the cells of rows [first_row, first_row + chunk
  // rows) of the file, of which those before reread_before() are taken.
  void AddEarly(const RawTable& chunk, size_t col, size_t first_row);
  // After the second read: merges the early rows' dictionary with the rest,
  // keeping first-seen order over the whole column.
  void FinishReread();

  // The typed column and its spec; the builder is left empty.
  Column Finish(ColumnSpec* spec);

 private:
  void AddParsed(const RawTable& chunk, size_t col, size_t from);
  void AddStrings(const RawTable& chunk, size_t col, size_t from);
  void SwitchToStrings(size_t row);
  void MaybeCollapseLabel();
  Column FinishStrings(ColumnSpec* spec);

  std::string name_;
  Mode mode_;
  size_t rows_ = 0;
  // Parsed hypothesis: the type (and format) the numbers were parsed as.
  bool parsed_ = false;
  ColumnType parsed_type_ = ColumnType::kNumeric;
  std::optional<DatetimeFormat> format_;
  std::vector<double> numbers_;
  // Dictionary hypothesis.
  std::vector<int32_t> codes_;
  StringDictionary dictionary_;
  bool all_numbers_ = true;  // kLabel: every distinct value so far parses as a number
  // A second read.
  std::optional<size_t> reread_before_;
  StringDictionary early_;
};

}  // namespace tabpilot
