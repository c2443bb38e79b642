// k-fold assignment for bagging: stratified by class for classification, by
// sorted target value (in k-sized bins) for regression, shuffled with a seed.
// With row groups (train --group-column) whole groups are dealt out instead
// of rows, so no group has rows on both sides of a split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tabpilot {

// fold[i] in [0, k) for every row. Deterministic in (y, k, seed, groups).
// `groups`: empty, or a group id per row (ids below 2^32, TrainingData::
// groups): each group goes whole to one fold, groups sorted by their mean
// target and dealt out k at a time, larger groups to emptier folds, so folds
// stay balanced in target and size. Throws InvalidInput when there are fewer
// groups than folds.
std::vector<int> AssignFolds(const std::vector<float>& y, int k, uint64_t seed,
                             const std::vector<uint32_t>& groups = {});

// How many distinct ids `groups` holds (0 when empty).
size_t CountGroups(const std::vector<uint32_t>& groups);

// Row indices in fold `f` (held out) and not in it (training).
void SplitFold(const std::vector<int>& folds, int f, std::vector<size_t>* train, std::vector<size_t>* held_out);

}  // namespace tabpilot
