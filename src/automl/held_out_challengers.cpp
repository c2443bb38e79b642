#include "automl/held_out_challengers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "core/error.h"

namespace tabpilot {

double LowestLoss(const std::vector<double>& losses) {
  double best = std::numeric_limits<double>::infinity();
  for (double loss : losses) {
    if (!std::isnan(loss)) best = std::min(best, loss);
  }
  return best;
}

std::vector<size_t> HeldOutChallengers(const std::vector<std::string>& families, const std::vector<double>& weights,
                                       const std::vector<double>& losses,
                                       const std::function<bool(const std::string& family)>& refittable) {
  if (weights.size() != families.size() || losses.size() != families.size()) {
    throw Internal("held-out challengers: families, weights and losses differ in size");
  }
  const double best = LowestLoss(losses);
  if (!std::isfinite(best)) return {};
  std::set<std::string> weighted;
  for (size_t i = 0; i < families.size(); ++i) {
    if (weights[i] > 0) weighted.insert(families[i]);
  }
  std::map<std::string, size_t> leader;  // the lowest-loss candidate of each family without weight
  for (size_t i = 0; i < families.size(); ++i) {
    if (weighted.count(families[i]) || std::isnan(losses[i])) continue;
    auto it = leader.find(families[i]);
    if (it == leader.end()) {
      leader.emplace(families[i], i);
    } else if (losses[i] < losses[it->second]) {
      it->second = i;
    }
  }
  const double bar = best + kChallengerLossMargin * std::abs(best);
  std::vector<size_t> out;
  for (const auto& [family, i] : leader) {
    if (losses[i] <= bar && refittable(family)) out.push_back(i);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tabpilot
