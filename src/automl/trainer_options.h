// What a caller controls about one AutoML training run (see trainer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/deadline.h"
#include "core/log.h"
#include "model/bundle_form.h"

namespace tabpilot {

class FitJournal;
class FoldExecutor;
class LearnerRegistry;
class ModelSpill;

// Which form of the ensemble a trained bundle serves unless told otherwise:
// the deployable one (one model per member) unless it lost accuracy beyond
// noise on the benchmark (docs/architecture.md, "Refit on all rows").
inline constexpr BundleForm kDefaultServedForm = BundleForm::kFull;

struct TrainerOptions {
  Deadline deadline = Deadline::Never();  // the whole command's budget (bundle writing included)
  double time_limit_seconds = 0;          // for display and records only
  int threads = 1;                        // busy threads (models use all of them, one at a time)
  uint64_t seed = 0;
  int num_folds = 0;         // 0 = automatic, 1 = a holdout, k >= 2 = k-fold bagging (see fold_plan.h)
  int ensemble_rounds = 25;  // greedy ensemble selection rounds
  int stack_levels = 2;      // 1 = no stacking; 2 = a second level on level-1 OOF predictions
  // Stop after this many candidates (0 = no cap; the time limit decides). With
  // a cap that the budget does not bind, training is reproducible run to run.
  // Further bags of a candidate (repeated bagging) do not count. With
  // stacking, level 1 stops at 70% of the cap and level 2 gets the rest.
  int max_models = 0;
  // Fit each chosen member once more on all rows (see refit.h) and keep that
  // model beside its fold models: the bundle then holds both forms
  // (model/bundle_form.h). 10% of the search time is kept back for it.
  bool refit_full = true;
  // The form the bundle serves by default when it holds both (kBagged or
  // kFull); without the refit it holds, and serves, the bagged form only.
  // kDefaultServedForm: the full form, measured in docs/architecture.md
  // ("Refit on all rows").
  BundleForm default_form = kDefaultServedForm;
  // train --infer-limit: the most the ensemble may cost to predict, in
  // microseconds per row (its default form, the compiled engine, a batch of
  // 1,000 rows, `threads` threads); 0 = no limit. The ensemble selection
  // only adds candidates that keep the chosen set's cost within it (see
  // ensemble_choice.h); when no single candidate fits, the cheapest is kept
  // alone with a warning.
  double infer_limit_us_per_row = 0;
  // train --cost-tolerance: the ensemble deployed is the cheapest to serve
  // whose validation loss is within this many standard errors of the most
  // accurate ensemble's (cost_tradeoff.h); 0 keeps the most accurate one.
  // Unset: automatic (EffectiveCostTolerance: 1 from kCostTradeoffMinRows
  // scored rows, or groups with row groups, else 0).
  std::optional<double> cost_tolerance_se;
  // train --search-sample: search (fit, bag and ensemble the candidates) on a
  // stratified sample of this many rows, then refit the chosen members on
  // every row (search_sample.h); 0 = always search on every row. Unset:
  // automatic, from the table's size and the budget.
  std::optional<size_t> search_sample_rows;
  // train --memory-limit, in bytes (0 = none): a large table's refit takes
  // no more rows than this leaves room for beside what the process holds
  // (sampled_refit.h), and no more folds are fitted at once than fit in it
  // (training_run.cpp, MakeBaggingOptions).
  double memory_limit_bytes = 0;
  // Restrict to these learner families (empty = all but the opt-in ones, which
  // run only when named here; see CandidateConfig::opt_in).
  std::vector<std::string> families;
  // Families left out whatever `families` says (the trainer's own choice: a
  // search on a sample leaves out those whose registry entry is not
  // in_sampled_search, search_sample.h).
  std::vector<std::string> excluded_families;
  // Tree configs of families that can read categoricals as codes do so
  // (ReadCategoricalsAsCodes, portfolio.h). The trainer's own choice for a
  // search on a sample: the refit's quantized matrix then grows with the
  // table's columns, not with its categories' levels.
  bool categoricals_as_codes = false;
  // The search is on a sample of a larger table (search_sample.h; set by the
  // trainer): opt-in configs marked default_when_sampled run as defaults.
  bool sampled_search = false;
  // The families the trainer may create learners from. Not owned; must
  // outlive the TrainAutoML call. A family the curated portfolio does not
  // list gets one opt-in candidate with its declared defaults, run when
  // `families` names it (see DefaultPortfolio in portfolio.h).
  const LearnerRegistry* learners = nullptr;  // null = the built-in families
  // Where the search's fold fits run (not owned; must outlive the
  // TrainAutoML call): null = on this process's threads; the MPI task farm
  // (scaleout/mpi_farm.h) sends them to other ranks. Refits stay here.
  FoldExecutor* fold_executor = nullptr;
  // Records every finished fold fit, and answers those an interrupted run
  // recorded (train --resume; fit_journal.h). Not owned; null = none.
  FitJournal* journal = nullptr;
  // Where a search on a sample keeps its candidates' models on disk
  // (model_spill.h): an unnamed file in this folder (empty = the system's
  // temporary folder). train passes the output folder's parent.
  std::string scratch_dir;
  // The spill itself: set by the trainer for a search on a sample (null =
  // models stay in memory).
  std::shared_ptr<ModelSpill> model_spill;
  Logger logger;
};

}  // namespace tabpilot
