// The last phase: the model bundle (the members the ensemble needs, their
// feature pipelines, the problem with its tuned threshold, the training
// facts) and the leaderboard with the ensemble's row.
#pragma once

#include <memory>
#include <set>
#include <string>

#include "automl/ensemble_choice.h"
#include "automl/trainer.h"
#include "automl/training_plan.h"
#include "automl/training_run.h"
#include "predict/predictor.h"

namespace tabpilot {

// Moves the fold models (and full models, when refit) of the candidates
// named in `needed` out of `run` into the bundle (level-1 members first, each
// level in the order fitted); the bundle holds the full form too when the
// run refit its members (TrainerOptions::refit_full), served by default when
// TrainerOptions::default_form says so;
// sets every candidate's ensemble weight on the leaderboard and adds the
// "WeightedEnsemble" row. `refitted`: members refitted on all rows (for the
// training facts). Times the bundle's served form (deployed_cost.h) for the
// members' and the ensemble's predict cost, when that can be done by
// `timing_deadline` (else they are estimates too); the other candidates get
// their estimate from `costs` (one per run.done() candidate), and those the infer
// limit left out (ensemble.over_limit) the status kOverInferLimit. `run`
// keeps its leaderboard rows but not the moved models. `served` gets the
// predictor that was timed (nullptr when the bundle was not timed), for the
// explainability report.
TrainResult AssembleBundle(TrainingRun& run, const TrainingPlan& plan, const EnsembleChoice& ensemble,
                           const std::set<std::string>& needed, size_t refitted, const InferenceCosts& costs,
                           Deadline timing_deadline, std::unique_ptr<Predictor>& served);

}  // namespace tabpilot
