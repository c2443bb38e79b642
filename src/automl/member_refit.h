// The refit phase (train --refit-full): each member the ensemble needs is
// fitted once more on every training row with the effort its folds found
// (RefitParams, refit.h), replacing its fold models.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "automl/training_run.h"
#include "core/deadline.h"

namespace tabpilot {

// Refits the candidates of `run` named in `needed`, one per thread at a time
// (level 2 refits on the level-1 OOF predictions, so the levels do not wait
// for each other), each before `deadline`. Returns how many members are
// one model on all rows afterwards (own-OOF members already are).
size_t RefitMembers(TrainingRun& run, const std::set<std::string>& needed, Deadline deadline);

// Replaces candidate `index`'s fold models by one model fitted on every
// row. It must finish before `deadline`: a fit cut short would be worse than
// the folds, so then the candidate keeps them (as it does when the refit
// would not fit in the time left, or fails). Returns true when the candidate
// is one model on all rows. Refits of different candidates may run at once
// (they only read the run's encodings, all made by then).
bool RefitCandidate(TrainingRun& run, size_t index, Deadline deadline, uint64_t seed, int threads);

}  // namespace tabpilot
