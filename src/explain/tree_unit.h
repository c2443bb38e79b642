// A tree unit's attributions: exact path-dependent TreeSHAP (tree_shap.h)
// over a compiled forest, in each part's raw-score space, folded onto the
// players (a feature an extension computes from several input columns,
// such as a target statistic of a pair, is shared evenly among them), then
// carried through each part's link to the outputs (link_attribution.h).
#pragma once

#include <memory>

#include "compiled/compiled_forest.h"
#include "explain/tree_shap.h"
#include "explain/unit_explainer.h"

namespace tabpilot {

// `forest` must outlive the result. `background`: the member's feature rows
// counted for the covers of trees that keep none (our forests, the
// oblivious booster); may be null when every tree keeps its own.
std::unique_ptr<UnitExplainer> MakeTreeUnit(const CompiledForest& forest, FeaturePlayers players,
                                            const Matrix* background, int threads);

}  // namespace tabpilot
