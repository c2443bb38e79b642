// k-fold assignment for bagging: stratified by class for classification, by
// sorted target value (in k-sized bins) for regression, shuffled with a seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tabpilot {

// fold[i] in [0, k) for every row. Deterministic in (y, k, seed).
std::vector<int> AssignFolds(const std::vector<float>& y, int k, uint64_t seed);

// Row indices in fold `f` (held out) and not in it (training).
void SplitFold(const std::vector<int>& folds, int f, std::vector<size_t>* train, std::vector<size_t>* held_out);

}  // namespace tabpilot
