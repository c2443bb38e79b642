// After a search on a sample and the refit on more rows (sampled_refit.h):
// the ensemble chosen again, on rows held out from both the sample and the
// refits, with the predictions of the models each member serves by default
// (its refit model, else its sample models): first the most accurate
// weights (averaged over resamples of these rows: they are often few
// groups, bagged_selection.h), then, as on OOF predictions otherwise, the
// cheapest ensemble within noise of it (cost_tradeoff.h). The trade-off
// waits for these rows because the sample's OOF losses describe the sample
// models, not the ones that serve. The weights chosen on
// the sample's OOF predictions describe the sample models; a member refit on
// ten times the rows is a better model than its OOF score says, and a
// member that memorizes its neighbours (kNN on near-duplicate rows) a worse
// one than the sample's OOF says (the sample holds near copies of its rows).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "automl/bagged_selection.h"
#include "automl/cost_tradeoff.h"
#include "automl/ensemble_choice.h"
#include "automl/inference_cost.h"
#include "automl/problem.h"
#include "automl/sampled_refit.h"
#include "automl/training_run.h"
#include "data/matrix.h"

namespace tabpilot {

// The mean of `models`' predictions on `x` (rows x num_outputs, as Predict
// writes them), the models of `family` compiled as they serve when their
// family compiles (compiled/model_compiler.h): XGBoost's own predictor took
// a minute for 200,000 rows of four bagged members on 10M rows' search.
Matrix MeanPrediction(const std::vector<const Model*>& models, const std::string& family, const Matrix& x, int threads);

struct HeldOutChoiceOptions {
  // The most accurate weights: greedy selection averaged over bootstrap
  // resamples of the held-out rows (or of their groups), members picked in
  // fewer than half of them left out (bagged_selection.h).
  BaggedSelectionOptions selection;
  // The cost trade-off among the members on the held-out rows (its
  // tolerance, deadline, seed); none: the most accurate weights.
  std::optional<CostTradeoffOptions> tradeoff;
  const InferenceCosts* costs = nullptr;  // run.done()'s, for the trade-off
  // Candidates (indices into run.done()) weighed beside the members though
  // `chosen` gives them no weight (held_out_challengers.h).
  std::vector<size_t> challengers;
};

// Bagged greedy selection (options.selection) among the members of `chosen`
// and the `options.challengers` on the held-out rows of `split`
// (split.choice), then the trade-off when asked; records on each one's
// leaderboard row the weight it serves with and the share of resamples
// that picked it (info.held_out_choice); returns `chosen` with its weights
// (members and challengers only, summing to 1), decision threshold and `traded` replaced
// by the held-out choice's (its OOF predictions and score stay the
// sample's). Unchanged when there are no held-out rows or fewer than two
// members and challengers.
EnsembleChoice ChooseOnHeldOut(TrainingRun& run, const TrainingData& all, const RefitRows& split,
                               const EnsembleChoice& chosen, const HeldOutChoiceOptions& options);

}  // namespace tabpilot
