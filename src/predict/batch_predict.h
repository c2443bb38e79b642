// Batch transform: a CSV in, a predictions CSV out (the `tabpilot predict`
// command and the pipeline's transform step share this).
#pragma once

#include <cstddef>
#include <filesystem>

#include "core/log.h"
#include "model/bundle.h"

namespace tabpilot {

struct BatchPredictOptions {
  std::filesystem::path model;   // bundle directory
  std::filesystem::path data;    // CSV to predict
  std::filesystem::path output;  // predictions CSV, written atomically
  bool join = false;             // append the input columns to each row
  int threads = 1;
  Logger logger;
  BundleLoadOptions load;  // limits (also applied to the data file) and a required signature key
};

// Writes `predicted_label`, one `proba_<label>` per class (classification),
// then the input columns when `join`. Returns the number of rows written.
// Throws NotFound / InvalidInput / IoError naming the file.
size_t BatchPredict(const BatchPredictOptions& options);

}  // namespace tabpilot
