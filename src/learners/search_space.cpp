#include "learners/search_space.h"

#include <cmath>

namespace tabpilot {

double UniformDraw(std::mt19937_64& rng) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }

double LogUniformDraw(std::mt19937_64& rng, double lo, double hi) {
  return std::exp(std::log(lo) + UniformDraw(rng) * (std::log(hi) - std::log(lo)));
}

}  // namespace tabpilot
