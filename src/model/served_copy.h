// A trained bundle's served form as a bundle of its own, in memory: what
// LoadBundle would give for the saved bundle, without writing it. The
// trainer times it (automl/deployed_cost.h) while the trained bundle, which
// holds both forms, goes on to be saved.
#pragma once

#include "learners/learner_registry.h"
#include "model/bundle.h"

namespace tabpilot {

// A copy of `trained` (a bundle as the trainer assembles it: fold models in
// `folds`, refit models in `full`) holding only the models of `form`
// (kDefault: the bundle's default form), each copied through its bytes
// (Model::Serialize, then the family's Load). In the full form a refit member
// serves its full model (folds_are_full, its full params, no fold-aligned
// stack inputs), as a full-form load does; other members their fold models.
// Throws InvalidInput when `trained` does not hold `form`.
Bundle ServedCopy(const Bundle& trained, BundleForm form, const LearnerRegistry& learners);

}  // namespace tabpilot
