// A thin C++ owner layer over the XGBoost C API. This pair of files is the only
// place that includes <xgboost/c_api.h>; everything else talks to XGBoost
// through these classes, so a version change touches one file.
//
// Every failing C call is turned into tabpilot::Internal carrying
// XGBGetLastError() (see XgbCheck). Callers that know the failure is the
// user's fault (e.g. loading corrupt bytes) translate it to InvalidInput.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tabpilot {

// Throws Internal("xgboost: <what>: <XGBGetLastError()>") when `rc` is non-zero.
void XgbCheck(int rc, const char* what);

// "1.7.4": the version of the linked library (for bundle manifests).
std::string XgbVersion();

// Owns one DMatrixHandle. Move-only. Not thread-safe: one thread at a time.
class XgbDMatrix {
 public:
  // Copies a dense row-major float32 buffer; NaN marks a missing value.
  // `threads` is used for the copy (XGBoost builds a CSR page).
  static XgbDMatrix FromDense(const float* data, size_t rows, size_t cols, int threads);
  // A quantized matrix (XGBoost's QuantileDMatrix) for training with
  // tree_method "hist": the bins of a dense row-major float32 buffer of
  // `rows` rows (NaN = missing), about one byte a cell where FromDense keeps
  // eight (and hist then adds its own bins on top). `row_list`: the buffer's
  // rows to take, in this order (a fold of a shared matrix: read in blocks of
  // 65,536 gathered rows, never copied whole), or null for all of them, read
  // in place. `types`: "q"/"c" per column, or empty (all numeric). `max_bin`
  // must be the booster's. The buffer is read during the call only. (XGBoost
  // 1.7 predicts such a matrix several times slower than FromDense's: use it
  // for training rows.)
  static XgbDMatrix Quantized(const float* data, size_t rows, size_t cols, const std::vector<size_t>* row_list,
                              const std::vector<std::string>& types, int max_bin, int threads);
  // Reads rows [begin, begin + count) into `out` (count x cols, row-major).
  using BlockReader = std::function<void(size_t begin, size_t count, std::vector<float>* out)>;
  // The same from rows read a block of 65,536 at a time by `read` (each
  // block once per pass XGBoost makes over the data, two or three passes):
  // the dense rows never exist whole. An exception `read` throws is rethrown
  // from here.
  static XgbDMatrix QuantizedFromBlocks(size_t rows, size_t cols, const BlockReader& read,
                                        const std::vector<std::string>& types, int max_bin, int threads);

  XgbDMatrix(XgbDMatrix&& other) noexcept;
  XgbDMatrix& operator=(XgbDMatrix&& other) noexcept;
  XgbDMatrix(const XgbDMatrix&) = delete;
  XgbDMatrix& operator=(const XgbDMatrix&) = delete;
  ~XgbDMatrix();

  // field: "label", "weight", "base_margin". Copies `n` values.
  void SetFloatInfo(const char* field, const float* values, size_t n);
  // field: "feature_name" or "feature_type" ("q" numeric, "c" categorical). One per column.
  void SetStrFeatureInfo(const char* field, const std::vector<std::string>& values);

  void* handle() const { return handle_; }

 private:
  explicit XgbDMatrix(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

// Owns one BoosterHandle. Move-only.
//
// Thread safety: the mutating members (SetParam, UpdateOneIter, PredictCached)
// need exclusive access. PredictDense is const and may be called from several
// threads at once once the booster is configured (XGBoost keeps the output
// buffer of in-place prediction in per-thread storage and configures itself
// under its own lock); call it once on one thread before sharing the booster
// so that the lazy configuration happens up front.
class XgbBooster {
 public:
  // A new, untrained booster whose prediction cache covers `cache` (the
  // training matrix first, then validation matrices). The matrices must outlive
  // the booster's use of them for training/prediction.
  static XgbBooster Create(const std::vector<const XgbDMatrix*>& cache);
  // Restores a booster from SaveToBuffer() bytes. Throws Internal on bad bytes.
  static XgbBooster LoadFromBuffer(std::string_view bytes);

  XgbBooster(XgbBooster&& other) noexcept;
  XgbBooster& operator=(XgbBooster&& other) noexcept;
  XgbBooster(const XgbBooster&) = delete;
  XgbBooster& operator=(const XgbBooster&) = delete;
  ~XgbBooster();

  void SetParam(const std::string& name, const std::string& value);
  // Replaces the model with SaveToBuffer() bytes (a checkpoint to continue
  // from), keeping this booster's prediction cache. Throws Internal on bad bytes.
  void LoadModel(std::string_view bytes);
  // Runs boosting round `iteration` (0-based) on `train`.
  void UpdateOneIter(int iteration, const XgbDMatrix& train);
  // Number of boosting rounds in the model.
  int BoostedRounds() const;
  // Number of input features the model was trained on.
  size_t NumFeatures() const;
  // A new booster holding rounds [begin, end) of this one.
  XgbBooster Slice(int begin, int end) const;
  // Model bytes; format is "ubj" or "json".
  std::string SaveToBuffer(const char* format) const;

  // Transformed predictions of the whole model for a matrix, written to `out`
  // (resized). Uses XGBoost's prediction cache, so for a matrix passed to
  // Create() each call only evaluates the trees added since the last call.
  void PredictCached(const XgbDMatrix& m, std::vector<float>* out);

  // In-place transformed prediction on a dense row-major float32 buffer (NaN =
  // missing), no copy of the input. Uses rounds [0, iteration_end), all when 0.
  // Writes exactly `out_size` values to `out`; throws Internal if XGBoost
  // produces a different number.
  void PredictDense(const float* data, size_t rows, size_t cols, int iteration_end, float* out, size_t out_size) const;

  // XGBoost's own TreeSHAP (pred_contribs) of the whole model for a matrix:
  // per row (and per class for multiclass) one value per feature, then the
  // bias, in margin space, written to `out` (resized). The oracle of
  // explain/'s TreeSHAP. Same thread-safety as PredictDense.
  void PredictContribs(const XgbDMatrix& m, std::vector<float>* out) const;

  void* handle() const { return handle_; }

 private:
  explicit XgbBooster(void* handle) : handle_(handle) {}
  void* handle_ = nullptr;
};

// XGBoost's own collective (Rabit in 1.7): while one is started, a booster
// built and updated on every process at once trains one model on the rows of
// all of them (the histograms are summed across processes each round). The
// tracker at `tracker_host:tracker_port` (xgboost.tracker, a separate
// process) introduces the processes to each other. Finalized on destruction.
class XgbCollective {
 public:
  // Starts this process's part; `task_id` names it to the tracker. Throws
  // Internal when it cannot, and when the tracker's world is not `world_size`
  // processes (without a reachable tracker XGBoost would train alone).
  XgbCollective(const std::string& tracker_host, int tracker_port, const std::string& task_id, int world_size,
                int timeout_seconds);
  ~XgbCollective();
  XgbCollective(const XgbCollective&) = delete;
  XgbCollective& operator=(const XgbCollective&) = delete;
  // This process's rank in the collective (the tracker's, not the launcher's).
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }

 private:
  int rank_ = 0;
  int world_size_ = 1;
};

}  // namespace tabpilot
