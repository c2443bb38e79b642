#include "learners/learner.h"

#include <algorithm>
#include <cmath>

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

std::optional<Json> RefitWithFoldsEffort(const Params& params, const Json& fold_info, const char* info_key,
                                         const char* count_param) {
  const std::optional<double> effort = MeanFoldInfo(fold_info, info_key);
  if (!effort || !(*effort > 0)) return std::nullopt;
  Json values = params.values();
  values[count_param] = std::max(1L, std::lround(*effort));
  values["early_stopping_rounds"] = 0;
  return values;
}

}  // namespace tabpilot
