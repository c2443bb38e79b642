#include "automl/cost_tradeoff.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "automl/bootstrap_draw.h"
#include "automl/folds.h"
#include "core/error.h"

namespace tabpilot {
namespace {

// The cost of serving the cheapest candidate alone.
double CheapestCost(const InferenceCosts& costs) {
  double best = costs.SetCost({0});
  for (size_t c = 1; c < costs.size(); ++c) best = std::min(best, costs.SetCost({c}));
  return best;
}

// The limits to try below `from`, each `step` times the previous, down to
// the cheapest candidate's cost (tried last, exactly).
std::vector<double> LimitsBelow(double from, double cheapest, double step) {
  std::vector<double> limits;
  for (double limit = from * step; limit > cheapest; limit *= step) limits.push_back(limit);
  limits.push_back(cheapest);
  return limits;
}

}  // namespace

size_t IndependentRows(const std::vector<uint32_t>& groups, size_t rows) {
  return groups.empty() ? rows : CountGroups(groups);
}

double EffectiveCostTolerance(std::optional<double> given, size_t independent_rows) {
  if (given) return *given;
  return independent_rows >= kCostTradeoffMinRows ? kDefaultCostToleranceSE : 0.0;
}

std::string GroupedToleranceNote(std::optional<double> given, size_t rows, size_t independent_rows,
                                 const std::string& what) {
  if (given || rows < kCostTradeoffMinRows || independent_rows >= kCostTradeoffMinRows) return {};
  char line[300];
  std::snprintf(line, sizeof line,
                "ensemble: the most accurate one is kept, not the cheapest within noise: its %zu %s are %zu groups, "
                "fewer than %zu (--cost-tolerance sets a tolerance)",
                rows, what.c_str(), independent_rows, kCostTradeoffMinRows);
  return line;
}

double LossSE(const OofScorer& scorer, const std::vector<float>& y, const Matrix& pred,
              const CostTradeoffOptions& options) {
  if (pred.rows != y.size() || y.empty()) throw Internal("loss SE: predictions and targets differ in rows");
  if (options.resamples < 2) throw Internal("loss SE: at least two bootstrap resamples are needed");
  if (!options.groups.empty() && options.groups.size() != y.size()) {
    throw Internal("loss SE: groups and targets differ in rows");
  }
  const size_t n = y.size();
  const size_t k = pred.cols;
  const size_t m = std::min(n, options.max_rows);
  const BootstrapDraw bootstrap(options.groups, n);
  const size_t total = bootstrap.units();
  // As large a share of the units as m is of the rows, at least two.
  const double share = static_cast<double>(m) / static_cast<double>(n);
  const auto share_of_units = static_cast<size_t>(std::llround(share * static_cast<double>(total)));
  const size_t draws = options.groups.empty() ? m : std::min(total, std::max<size_t>(2, share_of_units));
  std::mt19937_64 rng(options.seed);
  std::vector<size_t> rows;
  std::vector<float> yb, pb;
  std::vector<double> losses;
  losses.reserve(static_cast<size_t>(options.resamples));
  for (int r = 0; r < options.resamples; ++r) {
    rows.clear();
    bootstrap.Draw(draws, rng, rows);
    yb.clear();
    pb.clear();
    for (size_t row : rows) {
      yb.push_back(y[row]);
      pb.insert(pb.end(), pred.values.begin() + static_cast<std::ptrdiff_t>(row * k),
                pred.values.begin() + static_cast<std::ptrdiff_t>((row + 1) * k));
    }
    losses.push_back(scorer.SelectionLoss(yb, pb.data()));
  }
  double mean = 0;
  for (double l : losses) mean += l;
  mean /= static_cast<double>(losses.size());
  double var = 0;
  for (double l : losses) var += (l - mean) * (l - mean);
  var /= static_cast<double>(losses.size() - 1);
  // A resample of `draws` units has the spread of a loss over that many; over
  // all of them it shrinks by sqrt(draws / total).
  return std::sqrt(var) * std::sqrt(static_cast<double>(draws) / static_cast<double>(total));
}

EnsembleChoice TradeCostForNoise(const std::vector<const Matrix*>& oofs, const std::vector<float>& y,
                                 const OofScorer& scorer, const InferenceCosts& costs, const EnsembleChoice& best,
                                 const CostTradeoffOptions& options) {
  if (!(options.tolerance_se > 0)) throw Internal("cost trade-off: the tolerance must be positive");
  if (costs.size() != oofs.size()) throw Internal("cost trade-off: one cost per candidate is needed");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<size_t> best_members = EnsembleMembers(best);
  const double best_cost = costs.SetCost(best_members);
  const double best_loss = scorer.SelectionLoss(best.oof.values.data());
  const double se = LossSE(scorer, y, best.oof, options);
  EnsembleChoice chosen = best;
  double chosen_cost = best_cost;
  std::vector<std::vector<size_t>> seen{best_members};
  int misses = 0;
  for (double limit_us : LimitsBelow(best_cost, CheapestCost(costs), options.step)) {
    if (limit_us >= chosen_cost) continue;
    if (options.deadline.Expired()) break;
    const InferLimit limit{limit_us, &costs};
    EnsembleChoice e = ChooseEnsemble(oofs, scorer, options.rounds, &limit);
    const std::vector<size_t> members = EnsembleMembers(e);
    if (std::find(seen.begin(), seen.end(), members) != seen.end()) continue;
    seen.push_back(members);
    const double cost = costs.SetCost(members);
    if (cost >= chosen_cost) continue;
    const double loss = scorer.SelectionLoss(e.oof.values.data());
    if (options.note) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "cost trade-off: %zu member(s), about %.3g us/row: loss %+.5f (%.2f SE), %.2f s into the search",
                    members.size(), cost, loss - best_loss, se > 0 ? (loss - best_loss) / se : 0.0,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      options.note(line);
    }
    if (loss - best_loss > options.tolerance_se * se) {
      // Cheaper sets mostly get worse as the limit shrinks: two misses in a row end the search.
      if (++misses == 2) break;
      continue;
    }
    misses = 0;
    EnsembleChoice::CheaperWithinNoise traded;
    traded.accurate_cost_us = best_cost;
    traded.cost_us = cost;
    traded.accurate_loss = best_loss;
    traded.loss = loss;
    traded.loss_se = se;
    traded.rows = y.size();
    traded.tolerance_se = options.tolerance_se;
    for (size_t m : best_members) {
      if (e.weights[m] <= 0) traded.dropped.push_back(m);
    }
    // What the user's own limit left out stays as it was; the limits tried here are not theirs.
    e.over_limit = best.over_limit;
    e.cheapest_only = false;
    e.cost_us = options.limit_us > 0 ? cost : 0;
    e.traded = std::move(traded);
    chosen = std::move(e);
    chosen_cost = cost;
  }
  return chosen;
}

std::string DescribeTradeoff(const std::vector<Candidate>& done, const EnsembleChoice& chosen) {
  if (!chosen.traded) return {};
  const EnsembleChoice::CheaperWithinNoise& t = *chosen.traded;
  std::string dropped;
  for (size_t m : t.dropped) dropped += (dropped.empty() ? "" : ", ") + done.at(m).config.name;
  char line[1024];
  std::snprintf(line, sizeof line,
                "ensemble: kept a cheaper one within %.3g standard error(s) of the most accurate: about %.3g us/row "
                "instead of %.3g (validation loss %.5f vs %.5f, +%.5f, SE %.5f); left out: %s",
                t.tolerance_se, t.cost_us, t.accurate_cost_us, t.loss, t.accurate_loss, t.loss - t.accurate_loss,
                t.loss_se, dropped.empty() ? "nothing" : dropped.c_str());
  return line;
}

}  // namespace tabpilot
