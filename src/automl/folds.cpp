#include "automl/folds.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <numeric>
#include <random>
#include <string>

#include "core/error.h"

namespace tabpilot {
namespace {

std::vector<int> AssignGroupFolds(const std::vector<float>& y, int k, uint64_t seed,
                                  const std::vector<uint32_t>& groups) {
  if (groups.size() != y.size()) throw Internal("AssignFolds: a group per row expected");
  const size_t num_groups = CountGroups(groups);
  if (num_groups < static_cast<size_t>(k)) {
    throw InvalidInput("only " + std::to_string(num_groups) + " row group(s) for " + std::to_string(k) +
                       " folds: each fold needs a group of its own (--group-column)");
  }
  const size_t max_id = *std::max_element(groups.begin(), groups.end());
  std::vector<double> target_sum(max_id + 1, 0.0);
  std::vector<size_t> size(max_id + 1, 0);
  for (size_t r = 0; r < y.size(); ++r) {
    target_sum[groups[r]] += y[r];
    size[groups[r]] += 1;
  }
  std::vector<uint32_t> order;
  order.reserve(num_groups);
  for (size_t g = 0; g <= max_id; ++g) {
    if (size[g] > 0) order.push_back(static_cast<uint32_t>(g));
  }
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto mean = [&](uint32_t g) { return target_sum[g] / static_cast<double>(size[g]); };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return mean(a) < mean(b); });
  // Dealt out in blocks of k consecutive groups, one to each fold (every fold gets its share
  // of each stretch of the target), the block's largest group to the fold holding the
  // fewest rows so far (sizes balance; ties broken by a rotation shuffled per block).
  std::vector<int> fold_of(max_id + 1, 0);
  std::vector<size_t> filled(static_cast<size_t>(k), 0);
  std::vector<int> by_fill(static_cast<size_t>(k));
  std::iota(by_fill.begin(), by_fill.end(), 0);
  const auto block_size = static_cast<size_t>(k);
  for (size_t start = 0; start < order.size(); start += block_size) {
    const auto begin = order.begin() + static_cast<std::ptrdiff_t>(start);
    const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + block_size));
    std::stable_sort(begin, end, [&](uint32_t a, uint32_t b) { return size[a] > size[b]; });
    std::shuffle(by_fill.begin(), by_fill.end(), rng);
    std::stable_sort(by_fill.begin(), by_fill.end(),
                     [&](int a, int b) { return filled[static_cast<size_t>(a)] < filled[static_cast<size_t>(b)]; });
    size_t j = 0;
    for (auto it = begin; it != end; ++it, ++j) {
      fold_of[*it] = by_fill[j];
      filled[static_cast<size_t>(by_fill[j])] += size[*it];
    }
  }
  std::vector<int> folds(y.size());
  for (size_t r = 0; r < y.size(); ++r) folds[r] = fold_of[groups[r]];
  return folds;
}

}  // namespace

size_t CountGroups(const std::vector<uint32_t>& groups) {
  if (groups.empty()) return 0;
  const uint32_t max_id = *std::max_element(groups.begin(), groups.end());
  std::vector<char> seen(static_cast<size_t>(max_id) + 1, 0);
  size_t count = 0;
  for (uint32_t g : groups) {
    count += seen[g] ? 0 : 1;
    seen[g] = 1;
  }
  return count;
}

std::vector<int> AssignFolds(const std::vector<float>& y, int k, uint64_t seed, const std::vector<uint32_t>& groups) {
  if (k < 2) throw Internal("need at least 2 folds");
  if (!groups.empty()) return AssignGroupFolds(y, k, seed, groups);
  const size_t n = y.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  // Sort by target (stable, so rows stay shuffled within a class) and deal the
  // rows out in blocks of k: every fold gets its share of each class, and for
  // regression every fold spans the whole target range.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return y[a] < y[b]; });
  std::vector<int> folds(n, 0);
  // A random rotation per block of k keeps fold sizes balanced without a
  // systematic bias toward fold 0.
  std::vector<int> perm(static_cast<size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  for (size_t i = 0; i < n; ++i) {
    if (i % static_cast<size_t>(k) == 0) std::shuffle(perm.begin(), perm.end(), rng);
    folds[order[i]] = perm[i % static_cast<size_t>(k)];
  }
  return folds;
}

void SplitFold(const std::vector<int>& folds, int f, std::vector<size_t>* train, std::vector<size_t>* held_out) {
  train->clear();
  held_out->clear();
  for (size_t i = 0; i < folds.size(); ++i) (folds[i] == f ? held_out : train)->push_back(i);
}

}  // namespace tabpilot
