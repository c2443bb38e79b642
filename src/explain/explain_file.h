// Explains a CSV with a model bundle (the `tabpilot explain` command): the
// SHAP values of every row written as a CSV, and the global report
// (shap_summary.h) as JSON, both atomically.
//
// The values CSV: one row per data row, in order; for a binary model the
// positive class's values (one column per input column, then base_value
// and prediction, in log-odds unless probability is asked for); for a
// multiclass model the same per class, columns named "<class>:<column>";
// for regression the predicted value's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/json.h"
#include "core/log.h"
#include "model/bundle.h"

namespace tabpilot {

struct ExplainFileOptions {
  std::filesystem::path model;
  std::filesystem::path data;
  std::filesystem::path output;  // the values CSV
  std::filesystem::path report;  // the global report JSON (empty: not written)
  // Background rows: a CSV with the model's input columns; empty = the
  // training rows the bundle keeps (Bundle::background_csv), or for a
  // bundle without them a sample of `background_rows` rows of `data` (seeded).
  std::filesystem::path background;
  size_t background_rows = 100;
  bool probability = false;  // classification: probabilities, not log-odds
  size_t top_columns = 5;    // dependence summaries in the report
  int orderings = 10;        // per sampled member (model_explainer.h)
  uint64_t seed = 0;
  int threads = 1;
  Logger logger;
  BundleLoadOptions load;
};

struct ExplainFileResult {
  size_t rows = 0;
  double seconds = 0;  // explaining only (not reading or writing)
  Json report;
};

// Throws NotFound / InvalidInput (a missing input column, an empty file)
// / IoError; leaves no output behind when it throws.
ExplainFileResult ExplainFile(const ExplainFileOptions& options);

}  // namespace tabpilot
