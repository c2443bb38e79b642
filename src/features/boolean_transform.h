// Boolean columns become 0/1. kTree: NaN for missing. kDense: missing takes
// the training majority value, plus a 0/1 "#missing" column when the training
// column had missing values.
#pragma once

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
  Json ToJson() const override;

 private:
  std::string column_;
  Encoding encoding_;
  bool missing_indicator_;  // kDense only
  float fill_;              // kDense only: 0 or 1
  std::vector<std::string> names_;
};

}  // namespace tabpilot
