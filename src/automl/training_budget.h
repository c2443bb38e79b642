// The training run's time arithmetic in one place: how the whole command's
// deadline is split between the search (level 1 and level 2), refitting the
// chosen members, and ensembling plus writing the bundle.
//
//   |<---------------------------- total ------------------------------------->|
//   |<------------- search ------------->|<- refit ->|<- time ->|<-explain->|<-write->|
//   |<-- level 1 (70%) -->|<- level 2 -->|
//
// "time" is timing the built bundle for the leaderboard's predict cost
// (deployed_cost.h): its length is known only once the ensemble is chosen,
// so it comes out of the refit's share. The explainability report
// (bundle_reports.h) gets the explain reserve (with --refit-full, whose
// refit may use every second it is given: a search on a sample refits
// several members on millions of rows) and whatever timing left.
//
// The reserves are fixed when the budget is made (from the time left then);
// the deadlines are absolute points in time, so asking again later gives the
// same end. An unbounded total gives no reserves and unbounded deadlines.
#pragma once

#include "core/deadline.h"

namespace tabpilot {

// Share of the search time level 1 gets when a second level follows.
inline constexpr double kLevel1Share = 0.7;
// Share of the search time kept back for refitting the chosen members on all rows.
inline constexpr double kRefitShare = 0.1;
// Most of a level's time one random configuration may be expected to take.
// A sampled configuration is a gamble; betting most of the level on one
// starves the bags and the next level (Adult at 300 s: a 512x256 net took
// 2m20s of level 1's 3m10s and got no ensemble weight).
inline constexpr double kMaxSearchShare = 0.35;

class TrainingBudget {
 public:
  // Splits what is left of `total` now. `refit_full`: keep back
  // `refit_share` of the time after the write reserve for refitting (train
  // --refit-full; kRefitShare, or kSampledRefitShare after a search on a
  // sample, search_sample.h).
  TrainingBudget(Deadline total, bool refit_full, double refit_share = kRefitShare);

  // Seconds kept back for ensembling and writing the bundle:
  // clamp(8% of the total, 0.5 s, 15 s). Writing hundreds of fold models (a
  // 300 MB bundle on small multiclass data) takes seconds; 5% was not always
  // enough at 60 s.
  double write_reserve() const { return write_reserve_; }
  // Seconds kept back for refitting (refitting costs about one fold fit per member).
  double refit_reserve() const { return refit_reserve_; }
  // Seconds the refit leaves for the explainability report (refit_full):
  // clamp(2% of the total, 0.25 s, 10 s).
  double explain_reserve() const { return explain_reserve_; }

  // The search's deadline (both levels): the total minus both reserves. The
  // run's first candidate gets all of it (a model must come out of any budget).
  Deadline Search() const;
  // Level 1's deadline: kLevel1Share of the search's time left now when a
  // second level follows, else the whole search.
  Deadline Level1(bool stacking) const;
  // Refitting's deadline: the total minus the write and explain reserves and
  // `timing_seconds` for timing the bundle afterwards.
  Deadline Refit(double timing_seconds) const;
  // Timing the built bundle's deadline, and the explainability report's: the
  // total minus the write reserve.
  Deadline Timing() const;

  // Most one sampled configuration may be expected to take of what is left
  // of `level` (kMaxSearchShare; +infinity for an unbounded level).
  static double SearchCap(const Deadline& level);
  // How many of `max_models` level 1 may use: with stacking the same share
  // it gets of the time (rounded up, at least 1); 0 (no cap) stays 0.
  static int Level1ModelCap(int max_models, bool stacking);

 private:
  Deadline total_;
  double write_reserve_ = 0;
  double refit_reserve_ = 0;
  double explain_reserve_ = 0;
};

}  // namespace tabpilot
