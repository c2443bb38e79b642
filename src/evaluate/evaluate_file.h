// Scores a model bundle on a labelled CSV and builds the model-quality report
// (the `tabpilot evaluate` command and the pipeline's evaluate step share this).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/json.h"
#include "core/log.h"
#include "model/bundle.h"

namespace tabpilot {

struct EvaluateFileOptions {
  std::filesystem::path model;   // bundle directory
  std::filesystem::path data;    // labelled CSV (must hold the target column)
  std::filesystem::path output;  // report JSON, written atomically; empty = not written
  int threads = 1;
  Logger logger;
  BundleLoadOptions load;  // limits (also applied to the data file) and a required signature key
  // Each family's own predict instead of the compiled trees (Predictor::Options).
  bool reference = false;
};

struct EvaluateFileResult {
  Json report;          // SageMaker model-quality shape
  size_t rows = 0;      // rows scored (rows with a missing target are skipped)
  std::string section;  // "binary_classification_metrics", ... for the problem type
};

// Throws NotFound / InvalidInput (file:line for an unknown label or a
// non-numeric regression target) / IoError.
EvaluateFileResult EvaluateFile(const EvaluateFileOptions& options);

}  // namespace tabpilot
