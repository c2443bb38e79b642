// Boolean columns become 0/1. kTree: NaN for missing. kDense: missing takes
// the training majority value, plus a 0/1 "#missing" column when the training
// column had missing values.
#pragma once

#include <cmath>
#include <limits>
#include <memory>

#include "features/column_transform.h"
#include "features/feature_options.h"

namespace tabpilot {

class BooleanTransform : public ColumnTransform {
 public:
  static constexpr const char* kKind = "boolean";

  static std::unique_ptr<ColumnTransform> Fit(const Column& train, const FeatureOptions& options);
  static std::unique_ptr<ColumnTransform> FromJson(const Json& j);

  // Prefer Fit/FromJson; public so that std::make_unique can build it.
  BooleanTransform(std::string column, Encoding encoding, bool missing_indicator, float fill);

  const char* kind() const override { return kKind; }
  const std::string& column() const override { return column_; }
  const std::vector<std::string>& output_names() const override { return names_; }
  RowWriter Bind(const Column& input) const override;
  ColumnType fitted_type() const override { return ColumnType::kBoolean; }
  void WriteCell(const TypedCell& cell, float* out) const override { Write(cell.number, out); }
  Json ToJson() const override;

 private:
  // The outputs of one value (0, non-zero, or NaN = missing).
  void Write(double v, float* out) const {
    const bool missing = std::isnan(v);
    if (encoding_ == Encoding::kTree) {
      out[0] = missing ? std::numeric_limits<float>::quiet_NaN() : (v != 0 ? 1.0f : 0.0f);
      return;
    }
    out[0] = missing ? fill_ : (v != 0 ? 1.0f : 0.0f);
    if (missing_indicator_) out[1] = missing ? 1.0f : 0.0f;
  }

  std::string column_;
  Encoding encoding_;
  bool missing_indicator_;  // kDense only
  float fill_;              // kDense only: 0 or 1
  std::vector<std::string> names_;
};

}  // namespace tabpilot
