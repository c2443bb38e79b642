// What a fitted oblivious_boost model is made of, for code that reads its
// trees itself (compiled/) as well as for the learner (oblivious_learner.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "data/task.h"
#include "learners/target_statistics.h"

namespace tabpilot {

// One tree: depth tests and 2^depth x dims leaf values. Leaf index bit d is
// set when feature features[d] > borders[d] (NaN compares false: bit clear).
struct ObliviousTree {
  std::vector<uint32_t> features;
  std::vector<float> borders;
  std::vector<float> leaves;
};

// The code of a one-hot indicator of missing values.
inline constexpr uint32_t kOneHotMissing = 0xffffffffu;

// An indicator of one category: 1 when input column `column` holds `code`
// (or, for code kOneHotMissing, is missing), else 0.
struct OneHotFeature {
  uint32_t column = 0;
  uint32_t code = 0;
};

// The indicator's value for the column's value v.
inline float OneHotValue(const OneHotFeature& f, float v) {
  return f.code == kOneHotMissing ? static_cast<float>(std::isnan(v))
                                  : static_cast<float>(v == static_cast<float>(f.code));
}

// Everything prediction needs. Trees test derived features: the numeric input
// columns first (feature j < numeric.size() is input column numeric[j]), then
// the one-hot indicators (feature numeric.size() + i is one_hot[i]; a column's
// indicators are adjacent, its codes ascending, missing last), then the target statistics
// (feature numeric.size() + one_hot.size() + i is ctr's feature i).
// Raw score k = base[k] + the sum over trees of their leaf value k (in
// double, tree 0 first); the link is the logistic (binary: [1-p, p]), the
// softmax (multiclass) or none (regression).
struct ObliviousModelData {
  Task task = Task::kBinary;
  int num_classes = 2;
  uint32_t dims = 1;                   // raw scores per row: 1, or num_classes for multiclass
  uint32_t input_cols = 0;             // columns of the input matrix
  std::vector<uint32_t> numeric;       // input columns used as numbers, in feature order
  std::vector<OneHotFeature> one_hot;  // categories of the columns with few levels
  TargetStatistics ctr;                // the last ctr.num_features() features
  std::vector<float> base;             // dims starting scores
  std::vector<ObliviousTree> trees;

  size_t num_features() const { return numeric.size() + one_hot.size() + ctr.num_features(); }
};

// Decodes Model::Serialize() bytes of an oblivious_boost model, with the
// checks Learner::Load makes. Throws InvalidInput("corrupt oblivious_boost model: ...").
ObliviousModelData DecodeObliviousModel(std::string_view bytes);

}  // namespace tabpilot
