// The interface of one fitted per-column transform. A FeaturePipeline is a
// list of these; each kind (numeric, boolean, categorical, datetime, text) is
// implemented in its own file and listed in transform_list.cpp.
//
// A ColumnTransform is immutable after Fit/FromJson, so one instance may be
// shared by several pipelines and used from several threads at once.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "data/column.h"

namespace tabpilot {

// Writes the outputs of rows [begin, end): the value of output j for row r goes
// to out[r * stride + j]. Safe to call concurrently on disjoint row ranges.
using RowWriter = std::function<void(size_t begin, size_t end, float* out, size_t stride)>;

// One cell of one row, typed by the type its transform was fitted on: the
// one-row path's input (predict/row_predictor.h).
struct TypedCell {
  double number = kMissingNumber;  // numeric, boolean (0/1), datetime (epoch s): NaN = missing
  std::string_view text;           // categorical and text: the cell's string
  bool missing = true;             // categorical and text: no value
};

class ColumnTransform {
 public:
  virtual ~ColumnTransform() = default;

  // The "kind" tag saved in JSON (the key in transform_list.cpp).
  virtual const char* kind() const = 0;
  // Name of the input column this transform reads.
  virtual const std::string& column() const = 0;
  // One name per output column, in output order.
  virtual const std::vector<std::string>& output_names() const = 0;

  // Outputs (indices into output_names()) that are native categorical codes
  // 0..k-1, and k for each. Empty for every transform but native categoricals.
  virtual std::vector<size_t> categorical_outputs() const { return {}; }
  virtual std::vector<int> categorical_output_sizes() const { return {}; }

  // Prepares to transform `input` (the same-named column of the table being
  // transformed, possibly of another type). Per-table work such as remapping
  // category codes happens here, once, so the returned writer is a tight loop.
  // The writer refers to `input`, which must outlive it. Throws InvalidInput
  // naming the column if its values cannot be converted.
  virtual RowWriter Bind(const Column& input) const = 0;

  // The column type Fit chose this transform for; WriteCell reads that field of a TypedCell.
  virtual ColumnType fitted_type() const = 0;
  // One row: writes the outputs for `cell` to out[0, output_names().size()),
  // exactly what Bind's writer writes for the same value. Allocates nothing
  // (a text transform may, for words longer than a short string holds).
  virtual void WriteCell(const TypedCell& cell, float* out) const = 0;

  // Everything FromJson of this kind needs, including "kind" and "column".
  virtual Json ToJson() const = 0;
};

}  // namespace tabpilot
