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

// Parameters that fit `family` once on all rows: `params` (the bagged
// member's) with the early-stopped effort of its folds fixed. `fold_info` is
// the member's per-fold Model::Info() array. xgboost: n_estimators = the mean
// of the folds' "rounds", no early stopping; mlp: epochs = the mean
// "best_epoch" when the folds stopped early; other families are returned
// unchanged (they do not early-stop). nullopt when a booster's folds do not
// report their rounds: its effort is unknown, so it is not refitted.
std::optional<Json> RefitParams(const std::string& family, Json params, const Json& fold_info);

}  // namespace tabpilot
