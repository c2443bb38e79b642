// Random search over a family's parameters: what a family's registry entry
// offers the AutoML search phase once the curated portfolio is tried. A
// family without a sampler is not random-searched.
#pragma once

#include <functional>
#include <random>
#include <string>

#include "core/json.h"
#include "features/feature_options.h"

namespace tabpilot {

// One random configuration of a family.
struct SearchDraw {
  std::string name;  // display-name stem; the search appends a number ("XGBoost_R" -> "XGBoost_R3")
  Json params;       // the family's parameters (validated by its learner)
  FeatureOptions features;
  double relative_cost = 1.0;  // expected cost relative to a default XGBoost fit
};

// Draws one configuration; every draw must come from `rng` alone, so a run's
// seed decides its search.
using SearchSampler = std::function<SearchDraw(std::mt19937_64& rng)>;

// A uniform draw in [0, 1).
double UniformDraw(std::mt19937_64& rng);
// exp(uniform(log lo, log hi)): scale parameters (rates, penalties).
double LogUniformDraw(std::mt19937_64& rng, double lo, double hi);

}  // namespace tabpilot
