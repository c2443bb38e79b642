// Numeric columns. kTree: the value itself, NaN for missing. kDense: the
// median-imputed, standardized value, plus a 0/1 "#missing" column when the
// training column had missing values.
#pragma once

#include <cmath>
#include <memory>

#include "features/column_transform.h"
#include "features/dense_scaler.h"
#include "features/feature_options.h"

namespace tabpilot {

class NumericTransform : public ColumnTransform {
 public:
  static constexpr const char* kKind = "numeric";

  static std::unique_ptr<ColumnTransform> Fit(const Column& train, const FeatureOptions& options);
  static std::unique_ptr<ColumnTransform> FromJson(const Json& j);

  const char* kind() const override { return kKind; }
  const std::string& column() const override { return column_; }
  const std::vector<std::string>& output_names() const override { return names_; }
  RowWriter Bind(const Column& input) const override;
  ColumnType fitted_type() const override { return ColumnType::kNumeric; }
  void WriteCell(const TypedCell& cell, float* out) const override { Write(cell.number, out); }
  Json ToJson() const override;

  // Prefer Fit/FromJson; public so that std::make_unique can build it.
  NumericTransform(std::string column, Encoding encoding, bool missing_indicator, DenseScaler scaler);

 private:
  // The outputs of one value (NaN = missing).
  void Write(double v, float* out) const {
    if (encoding_ == Encoding::kTree) {
      out[0] = static_cast<float>(v);
      return;
    }
    out[0] = scaler_.Apply(v);
    if (missing_indicator_) out[1] = std::isnan(v) ? 1.0f : 0.0f;
  }

  std::string column_;
  Encoding encoding_;
  bool missing_indicator_;  // kDense only
  DenseScaler scaler_;      // kDense only
  std::vector<std::string> names_;
};

}  // namespace tabpilot
