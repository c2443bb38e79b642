#include "features/transform_list.h"

#include "core/error.h"
#include "features/boolean_transform.h"
#include "features/categorical_transform.h"
#include "features/datetime_transform.h"
#include "features/numeric_transform.h"
#include "features/text_transform.h"

namespace tabpilot {

const std::vector<TransformKind>& BuiltinTransformKinds() {
  static const std::vector<TransformKind> kinds = {
      {NumericTransform::kKind, ColumnType::kNumeric, &NumericTransform::Fit, &NumericTransform::FromJson},
      {BooleanTransform::kKind, ColumnType::kBoolean, &BooleanTransform::Fit, &BooleanTransform::FromJson},
      {CategoricalTransform::kKind, ColumnType::kCategorical, &CategoricalTransform::Fit,
       &CategoricalTransform::FromJson},
      {DatetimeTransform::kKind, ColumnType::kDatetime, &DatetimeTransform::Fit, &DatetimeTransform::FromJson},
      {TextTransform::kKind, ColumnType::kText, &TextTransform::Fit, &TextTransform::FromJson},
  };
  return kinds;
}

std::unique_ptr<ColumnTransform> FitColumnTransform(const Column& train, const FeatureOptions& options) {
  for (const TransformKind& k : BuiltinTransformKinds()) {
    if (k.fitted_type == train.type) return k.fit(train, options);
  }
  throw Internal(Where("", 0, train.name) + ": no transform for column type " + ColumnTypeName(train.type));
}

std::unique_ptr<ColumnTransform> ColumnTransformFromJson(const Json& j) {
  const std::string kind = j.at("kind").get<std::string>();
  std::string valid;
  for (const TransformKind& k : BuiltinTransformKinds()) {
    if (kind == k.kind) return k.from_json(j);
    valid += std::string(valid.empty() ? "" : ", ") + k.kind;
  }
  throw InvalidInput("unknown column transform kind '" + kind + "' (valid: " + valid + ")");
}

}  // namespace tabpilot
