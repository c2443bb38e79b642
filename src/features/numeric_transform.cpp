#include "features/numeric_transform.h"

#include <cmath>
#include <limits>

#include "features/column_conversion.h"

namespace tabpilot {

NumericTransform::NumericTransform(std::string column, Encoding encoding, bool missing_indicator, DenseScaler scaler)
    : column_(std::move(column)), encoding_(encoding), missing_indicator_(missing_indicator), scaler_(scaler) {
  names_.push_back(column_);
  if (encoding_ == Encoding::kDense && missing_indicator_) names_.push_back(column_ + "#missing");
}

std::unique_ptr<ColumnTransform> NumericTransform::Fit(const Column& train, const FeatureOptions& options) {
  auto values = NumbersForNumeric(train);
  bool has_missing = false;
  for (double v : *values) has_missing = has_missing || std::isnan(v);
  DenseScaler scaler;
  if (options.encoding == Encoding::kDense) scaler = DenseScaler::Fit(*values, options.dense_clip_sd);
  return std::make_unique<NumericTransform>(train.name, options.encoding, has_missing, scaler);
}

std::unique_ptr<ColumnTransform> NumericTransform::FromJson(const Json& j) {
  Encoding encoding = ParseEncoding(j.at("encoding").get<std::string>());
  bool missing_indicator = false;
  DenseScaler scaler;
  if (encoding == Encoding::kDense) {
    missing_indicator = j.at("missing_indicator").get<bool>();
    scaler = DenseScaler::FromJson(j.at("scaler"));
  }
  return std::make_unique<NumericTransform>(j.at("column").get<std::string>(), encoding, missing_indicator, scaler);
}

Json NumericTransform::ToJson() const {
  Json j{{"kind", kKind}, {"column", column_}, {"encoding", EncodingName(encoding_)}};
  if (encoding_ == Encoding::kDense) {
    j["missing_indicator"] = missing_indicator_;
    j["scaler"] = scaler_.ToJson();
  }
  return j;
}

RowWriter NumericTransform::Bind(const Column& input) const {
  auto values = NumbersForNumeric(input);
  if (encoding_ == Encoding::kTree) {
    return [values](size_t begin, size_t end, float* out, size_t stride) {
      for (size_t r = begin; r < end; ++r) out[r * stride] = static_cast<float>((*values)[r]);
    };
  }
  return [this, values](size_t begin, size_t end, float* out, size_t stride) {
    for (size_t r = begin; r < end; ++r) Write((*values)[r], out + r * stride);
  };
}

}  // namespace tabpilot
