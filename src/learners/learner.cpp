#include "learners/learner.h"

namespace tabpilot {

std::optional<double> MeanFoldInfo(const Json& fold_info, const char* key) {
  if (!fold_info.is_array()) return std::nullopt;
  double sum = 0;
  int n = 0;
  for (const Json& f : fold_info) {
    if (f.is_object() && f.contains(key) && f.at(key).is_number()) {
      sum += f.at(key).get<double>();
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return sum / n;
}

}  // namespace tabpilot
