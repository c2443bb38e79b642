// Challengers for the held-out choice after a search on a sample
// (held_out_ensemble.h). The sample ranks candidates by how they do on its
// rows, but families learn at different rates: on 1M rows of Adult's copies
// the oblivious booster's sample models erred like the boosters' (weight 0 in
// the sample's ensemble), yet refit on 950,000 rows it was the best model on
// rows neither saw (held-out loss 0.2550 against the refit members'
// 0.2586-0.2611), and blended into the deployed ensemble at 0.29 it lowered
// adult.test's logloss by 0.0005 (docs/benchmarks.md, 2026-12-06 22:05).
// So each family the sample's ensemble left out sends its best candidate on
// the sample, when that one's sample loss is within kChallengerLossMargin of
// the best candidate's, to be refit beside the members and weighed with them
// on the held-out rows; it serves only if that choice gives it weight. There
// the oblivious booster's sample logloss was 2.2% above the best candidate's
// (0.2917 against 0.2855) and the networks' 7.7% (0.3076): a family that far
// behind on the sample does not take refit time.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace tabpilot {

// How far (relative) above the best candidate's sample selection loss a
// challenger's may be: wide enough for the oblivious booster's 2.2% on the
// 1M run's sample, narrow enough to leave out the networks' 7.7%.
inline constexpr double kChallengerLossMargin = 0.05;

// The lowest of `losses` that is not NaN; +infinity when there is none.
double LowestLoss(const std::vector<double>& losses);

// The challengers among candidates with these `families`, ensemble `weights`
// (the sample's choice) and sample selection `losses` (lower is better; NaN
// for none), all indexed alike: for each family no candidate of which has
// weight, its lowest-loss candidate when `refittable(family)` and its loss is
// at most the lowest loss of all plus kChallengerLossMargin of it. In
// candidate order. Throws Internal when the sizes differ.
std::vector<size_t> HeldOutChallengers(const std::vector<std::string>& families, const std::vector<double>& weights,
                                       const std::vector<double>& losses,
                                       const std::function<bool(const std::string& family)>& refittable);

}  // namespace tabpilot
