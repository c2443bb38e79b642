// What a fitted additive_boost model is made of, for code that reads its
// shapes itself (compiled/) as well as for the learner (additive_learner.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "data/task.h"

namespace tabpilot {

// One column's step function: value bins 0..cuts.size() (a value v is in bin
// b = the number of cuts below v, so bin b holds cuts[b - 1] < v <= cuts[b]),
// then the missing value; `dims` values each.
struct AdditiveShape {
  uint8_t categorical = 0;    // fitted one leaf a code (FitOptions::categorical_features)
  std::vector<float> cuts;    // strictly increasing, finite
  std::vector<float> values;  // (cuts.size() + 2) x dims

  size_t slots() const { return cuts.size() + 2; }
  size_t SlotOf(float v) const {
    if (std::isnan(v)) return cuts.size() + 1;
    return static_cast<size_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
  }
};

// Everything prediction needs: raw score k = intercept[k] + the sum over
// columns c (column 0 first, in double) of shapes[c].values[slot * dims + k];
// the link is the logistic (binary: [1-p, p]), the softmax (multiclass) or
// none (regression).
struct AdditiveModelData {
  Task task = Task::kBinary;
  int num_classes = 2;
  uint32_t dims = 1;
  uint32_t input_cols = 0;
  // Cycles the fit kept: restored with the model so that a fold model that
  // came back as bytes (from another process) tells the refit its effort.
  uint32_t cycles = 0;
  std::vector<float> intercept;       // dims
  std::vector<AdditiveShape> shapes;  // one per input column
};

// Decodes Model::Serialize() bytes of an additive_boost model, with the
// checks Learner::Load makes. Throws InvalidInput("corrupt additive_boost model: ...").
AdditiveModelData DecodeAdditiveModel(std::string_view bytes);

}  // namespace tabpilot
