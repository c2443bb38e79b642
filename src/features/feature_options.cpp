#include "features/feature_options.h"

#include <cmath>

#include "core/error.h"

namespace tabpilot {

const char* EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kTree:
      return "tree";
    case Encoding::kDense:
      return "dense";
  }
  return "unknown";
}

Encoding ParseEncoding(const std::string& name) {
  for (Encoding e : {Encoding::kTree, Encoding::kDense}) {
    if (name == EncodingName(e)) return e;
  }
  throw InvalidInput("unknown feature encoding '" + name + "' (valid: tree, dense)");
}

void FeatureOptions::Validate() const {
  if (max_onehot_levels < 0) {
    throw InvalidInput("feature option max_onehot_levels must be >= 0, got " + std::to_string(max_onehot_levels));
  }
  if (max_dense_levels < 1) {
    throw InvalidInput("feature option max_dense_levels must be >= 1, got " + std::to_string(max_dense_levels));
  }
  // Upper bound keeps a typo from allocating gigabytes per row.
  if (text_hash_dims < 0 || text_hash_dims > (1 << 20)) {
    throw InvalidInput("feature option text_hash_dims must be in [0, 1048576], got " + std::to_string(text_hash_dims));
  }
  if (!(dense_clip_sd >= 0) || !std::isfinite(dense_clip_sd)) {
    throw InvalidInput("feature option dense_clip_sd must be a finite number >= 0");
  }
}

int FeatureOptions::EffectiveTextHashDims() const {
  if (text_hash_dims > 0) return text_hash_dims;
  return encoding == Encoding::kDense ? 256 : 64;
}

}  // namespace tabpilot
