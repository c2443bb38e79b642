// Batch transform: a CSV in, a predictions CSV out (the `tabpilot predict`
// command and the pipeline's transform step share this).
//
// A CSV is streamed: read and parsed in chunks of rows (data/csv_chunk_reader.h),
// each chunk typed and predicted, then formatted and written, three stages on
// their own threads linked by short bounded queues, so memory stays flat
// whatever the file's size and reading, predicting and writing overlap. Rows
// keep their order. The output is the same bytes as predicting the whole
// file at once (the path ARFF input and `chunk_rows = 0` take).
#pragma once

#include <cstddef>
#include <filesystem>

#include "core/log.h"
#include "model/bundle.h"

namespace tabpilot {

struct BatchPredictOptions {
  // Rows per chunk by default: with one chunk per predict worker alive,
  // 1,000,000 Adult rows peak at 135 MiB with a 60-second bundle and two
  // threads, and run as fast as with 50,000-row chunks (283 MiB)
  // (docs/architecture.md, "Chunk size, by measurement").
  static constexpr size_t kDefaultChunkRows = 20000;

  std::filesystem::path model;   // bundle directory
  std::filesystem::path data;    // CSV to predict
  std::filesystem::path output;  // predictions CSV, written atomically
  bool join = false;             // append the input columns to each row
  int threads = 1;
  Logger logger;
  BundleLoadOptions load;  // limits (the per-record ones apply to the data file) and a required signature key
  // Rows per chunk (fewer for wide files); 0 = read the whole file at once.
  size_t chunk_rows = kDefaultChunkRows;
  // Each family's own predict instead of the compiled trees (Predictor::Options).
  bool reference = false;
};

// Writes `predicted_label`, one `proba_<label>` per class (classification),
// then the input columns when `join`. Returns the number of rows written.
// Throws NotFound / InvalidInput / IoError naming the file (and line); on any
// error no output file is left behind (an older one stays as it was).
size_t BatchPredict(const BatchPredictOptions& options);

}  // namespace tabpilot
