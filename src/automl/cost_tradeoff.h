// The deployable default among ensembles: the cheapest to serve whose
// validation loss is within one standard error of the most accurate one's
// (the one-standard-error rule of Breiman et al. and of glmnet's
// lambda.1se, with serving cost as the complexity it trades).
//
// Greedy selection is run again under shrinking cost limits (the candidates'
// estimated costs, inference_cost.h, as `train --infer-limit` uses them);
// each ensemble it gives is compared with the most accurate one on the
// selection loss (oof_scorer.h) over the same OOF rows. The standard error
// is that of the most accurate ensemble's loss as an estimate of its loss
// on new rows, from a bootstrap of the OOF rows. The cheapest ensemble whose
// loss exceeds the best one's by at most `tolerance_se` of it is kept.
// `train --cost-tolerance SE` sets the tolerance; 0 keeps the most accurate
// ensemble whatever it costs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "automl/ensemble_choice.h"
#include "automl/inference_cost.h"
#include "automl/oof_scorer.h"
#include "core/deadline.h"
#include "data/matrix.h"

namespace tabpilot {

// The automatic tolerance: kDefaultCostToleranceSE once the run scores at
// least kCostTradeoffMinRows independent rows, else 0 (the most accurate
// ensemble). On the quick suite (docs/benchmarks.md, 2026-12-04 18:26) one
// standard error lost beyond noise on credit_g (667 scored rows: -0.019 AUC)
// and abalone (2,785: +0.022 RMSE), where the standard error is wide and
// refitting one member loses what bagging gave it; on Adult (32,561) it tied
// (-0.0004 AUC). With row groups (train --group-column) the rows counted are
// the groups: a group's rows err together, so the copies of 1,628 records
// (Adult repeated to 1M or 10M rows, 5% of its records held out) give the
// standard error of 1,628 rows (0.012 in logloss), however many rows they are.
inline constexpr double kDefaultCostToleranceSE = 1.0;
inline constexpr size_t kCostTradeoffMinRows = 10000;

// How many independent rows `rows` scored rows are: the number of distinct
// `groups` (a group id per row), or `rows` when `groups` is empty.
size_t IndependentRows(const std::vector<uint32_t>& groups, size_t rows);

// `given` when set (train --cost-tolerance), else the automatic tolerance
// for a run scoring `independent_rows` independent rows (IndependentRows).
double EffectiveCostTolerance(std::optional<double> given, size_t independent_rows);

// The log line saying the automatic tolerance is 0 because `rows` rows
// (`what`: "scored rows", "held-out rows") are `independent_rows` groups,
// fewer than kCostTradeoffMinRows while the rows are not; empty otherwise
// (a given tolerance, or the rows alone decide).
std::string GroupedToleranceNote(std::optional<double> given, size_t rows, size_t independent_rows,
                                 const std::string& what);

struct CostTradeoffOptions {
  double tolerance_se = 1.0;  // > 0; how many standard errors of loss a cheaper ensemble may add
  int rounds = 25;            // greedy selection rounds, as for the most accurate ensemble
  double limit_us = 0;        // train --infer-limit (0 = none): every limit tried stays within it
  uint64_t seed = 0;          // the bootstrap's
  int resamples = 64;         // bootstrap resamples
  size_t max_rows = 20000;    // rows a resample draws at most (the SE is scaled to all rows)
  // A group id per scored row (train --group-column), or empty when the rows
  // are independent. With groups the bootstrap draws whole groups (the same
  // share of them as of rows), since a group's rows (a record's copies, a
  // customer's visits) err together: drawing rows would understate the SE.
  std::vector<uint32_t> groups;
  double step = 0.7;  // each limit tried is this share of the previous one
  // No further cheaper set is tried once this passes (each try is a greedy
  // selection over every candidate's OOF predictions: seconds on millions of rows).
  Deadline deadline = Deadline::Never();
  // Told one line per cheaper ensemble compared (null: silent).
  std::function<void(const std::string&)> note;
};

// The standard error of SelectionLoss(pred) over the scored rows (`y` their
// targets; `pred`: rows x outputs), by a bootstrap of at most
// options.max_rows rows a resample (or as large a share of options.groups),
// scaled to all rows (groups).
double LossSE(const OofScorer& scorer, const std::vector<float>& y, const Matrix& pred,
              const CostTradeoffOptions& options);

// `best`: the most accurate ensemble (ChooseEnsemble over `oofs`, within
// options.limit_us when set). Returns `best` itself when no cheaper
// ensemble is within noise, else the cheapest one that is, with `traded`
// set. `y`: the scored rows' targets (the scorer's).
EnsembleChoice TradeCostForNoise(const std::vector<const Matrix*>& oofs, const std::vector<float>& y,
                                 const OofScorer& scorer, const InferenceCosts& costs, const EnsembleChoice& best,
                                 const CostTradeoffOptions& options);

// The one-line summary for the log of a traded ensemble over the candidates `done`.
std::string DescribeTradeoff(const std::vector<Candidate>& done, const EnsembleChoice& chosen);

}  // namespace tabpilot
