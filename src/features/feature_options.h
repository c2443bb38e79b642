// Options that decide how a FeaturePipeline encodes a Table.
#pragma once

#include <string>

namespace tabpilot {

// Which learners the features are for. features/ sits below learners/, so this
// mirrors learners' FeatureFlavor; the AutoML layer maps one to the other.
//   kTree  - unscaled numbers, NaN for missing, one-hot or ordinal categoricals.
//   kDense - no NaN (median imputation + missing indicators), standardized
//            numbers, one-hot categoricals with an "other" bucket.
enum class Encoding { kTree, kDense };

// "tree", "dense".
const char* EncodingName(Encoding encoding);
// Parses the names above; throws InvalidInput listing the valid names otherwise.
Encoding ParseEncoding(const std::string& name);

// Boosters one-hot encode categoricals of up to this many levels (the dense
// encoding's cap), more than the 10-level default the forests keep.
inline constexpr int kBoosterOneHotLevels = 64;

struct FeatureOptions {
  Encoding encoding = Encoding::kTree;
  // kTree only: every categorical becomes one code column (0..k-1, NaN missing)
  // reported by FeaturePipeline::categorical_feature_indices().
  bool native_categorical = false;
  // kTree: categoricals with at most this many output levels are one-hot
  // encoded, the others become an ordinal code plus a frequency column.
  int max_onehot_levels = 10;
  // kDense: one-hot over the most frequent levels, the rest share an "other" column.
  int max_dense_levels = 64;
  // Levels seen fewer times than this in training are grouped into one "rare"
  // level. On small data the threshold shrinks to max(2, rows / 100); 1 or
  // less disables grouping.
  int rare_min_count = 10;
  // Hash buckets for text columns; 0 = 256 for kDense, 64 for kTree.
  int text_hash_dims = 0;
  // kDense: standardized values are clipped to +-this many standard
  // deviations (protects linear and kNN models from outliers); 0 = no clipping.
  double dense_clip_sd = 5.0;

  // Throws InvalidInput naming the first out-of-range field.
  void Validate() const;
  // text_hash_dims with the per-encoding default applied.
  int EffectiveTextHashDims() const;
};

}  // namespace tabpilot
