// Ensemble selection averaged over bootstrap resamples of the scored rows:
// Breiman's bagging applied to the greedy selection itself (ensemble_selection.h).
//
// Greedy selection on few independent rows picks members by those rows'
// noise. After a sampled search on Adult repeated to 1M rows the ensemble is
// weighed on the copies of 1,628 held-out records (held_out_ensemble.h); over
// six runs which of two boosters of near-equal held-out loss got weight
// beside the additive model moved from run to run, and in one run the
// oblivious booster got none. Each resample here draws as many units (rows,
// or whole groups: bootstrap_draw.h) as the rows hold and runs the selection
// on them; the weights are the mean over resamples. On any rows the averaged
// weights' selection loss (logloss for the threshold metrics) is at most the
// mean of the resamples' ensembles' losses, as the loss is convex in the
// predictions and they are linear in the weights.
//
// A member picked in fewer than `keep_share` of the resamples' ensembles is
// then left out and the other weights scaled to sum to 1: most resamples do
// without it, and each member costs a whole model's prediction to serve.
// Averaging does not make a weak refit strong: in one 1M run of four the
// oblivious booster, refit on a sixth of the refit time, was picked in 12
// of 32 resamples; given its family's equal share (sampled_refit.h) it was
// picked in 78-94% (docs/benchmarks.md, 2026-12-07 02:40).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "automl/oof_scorer.h"
#include "core/deadline.h"
#include "data/matrix.h"

namespace tabpilot {

struct BaggedSelectionOptions {
  int resamples = 32;       // bootstrap resamples, each a greedy selection
  int rounds = 25;          // greedy selection rounds in each
  double keep_share = 0.5;  // the least share of resamples a member is picked in to stay
  uint64_t seed = 0;        // the resamples' (each resample's draw depends on it and its index alone)
  // A group id per scored row (train --group-column), or empty when the rows
  // are independent: with groups a resample draws whole groups.
  std::vector<uint32_t> groups;
  int threads = 1;  // resamples run in parallel
  // No resample starts once this passes; with none run the selection is the
  // plain one on every row.
  Deadline deadline = Deadline::Never();
};

struct BaggedSelection {
  std::vector<double> weights;       // one per candidate, summing to 1
  std::vector<double> picked_share;  // per candidate: the share of resamples whose ensemble gave it weight
  int resamples = 0;                 // resamples run (0: the deadline had passed; plain selection)
  size_t units = 0;                  // the units a resample drew (groups, or rows)
};

// `preds`: each candidate's predictions on the scored rows (rows x outputs,
// at least one candidate); `y`: those rows' targets (the scorer's). When
// every resample runs (the deadline does not pass) the result does not
// depend on options.threads.
BaggedSelection SelectEnsembleBagged(const std::vector<const Matrix*>& preds, const std::vector<float>& y,
                                     const OofScorer& scorer, const BaggedSelectionOptions& options);

}  // namespace tabpilot
