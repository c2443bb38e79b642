// What a fitted oblivious_boost model is made of, for code that reads its
// trees itself (compiled/) as well as for the learner (oblivious_learner.cpp).
#pragma once

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

// Everything prediction needs. Trees test derived features: the numeric input
// columns first (feature j < numeric.size() is input column numeric[j]), then
// the target statistics (feature numeric.size() + i is ctr's feature i).
// Raw score k = base[k] + the sum over trees of their leaf value k (in
// double, tree 0 first); the link is the logistic (binary: [1-p, p]), the
// softmax (multiclass) or none (regression).
struct ObliviousModelData {
  Task task = Task::kBinary;
  int num_classes = 2;
  uint32_t dims = 1;              // raw scores per row: 1, or num_classes for multiclass
  uint32_t input_cols = 0;        // columns of the input matrix
  std::vector<uint32_t> numeric;  // input columns used as numbers, in feature order
  TargetStatistics ctr;           // features numeric.size() .. numeric.size() + ctr.num_features()
  std::vector<float> base;        // dims starting scores
  std::vector<ObliviousTree> trees;

  size_t num_features() const { return numeric.size() + ctr.num_features(); }
};

// Decodes Model::Serialize() bytes of an oblivious_boost model, with the
// checks Learner::Load makes. Throws InvalidInput("corrupt oblivious_boost model: ...").
ObliviousModelData DecodeObliviousModel(std::string_view bytes);

}  // namespace tabpilot
