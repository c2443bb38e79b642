// How the predictor evaluates one bundle member's fold models.
//
// The predictor needs, per member, the mean of all its fold models (the
// bagged prediction) and, for a member whose level-2 consumers align their
// inputs by fold (BundleMember::stack_input_folds), the mean of the fold
// models with each index j mod k. A level-2 member's fold models fall into
// stack groups (fold j sees the inputs of group j mod groups). So the folds
// form cells, (stack group g, fold index p): the folds j with j = g mod
// groups and j = p mod k. Every cell's mean is all the predictor needs: the
// bagged prediction is the mean of the cells' means weighted by their sizes,
// and the fold-index prediction p the same over the cells with index p.
//
// A cell of a tree family (compiled/model_compiler.h) is evaluated as one
// compiled forest: its fold models converted and merged, each weighing
// 1 / cell size, so one pass over the rows walks all their trees. Other
// families' cells (and every cell with the reference engine) call each fold
// model's own Predict.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "compiled/compiled_forest.h"
#include "model/bundle.h"

namespace tabpilot {

struct FoldCell {
  size_t group = 0;           // stack group g
  size_t fold_index = 0;      // p (0 when nothing aligns on this member's folds)
  std::vector<size_t> folds;  // the member's fold models in the cell
  // The cell's fold models merged, outputs = their mean; null = use the fold models.
  std::shared_ptr<const CompiledForest> compiled;
};

struct MemberPlan {
  size_t groups = 1;            // stack groups (1 unless stack_input_folds > 0)
  size_t per_bag = 0;           // fold indices its consumers align on (0 = none)
  std::vector<FoldCell> cells;  // by group, then fold index
};

// The plan of `member`, whose consumers align on `per_bag` fold indices (0
// if none; ignored unless it divides the fold count). With `compile`, cells
// of a tree family are compiled (throws InvalidInput if a model's bytes do
// not compile).
MemberPlan PlanMember(const BundleMember& member, size_t per_bag, bool compile);

}  // namespace tabpilot
