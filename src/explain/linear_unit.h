// A linear unit's attributions, exact: in raw-score space feature j of a
// row adds w_j (x_j - mean_j), the mean over the background rows (the
// interventional Shapley values of a linear function), folded onto the
// players, then carried through the link to the outputs
// (link_attribution.h). The raw base is the intercept plus w . mean.
#pragma once

#include <memory>

#include "explain/unit_explainer.h"
#include "learners/learner.h"

namespace tabpilot {

// `background`: the member's feature rows whose means are the reference.
// Throws InvalidInput when the form and the players or background disagree.
std::unique_ptr<UnitExplainer> MakeLinearUnit(LinearForm form, FeaturePlayers players, const Matrix& background);

}  // namespace tabpilot
