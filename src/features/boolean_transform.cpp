#include "features/boolean_transform.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "features/column_conversion.h"

namespace tabpilot {

BooleanTransform::BooleanTransform(std::string column, Encoding encoding, bool missing_indicator, float fill)
    : column_(std::move(column)), encoding_(encoding), missing_indicator_(missing_indicator), fill_(fill) {
  names_.push_back(column_);
  if (encoding_ == Encoding::kDense && missing_indicator_) names_.push_back(column_ + "#missing");
}

std::unique_ptr<ColumnTransform> BooleanTransform::Fit(const Column& train, const FeatureOptions& options) {
  auto values = NumbersForBoolean(train);
  size_t ones = 0, present = 0;
  for (double v : *values) {
    if (std::isnan(v)) continue;
    ++present;
    ones += v != 0 ? 1 : 0;
  }
  bool has_missing = present < values->size();
  float fill = 2 * ones > present ? 1.0f : 0.0f;
  return std::make_unique<BooleanTransform>(train.name, options.encoding, has_missing, fill);
}

std::unique_ptr<ColumnTransform> BooleanTransform::FromJson(const Json& j) {
  Encoding encoding = ParseEncoding(j.at("encoding").get<std::string>());
  bool missing_indicator = false;
  float fill = 0;
  if (encoding == Encoding::kDense) {
    missing_indicator = j.at("missing_indicator").get<bool>();
    // Compared as a double: a float conversion of 1e300 would be undefined.
    const double stored = j.at("fill").get<double>();
    if (stored != 0 && stored != 1) throw InvalidInput("boolean fill value must be 0 or 1");
    fill = static_cast<float>(stored);
  }
  return std::make_unique<BooleanTransform>(j.at("column").get<std::string>(), encoding, missing_indicator, fill);
}

Json BooleanTransform::ToJson() const {
  Json j{{"kind", kKind}, {"column", column_}, {"encoding", EncodingName(encoding_)}};
  if (encoding_ == Encoding::kDense) {
    j["missing_indicator"] = missing_indicator_;
    j["fill"] = fill_;
  }
  return j;
}

RowWriter BooleanTransform::Bind(const Column& input) const {
  auto values = NumbersForBoolean(input);
  return [this, values](size_t begin, size_t end, float* out, size_t stride) {
    for (size_t r = begin; r < end; ++r) Write((*values)[r], out + r * stride);
  };
}

}  // namespace tabpilot
