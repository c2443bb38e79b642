// Datetime columns (seconds since the Unix epoch, UTC) become "#year",
// "#month" (1-12), "#day" (1-31), "#dow" (0 = Monday .. 6 = Sunday), "#hour"
// (only if some training value has a time of day other than midnight) and
// "#epoch" (the seconds themselves). kTree: raw values, NaN for missing.
// kDense: each standardized (median-imputed) plus "#missing" when the
// training column had missing values.
#pragma once

#include <memory>

#include "features/column_transform.h"
#include "features/dense_scaler.h"
#include "features/feature_options.h"

namespace tabpilot {

class DatetimeTransform : public ColumnTransform {
 public:
  static constexpr const char* kKind = "datetime";

  static std::unique_ptr<ColumnTransform> Fit(const Column& train, const FeatureOptions& options);
  static std::unique_ptr<ColumnTransform> FromJson(const Json& j);

  // Prefer Fit/FromJson; public so that std::make_unique can build it.
  // kDense needs one scaler per component output (4 or 5 + epoch); throws
  // InvalidInput otherwise.
  DatetimeTransform(std::string column, Encoding encoding, bool with_hour, bool missing_indicator,
                    std::vector<DenseScaler> scalers);

  const char* kind() const override { return kKind; }
  const std::string& column() const override { return column_; }
  const std::vector<std::string>& output_names() const override { return names_; }
  RowWriter Bind(const Column& input) const override;
  ColumnType fitted_type() const override { return ColumnType::kDatetime; }
  void WriteCell(const TypedCell& cell, float* out) const override { Write(cell.number, out); }
  Json ToJson() const override;

 private:
  // The outputs of one time (epoch seconds, NaN = missing).
  void Write(double t, float* out) const;

  std::string column_;
  Encoding encoding_;
  bool with_hour_;
  bool missing_indicator_;            // kDense only
  std::vector<DenseScaler> scalers_;  // kDense only: one per value output
  std::vector<std::string> names_;
};

}  // namespace tabpilot
