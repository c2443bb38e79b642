#include "automl/training_budget.h"

#include <algorithm>
#include <cmath>

namespace tabpilot {

TrainingBudget::TrainingBudget(Deadline total, bool refit_full, double refit_share) : total_(total) {
  const double left = total.Remaining();
  write_reserve_ = std::isinf(left) ? 0.0 : std::clamp(0.08 * left, 0.5, 15.0);
  refit_reserve_ = refit_full && !std::isinf(left) ? refit_share * (left - write_reserve_) : 0.0;
  explain_reserve_ = refit_full && !std::isinf(left) ? std::clamp(0.02 * left, 0.25, 10.0) : 0.0;
}

Deadline TrainingBudget::Search() const {
  return total_.Sub(std::max(0.0, total_.Remaining() - write_reserve_ - refit_reserve_));
}

Deadline TrainingBudget::Level1(bool stacking) const {
  const Deadline search = Search();
  return stacking ? search.Sub(kLevel1Share * search.Remaining()) : search;
}

Deadline TrainingBudget::Refit(double timing_seconds) const {
  return total_.Sub(
      std::max(0.0, total_.Remaining() - write_reserve_ - explain_reserve_ - std::max(0.0, timing_seconds)));
}

Deadline TrainingBudget::Timing() const { return total_.Sub(std::max(0.0, total_.Remaining() - write_reserve_)); }

double TrainingBudget::SearchCap(const Deadline& level) { return kMaxSearchShare * level.Remaining(); }

int TrainingBudget::Level1ModelCap(int max_models, bool stacking) {
  if (max_models <= 0 || !stacking) return max_models;
  return std::max(1, static_cast<int>(std::ceil(kLevel1Share * max_models)));
}

}  // namespace tabpilot
