// A compiled forest laid out for one row at a time: the one-row path's tree
// engine (predict/row_predictor.h).
//
// One row cannot amortize a node's load over a block of rows: walked tree by
// tree, a row costs the trees' summed path latencies. A RowForest therefore
//   - steps up to 8 trees of the same kind together, level by level, so the
//     processor overlaps their loads (each kind in turn, trees of like depth
//     together; the leaves are then added in the forest's order);
//   - takes categorical splits without a branch on the data (the row's
//     category codes computed once per call), and small category sets
//     (codes below 62) as one 64-bit mask held in the node (SetRowNode),
//     about as cheap as a numeric split;
//   - keeps 8-byte nodes (RowNode), half the CompiledForest's, with each
//     leaf's value offset in a side array read once per tree, and for trees
//     of one value per leaf the value itself in another (one dependent load
//     less a tree); measured, the two points above gave the speed, the
//     smaller nodes cost nothing;
//   - steps a full group with its indices in registers (the loop over the
//     group unrolled: about 12 % fewer instructions a row).
// Leaves are added tree by tree in the forest's order and the links are the
// forest's own, so the outputs are CompiledForest::Predict's to the bit.
//
// Immutable; Predict is const and re-entrant (buffers in a caller's Scratch).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "compiled/compiled_forest.h"
#include "data/matrix.h"

namespace tabpilot {

// A node of a RowForest (8 bytes).
//   Numeric trees: go right iff key(column) > test (EvalNode's keys and
//     threshold keys with the sign bit flipped, compared unsigned:
//     column = 2 x feature + default_left).
//   Trees with categorical splits of large sets: `column` is the feature
//     with kCategorical and kDefaultLeft flags; `test` holds a numeric
//     split's threshold (float bits, go left iff x <= it) or a categorical
//     split's index.
//   (Trees of small sets walk SetRowNodes.)
// Leaves loop onto themselves and never go right.
struct RowNode {
  static constexpr uint16_t kDefaultLeft = 1u << 15;
  static constexpr uint16_t kCategorical = 1u << 14;
  static constexpr uint16_t kFeatureMask = kCategorical - 1;

  uint32_t test = 0;
  uint16_t child = 0;  // distance to the left child (the right is one further; leaves: 0)
  uint16_t column = 0;
};
static_assert(sizeof(RowNode) == 8);

// A node of a tree whose categorical splits all test codes below 62
// ("small sets"; 16 bytes): go right iff key(column) > threshold or the
// row's code (laid out like its keys, NaN's code saying where the node sends
// it) has its bit in `set`. Numeric splits have an empty set, set splits a
// threshold no key exceeds, leaves both.
struct SetRowNode {
  uint64_t set = 0;
  uint32_t threshold = UINT32_MAX;  // unsigned key order (sign bit flipped)
  uint16_t child = 0;               // distance to the left child (leaves: 0)
  uint16_t column = 0;
};
static_assert(sizeof(SetRowNode) == 16);

class RowForest {
 public:
  // Buffers reused from call to call (one per calling thread).
  struct Scratch {
    std::vector<uint32_t> keys;       // 2 per tree feature, unsigned key order
    std::vector<uint32_t> codes;      // 1 per tree feature
    std::vector<uint32_t> set_codes;  // 2 per tree feature
    std::vector<uint32_t> leaves;     // per tree: the leaf the row reached
    std::vector<float> row;           // the row with the extensions' features
    std::vector<double> raw;
    std::vector<double> work;
  };

  // The row layout of `forest` (kept alive by it), or null when a tree is
  // too large for 16-bit node indices or the forest has too many features
  // for 16-bit columns (the caller then uses CompiledForest::PredictSmall).
  static std::shared_ptr<const RowForest> Make(std::shared_ptr<const CompiledForest> forest);

  // The forest's outputs for the one row of `x` (x.rows == 1, the forest's
  // features): CompiledForest::Predict's values for it.
  void Predict(const Matrix& x, Scratch& scratch, float* out) const;

 private:
  enum class Walk : uint8_t { kNumeric, kSmallSets, kMixed, kOblivious };

  explicit RowForest(std::shared_ptr<const CompiledForest> forest) : owner_(std::move(forest)), forest_(*owner_) {}
  void Raw(const float* row, Scratch& scratch, double* raw) const;

  std::shared_ptr<const CompiledForest> owner_;
  const CompiledForest& forest_;
  std::vector<Walk> walks_;                       // per tree: how it is walked
  std::array<std::vector<uint32_t>, 4> by_walk_;  // the trees of each Walk, in order
  std::vector<RowNode> nodes_;                    // parallel to forest_.nodes()
  std::vector<uint32_t> payload_;                 // leaves: their value offset in forest_.leaf_values()
  std::vector<float> leaf_value_;                 // leaves of one-value trees: the value (one load less)
  std::vector<SetRowNode> set_nodes_;             // parallel to nodes_ when a tree has small sets
  // Trees [begin, end) whose leaves are added together (Raw's last step).
  struct LeafRun {
    uint32_t begin = 0;
    uint32_t end = 0;
    uint32_t output = 0;        // the raw score they add to
    bool float_values = false;  // node trees of one value a leaf summed in float (leaf_value_)
  };
  std::vector<LeafRun> runs_;
};

}  // namespace tabpilot
