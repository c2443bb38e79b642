// The last step of training: the reports every trained bundle carries
// (Bundle::reports, saved as reports/<name>.json):
//   "data"            the training table (data_report.h);
//   "model_quality"   the ensemble's out-of-fold predictions of the
//                     training rows scored like `tabpilot evaluate` scores a
//                     test file (evaluate/quality_report.h; the tuned
//                     decision threshold);
//   "explainability"  the global SHAP report (explain/shap_summary.h) of
//                     the served form on up to kExplainedRows training rows,
//                     measured from the bundle's background rows. Under a
//                     time limit, 16 rows are timed first and the others
//                     explained only as far as half the time left allows
//                     (its "rows" says how many).
// A report that cannot be made is left out with a warning: training does
// not fail for it.
#pragma once

#include "automl/ensemble_choice.h"
#include "automl/trainer.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"

namespace tabpilot {

inline constexpr size_t kExplainedRows = 300;

void AddBundleReports(TrainResult& result, const TrainingRun& run, const TrainingPlan& plan,
                      const EnsembleChoice& ensemble);

}  // namespace tabpilot
