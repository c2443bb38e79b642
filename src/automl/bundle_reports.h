// The last step of training: the reports every trained bundle carries
// (Bundle::reports, saved as reports/<name>.json):
//   "data"            the training table (data_report.h);
//   "model_quality"   the ensemble's out-of-fold predictions of the
//                     training rows scored like `tabpilot evaluate` scores a
//                     test file (evaluate/quality_report.h; the tuned
//                     decision threshold);
//   "explainability"  the global SHAP report (explain/shap_summary.h) of
//                     the served form (`served`, the predictor timed for
//                     the leaderboard) on up to kExplainedRows training
//                     rows, measured from the bundle's background rows. By
//                     `deadline`: 16 rows are timed first and the others
//                     explained only as far as the time left allows (its
//                     "rows" says how many); left out (said at info level)
//                     when the bundle was not timed or no time is left.
// A report that cannot be made is left out with a warning: training does
// not fail for it.
#pragma once

#include "automl/ensemble_choice.h"
#include "automl/trainer.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "core/deadline.h"
#include "predict/predictor.h"

namespace tabpilot {

inline constexpr size_t kExplainedRows = 300;

void AddBundleReports(TrainResult& result, const TrainingRun& run, const TrainingPlan& plan,
                      const EnsembleChoice& ensemble, const Predictor* served, Deadline deadline);

}  // namespace tabpilot
