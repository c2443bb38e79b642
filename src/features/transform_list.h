// The registry of column transform kinds: one hand-written table in
// transform_list.cpp says which kind handles which column type and how to
// fit it or restore it from JSON.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/column.h"
#include "features/column_transform.h"
#include "features/feature_options.h"

namespace tabpilot {

struct TransformKind {
  const char* kind;        // the "kind" tag in JSON
  ColumnType fitted_type;  // the column type Fit picks this kind for
  std::unique_ptr<ColumnTransform> (*fit)(const Column& train, const FeatureOptions& options);
  std::unique_ptr<ColumnTransform> (*from_json)(const Json& j);
};

// Every built-in kind, in a fixed order.
const std::vector<TransformKind>& BuiltinTransformKinds();

// Fits the transform for `train`'s column type.
std::unique_ptr<ColumnTransform> FitColumnTransform(const Column& train, const FeatureOptions& options);

// Restores a transform from its ToJson(); throws InvalidInput for an unknown
// "kind" (listing the valid ones) or malformed fields.
std::unique_ptr<ColumnTransform> ColumnTransformFromJson(const Json& j);

}  // namespace tabpilot
