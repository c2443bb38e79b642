// Median imputation + standardization of one numeric quantity, fitted on
// training values; used by every kDense transform that emits numbers.
#pragma once

#include <vector>

#include "core/json.h"

namespace tabpilot {

struct DenseScaler {
  double median = 0;  // replaces missing values
  double mean = 0;
  double sd = 1;    // never 0: a constant training column keeps sd = 1
  double clip = 0;  // |result| is clipped to this; 0 = no clipping

  // Fits on the non-NaN entries of `values` (all NaN -> median 0, mean 0, sd 1).
  static DenseScaler Fit(const std::vector<double>& values, double clip_sd);
  // The standardized value; NaN is imputed with the median first.
  float Apply(double value) const;

  Json ToJson() const;
  // Throws InvalidInput on missing fields or sd <= 0.
  static DenseScaler FromJson(const Json& j);
};

}  // namespace tabpilot
