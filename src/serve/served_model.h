// A model as the server holds it: a loaded bundle behind one endpoint,
// immutable once loaded and shared by the requests that use it
// (std::shared_ptr<const ServedModel>); a new version is a new ServedModel
// swapped in whole (model_manager.h), so requests in flight finish on the
// one they started with.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/matrix.h"
#include "explain/model_explainer.h"
#include "predict/predictor.h"
#include "predict/row_predictor.h"
#include "serve/request_rows.h"

namespace tabpilot {

class ServedModel {
 public:
  struct Options {
    // Requests of at most this many rows take the one-row path row by row;
    // larger ones the batch path (a table, the compiled blocks).
    size_t row_path_rows = 16;
    // Threads per one-row call (RowPredictor): 1 when the server's threads
    // already fill the cores.
    int row_threads = 1;
    BundleLoadOptions load;
  };

  // What a loaded model says about itself (endpoint describe, /metrics,
  // the OIP metadata).
  struct Identity {
    std::string endpoint;
    std::string model;  // e.g. "AutoMLModelPackageGroup v3" or the bundle path
    int64_t generation = 0;
    std::string group;    // empty for a bundle path
    int64_t version = 0;  // 0 for a bundle path
    std::filesystem::path bundle;
  };

  // Loads the bundle (the expensive part: files, checks, compiled forests).
  // Throws what Predictor::Load throws.
  static std::shared_ptr<const ServedModel> Load(Identity identity, const Options& options);

  const Identity& identity() const { return identity_; }
  const Predictor& predictor() const { return *predictor_; }
  const Schema& input_schema() const { return predictor_->input_schema(); }
  const ProblemInfo& problem() const { return predictor_->problem(); }

  // rows x num_outputs: probabilities, or values (regression). Cells must
  // have passed CheckCellTypes. Thread-safe.
  Matrix Predict(const RequestRows& rows) const;

  // The rows' SHAP values in `scale` (explain/model_explainer.h), measured
  // from the background rows the bundle keeps; the explainer is made on the
  // first call. InvalidInput when the bundle keeps none (bundles from
  // before explanations). Thread-safe.
  Explanation Explain(const RequestRows& rows, ExplainScale scale) const;
  // The input columns, in the order of Explanation's.
  std::vector<std::string> ColumnNames() const;

 private:
  ServedModel() = default;
  // A one-row scratch for this call (reused from a pool), and its return.
  std::unique_ptr<RowScratch> TakeScratch() const;
  // The rows as a typed table (the batch path's input).
  Table RequestTable(const RequestRows& rows) const;
  void ReturnScratch(std::unique_ptr<RowScratch> scratch) const;

  Identity identity_;
  Options options_;
  std::unique_ptr<Predictor> predictor_;
  std::unique_ptr<RowPredictor> row_;
  mutable std::mutex mutex_;  // guards pool_
  mutable std::vector<std::unique_ptr<RowScratch>> pool_;
  mutable std::mutex explainer_mutex_;  // guards explainer_'s creation
  mutable std::unique_ptr<ModelExplainer> explainer_;
};

}  // namespace tabpilot
