// The attributions of one scored unit of an ensemble member: a fold model,
// or a member's fold models merged into one compiled forest. A unit reads
// the member's feature rows (its pipeline's features, then its stack
// features) and writes, per row and output, one attribution per *player*:
// the groups the member's features fold into (each input column, whose
// one-hot and derived features are one player, and each stack feature).
//
// The contract, for every row i and output c:
//     sum over players p of out[i][c][p] == the unit's output c - base()[c]
// up to rounding, in the unit's output space (probabilities for
// classification, values for regression).
//
// Implementations (one file each): trees, exactly (tree_unit.h); linear
// models, exactly (linear_unit.h); any other model by sampling coalitions
// against fixed background rows (sampling_unit.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/matrix.h"

namespace tabpilot {

// Which player each feature column of a member's rows belongs to.
struct FeaturePlayers {
  size_t players = 0;
  std::vector<uint32_t> of_feature;  // one per feature column, each < players
};

class UnitExplainer {
 public:
  virtual ~UnitExplainer() = default;
  // Values per row (the model's outputs).
  virtual size_t outputs() const = 0;
  // Per output: the value the attributions are measured from.
  virtual const std::vector<double>& base() const = 0;
  // How the values are computed, for reports: "tree_shap", "linear", "sampling".
  virtual std::string method() const = 0;
  // Writes x.rows x outputs() x players values (row i, output c, player p
  // at out[(i * outputs() + c) * players + p]); x has the member's feature
  // columns. Runs on up to `threads` threads.
  virtual void Explain(const Matrix& x, double* out, int threads) const = 0;
};

}  // namespace tabpilot
