// Bootstrap resamples of scored rows, drawn as rows or as whole row groups.
// A group's rows (a record's copies, a customer's visits; train
// --group-column) err together, so a resample that draws rows one by one
// understates how much a score computed on them moves; with groups each draw
// takes a whole group. Used for the standard error of an ensemble's loss
// (cost_tradeoff.h) and for ensemble selection averaged over resamples
// (bagged_selection.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace tabpilot {

class BootstrapDraw {
 public:
  // `groups`: a group id per row (any ids), or empty when the `rows` rows
  // are independent (each row is then a unit of its own).
  BootstrapDraw(const std::vector<uint32_t>& groups, size_t rows);

  size_t rows() const { return rows_; }
  // The units drawn: the distinct groups, or the rows.
  size_t units() const { return units_.empty() ? rows_ : units_.size(); }

  // Appends to `out` the rows of `draws` units drawn uniformly with
  // replacement by `rng` (a group's rows in their order).
  void Draw(size_t draws, std::mt19937_64& rng, std::vector<size_t>& out) const;

 private:
  size_t rows_ = 0;
  std::vector<std::vector<size_t>> units_;  // each group's rows; empty without groups
};

}  // namespace tabpilot
