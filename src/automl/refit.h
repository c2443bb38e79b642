// Refit on every training row (AutoGluon's refit_full): once the ensemble is
// chosen, each of its bagged members can be replaced by one model fitted on
// all rows with the effort its fold models found best (the mean number of
// boosting rounds or epochs they kept). The refit model has seen 1/k more
// rows than any fold model and is k times cheaper to serve; it has no
// out-of-fold predictions of its own, so the ensemble weights, the stack and
// the decision threshold stay those chosen on the bagged members.
#pragma once

#include <optional>
#include <string>

#include "core/json.h"

namespace tabpilot {

class LearnerRegistry;

// Parameters that fit `family` once on all rows: `params` (the bagged
// member's) with the effort of its folds fixed, as the family's
// Learner::RefitParams decides (e.g. a booster's mean kept rounds with early
// stopping off). `fold_info` is the member's per-fold Model::Info() array.
// Keys of `params` that are not the family's parameters (the trainer's own
// bookkeeping) pass through unchanged; of the family's parameters only those
// the refit changes are written, so a family whose refit changes nothing gets
// `params` back as it was. nullopt when the family cannot tell the effort
// from `fold_info`: then the member is not refitted. Throws InvalidInput for
// an unknown family or bad params.
std::optional<Json> RefitParams(const LearnerRegistry& learners, const std::string& family, const Json& params,
                                const Json& fold_info);

// The same with the built-in families (LearnerRegistry::WithBuiltins()).
std::optional<Json> RefitParams(const std::string& family, Json params, const Json& fold_info);

}  // namespace tabpilot
