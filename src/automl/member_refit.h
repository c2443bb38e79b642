// The refit phase (on unless train --no-refit-full): each member the
// ensemble needs is fitted once more on every training row with the effort
// its folds found (RefitParams, refit.h). The refit model is kept beside the
// fold models: the bundle holds both forms (model/bundle_form.h).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "automl/training_run.h"
#include "core/deadline.h"

namespace tabpilot {

// Refits the candidates of `run` named in `needed`, one per thread at a time
// (level 2 refits on the level-1 OOF predictions, so the levels do not wait
// for each other), each before `deadline`. Returns how many members have a
// model on all rows afterwards (own-OOF members already are one).
size_t RefitMembers(TrainingRun& run, const std::set<std::string>& needed, Deadline deadline);

// Fits candidate `index` once more on every row into Candidate::full; its
// fold models stay. A level-2 candidate is fitted on the base features plus
// its stack inputs' OOF predictions, exactly the rows its folds saw (in the
// full form it is then served its inputs' full models' predictions). The fit
// must finish before `deadline`: a fit cut short would be worse than the
// folds, so then the candidate gets no full model (as when the refit would
// not fit in the time left, or fails) and serves its folds in both forms.
// Returns true when the candidate has a model on all rows (an own-OOF one
// already is one and gets no second). Refits of different candidates may run
// at once (they only read the run's encodings, all made by then).
bool RefitCandidate(TrainingRun& run, size_t index, Deadline deadline, uint64_t seed, int threads);

}  // namespace tabpilot
