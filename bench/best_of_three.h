// Timing for the small bench programs: the best wall time of three runs.
#pragma once

#include <algorithm>
#include <chrono>

namespace tabpilot::bench {

// Seconds of the fastest of three calls of f().
template <class F>
double BestOfThree(F&& f) {
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace tabpilot::bench
