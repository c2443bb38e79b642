#include "automl/folds.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>

#include "core/error.h"

namespace tabpilot {

std::vector<int> AssignFolds(const std::vector<float>& y, int k, uint64_t seed) {
  if (k < 2) throw Internal("need at least 2 folds");
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
