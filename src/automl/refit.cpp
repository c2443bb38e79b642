#include "automl/refit.h"

#include <algorithm>
#include <cmath>

namespace tabpilot {
namespace {

// Mean of the integer field `key` over the folds that report it; 0 if none does.
double MeanField(const Json& fold_info, const char* key) {
  double sum = 0;
  int n = 0;
  if (!fold_info.is_array()) return 0;
  for (const Json& f : fold_info) {
    if (f.is_object() && f.contains(key) && f.at(key).is_number()) {
      sum += f.at(key).get<double>();
      ++n;
    }
  }
  return n > 0 ? sum / n : 0;
}

}  // namespace

std::optional<Json> RefitParams(const std::string& family, Json params, const Json& fold_info) {
  if (family == "xgboost") {
    const double rounds = MeanField(fold_info, "rounds");
    if (!(rounds > 0)) return std::nullopt;
    params["n_estimators"] = std::max(1, static_cast<int>(std::lround(rounds)));
    params["early_stopping_rounds"] = 0;
  } else if (family == "mlp") {
    const double epochs = MeanField(fold_info, "best_epoch");
    if (epochs > 0) params["epochs"] = std::max(1, static_cast<int>(std::lround(epochs)));
  }
  return params;
}

}  // namespace tabpilot
