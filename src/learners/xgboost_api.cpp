#include "learners/xgboost_api.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tabpilot {
namespace {

// __array_interface__ (version 3) describing a host float32 row-major buffer.
std::string DenseArrayInterface(const float* data, size_t rows, size_t cols) {
  return "{\"data\":[" + std::to_string(reinterpret_cast<std::uintptr_t>(data)) + ",true],\"shape\":[" +
         std::to_string(rows) + "," + std::to_string(cols) + "],\"typestr\":\"<f4\",\"version\":3}";
}

// The batches a quantized matrix reads (XGQuantileDMatrixCreateFromCallback):
// the dense buffer in place as one batch, or, for a list of its rows, blocks
// of those rows gathered one at a time (XGBoost sketches the blocks into the
// same cut points as one batch). The column types are set on the proxy
// before XGBoost sketches (categorical columns are not cut into quantiles).
constexpr size_t kGatherRows = 65536;

struct DenseBatches {
  DMatrixHandle proxy = nullptr;
  const float* data = nullptr;
  size_t cols = 0;
  size_t count = 0;                                 // rows in all
  const std::vector<size_t>* rows = nullptr;        // the buffer's rows to read, or null: all, in place
  const XgbDMatrix::BlockReader* reader = nullptr;  // or: rows read a block at a time (data unused)
  const std::vector<std::string>* types = nullptr;  // "q"/"c" per column, or empty
  size_t next = 0;                                  // the next batch's first row
  std::vector<float> gathered;                      // the current block of listed rows
  std::string array;                                // the current batch's array interface
  std::string error;                                // a failed setter's message (a callback cannot throw)
  std::exception_ptr read_error;                    // what the reader threw
};

int NextDenseBatch(DataIterHandle handle) {
  auto* b = static_cast<DenseBatches*>(handle);
  if (b->next >= b->count) return 0;
  const size_t begin = b->next;
  const bool blocks = b->rows != nullptr || b->reader != nullptr;
  const size_t n = blocks ? std::min(kGatherRows, b->count - begin) : b->count;
  const float* batch = b->data;
  if (b->reader != nullptr) {
    try {
      (*b->reader)(begin, n, &b->gathered);
    } catch (...) {
      b->read_error = std::current_exception();
      return 0;
    }
    if (b->gathered.size() != n * b->cols) {
      b->error = "a block of " + std::to_string(n) + " rows read " + std::to_string(b->gathered.size()) + " values";
      return 0;
    }
    batch = b->gathered.data();
  } else if (b->rows != nullptr) {
    b->gathered.resize(n * b->cols);
    for (size_t i = 0; i < n; ++i) {
      const float* from = b->data + (*b->rows)[begin + i] * b->cols;
      std::copy(from, from + b->cols, b->gathered.data() + i * b->cols);
    }
    batch = b->gathered.data();
  }
  b->next = begin + n;
  if (!b->types->empty()) {
    std::vector<const char*> ptrs;
    ptrs.reserve(b->types->size());
    for (const std::string& t : *b->types) ptrs.push_back(t.c_str());
    if (XGDMatrixSetStrFeatureInfo(b->proxy, "feature_type", ptrs.data(), static_cast<bst_ulong>(ptrs.size())) != 0) {
      b->error = XGBGetLastError();
      return 0;
    }
  }
  b->array = DenseArrayInterface(batch, n, b->cols);
  if (XGProxyDMatrixSetDataDense(b->proxy, b->array.c_str()) != 0) {
    b->error = XGBGetLastError();
    return 0;
  }
  return 1;
}

void ResetDenseBatches(DataIterHandle handle) { static_cast<DenseBatches*>(handle)->next = 0; }

}  // namespace

void XgbCheck(int rc, const char* what) {
  if (rc != 0) {
    const char* last = XGBGetLastError();
    throw Internal(std::string("xgboost: ") + what + ": " + (last ? last : "unknown error"));
  }
}

std::string XgbVersion() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

// ---------------------------------------------------------------- XgbDMatrix

XgbDMatrix XgbDMatrix::FromDense(const float* data, size_t rows, size_t cols, int threads) {
  const std::string array = DenseArrayInterface(data, rows, cols);
  const std::string config = "{\"missing\":NaN,\"nthread\":" + std::to_string(threads < 1 ? 1 : threads) + "}";
  DMatrixHandle h = nullptr;
  XgbCheck(XGDMatrixCreateFromDense(array.c_str(), config.c_str(), &h), "creating a DMatrix");
  return XgbDMatrix(h);
}

namespace {

// XGQuantileDMatrixCreateFromCallback over `batches` (everything set but the
// proxy): the new matrix's handle, owned by the caller.
DMatrixHandle QuantizedFromBatches(DenseBatches& batches, int max_bin, int threads) {
  XgbCheck(XGProxyDMatrixCreate(&batches.proxy), "creating a proxy DMatrix");
  struct FreeProxy {
    DMatrixHandle h;
    ~FreeProxy() { XGDMatrixFree(h); }
  } const proxy{batches.proxy};  // freed on every path
  const std::string config = "{\"missing\":NaN,\"nthread\":" + std::to_string(threads < 1 ? 1 : threads) +
                             ",\"max_bin\":" + std::to_string(max_bin) + "}";
  DMatrixHandle h = nullptr;
  const int rc = XGQuantileDMatrixCreateFromCallback(&batches, batches.proxy, nullptr, ResetDenseBatches,
                                                     NextDenseBatch, config.c_str(), &h);
  if (batches.read_error || !batches.error.empty()) {
    if (h != nullptr) XGDMatrixFree(h);
    if (batches.read_error) std::rethrow_exception(batches.read_error);
    throw Internal("xgboost: setting a quantized matrix's batch: " + batches.error);
  }
  XgbCheck(rc, "creating a quantized DMatrix");
  return h;
}

}  // namespace

XgbDMatrix XgbDMatrix::Quantized(const float* data, size_t rows, size_t cols, const std::vector<size_t>* row_list,
                                 const std::vector<std::string>& types, int max_bin, int threads) {
  if (!types.empty() && types.size() != cols) throw Internal("xgboost: feature types do not match the columns");
  DenseBatches batches;
  batches.data = data;
  batches.cols = cols;
  batches.rows = row_list;
  batches.count = row_list != nullptr ? row_list->size() : rows;
  batches.types = &types;
  if (row_list != nullptr) {
    for (const size_t r : *row_list) {
      if (r >= rows) throw Internal("xgboost: a listed row lies past the buffer");
    }
  }
  return XgbDMatrix(QuantizedFromBatches(batches, max_bin, threads));
}

XgbDMatrix XgbDMatrix::QuantizedFromBlocks(size_t rows, size_t cols, const BlockReader& read,
                                           const std::vector<std::string>& types, int max_bin, int threads) {
  if (!types.empty() && types.size() != cols) throw Internal("xgboost: feature types do not match the columns");
  if (rows == 0 || cols == 0) throw Internal("xgboost: a quantized matrix needs rows and columns");
  DenseBatches batches;
  batches.cols = cols;
  batches.reader = &read;
  batches.count = rows;
  batches.types = &types;
  return XgbDMatrix(QuantizedFromBatches(batches, max_bin, threads));
}

XgbDMatrix::XgbDMatrix(XgbDMatrix&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

XgbDMatrix& XgbDMatrix::operator=(XgbDMatrix&& other) noexcept {
  if (this != &other) {
    if (handle_) XGDMatrixFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

XgbDMatrix::~XgbDMatrix() {
  if (handle_) XGDMatrixFree(handle_);
}

void XgbDMatrix::SetFloatInfo(const char* field, const float* values, size_t n) {
  XgbCheck(XGDMatrixSetFloatInfo(handle_, field, values, static_cast<bst_ulong>(n)), field);
}

void XgbDMatrix::SetStrFeatureInfo(const char* field, const std::vector<std::string>& values) {
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  XgbCheck(XGDMatrixSetStrFeatureInfo(handle_, field, ptrs.data(), static_cast<bst_ulong>(ptrs.size())), field);
}

// ---------------------------------------------------------------- XgbBooster

XgbBooster XgbBooster::Create(const std::vector<const XgbDMatrix*>& cache) {
  std::vector<DMatrixHandle> handles;
  handles.reserve(cache.size());
  for (const XgbDMatrix* m : cache) handles.push_back(m->handle());
  BoosterHandle h = nullptr;
  XgbCheck(XGBoosterCreate(handles.data(), static_cast<bst_ulong>(handles.size()), &h), "creating a booster");
  return XgbBooster(h);
}

XgbBooster XgbBooster::LoadFromBuffer(std::string_view bytes) {
  BoosterHandle h = nullptr;
  XgbCheck(XGBoosterCreate(nullptr, 0, &h), "creating a booster");
  XgbBooster booster(h);
  XgbCheck(XGBoosterLoadModelFromBuffer(h, bytes.data(), static_cast<bst_ulong>(bytes.size())), "loading a model");
  return booster;
}

XgbBooster::XgbBooster(XgbBooster&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

XgbBooster& XgbBooster::operator=(XgbBooster&& other) noexcept {
  if (this != &other) {
    if (handle_) XGBoosterFree(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

XgbBooster::~XgbBooster() {
  if (handle_) XGBoosterFree(handle_);
}

void XgbBooster::SetParam(const std::string& name, const std::string& value) {
  XgbCheck(XGBoosterSetParam(handle_, name.c_str(), value.c_str()), ("setting parameter " + name).c_str());
}

void XgbBooster::LoadModel(std::string_view bytes) {
  XgbCheck(XGBoosterLoadModelFromBuffer(handle_, bytes.data(), static_cast<bst_ulong>(bytes.size())),
           "loading a checkpoint");
}

void XgbBooster::UpdateOneIter(int iteration, const XgbDMatrix& train) {
  XgbCheck(XGBoosterUpdateOneIter(handle_, iteration, train.handle()), "boosting");
}

int XgbBooster::BoostedRounds() const {
  int rounds = 0;
  XgbCheck(XGBoosterBoostedRounds(handle_, &rounds), "counting rounds");
  return rounds;
}

size_t XgbBooster::NumFeatures() const {
  bst_ulong n = 0;
  XgbCheck(XGBoosterGetNumFeature(handle_, &n), "counting features");
  return static_cast<size_t>(n);
}

XgbBooster XgbBooster::Slice(int begin, int end) const {
  BoosterHandle out = nullptr;
  int rc = XGBoosterSlice(handle_, begin, end, 1, &out);
  if (rc == -2)
    throw Internal("xgboost: slice [" + std::to_string(begin) + ", " + std::to_string(end) + ") is out of bounds");
  XgbCheck(rc, "slicing a model");
  return XgbBooster(out);
}

std::string XgbBooster::SaveToBuffer(const char* format) const {
  const std::string config = std::string("{\"format\":\"") + format + "\"}";
  bst_ulong len = 0;
  const char* data = nullptr;
  XgbCheck(XGBoosterSaveModelToBuffer(handle_, config.c_str(), &len, &data), "saving a model");
  return std::string(data, static_cast<size_t>(len));
}

namespace {

// XGBoosterPredictFromDMatrix with `config` (its prediction type), the
// whole result copied into out.
void PredictFromDMatrix(BoosterHandle booster, DMatrixHandle m, const char* config, const char* what,
                        std::vector<float>* out) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  XgbCheck(XGBoosterPredictFromDMatrix(booster, m, config, &shape, &dim, &result), what);
  size_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= static_cast<size_t>(shape[i]);
  out->assign(result, result + n);
}

}  // namespace

void XgbBooster::PredictCached(const XgbDMatrix& m, std::vector<float>* out) {
  static constexpr char kConfig[] =
      "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
  PredictFromDMatrix(handle_, m.handle(), kConfig, "predicting", out);
}

void XgbBooster::PredictContribs(const XgbDMatrix& m, std::vector<float>* out) const {
  static constexpr char kConfig[] =
      "{\"type\":2,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}";
  PredictFromDMatrix(handle_, m.handle(), kConfig, "predicting contribs", out);
}

void XgbBooster::PredictDense(const float* data, size_t rows, size_t cols, int iteration_end, float* out,
                              size_t out_size) const {
  const std::string array = DenseArrayInterface(data, rows, cols);
  const std::string config =
      "{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":" + std::to_string(iteration_end) +
      ",\"strict_shape\":false,\"cache_id\":0,\"missing\":NaN}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  XgbCheck(XGBoosterPredictFromDense(handle_, array.c_str(), config.c_str(), nullptr, &shape, &dim, &result),
           "predicting");
  size_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) n *= static_cast<size_t>(shape[i]);
  if (n != out_size) {
    throw Internal("xgboost: prediction returned " + std::to_string(n) + " values, expected " +
                   std::to_string(out_size));
  }
  std::copy(result, result + n, out);
}

XgbCollective::XgbCollective(const std::string& tracker_host, int tracker_port, const std::string& task_id,
                             int world_size, int timeout_seconds) {
  // XGBoost 1.7's keys (2.1 renames them dmlc_*).
  const Json config{{"xgboost_communicator", "rabit"},
                    {"DMLC_TRACKER_URI", tracker_host},
                    {"DMLC_TRACKER_PORT", std::to_string(tracker_port)},
                    {"DMLC_TASK_ID", task_id},
                    {"rabit_timeout", "1"},
                    {"rabit_timeout_sec", std::to_string(timeout_seconds)}};
  XgbCheck(XGCommunicatorInit(config.dump().c_str()), "starting the collective");
  rank_ = XGCommunicatorGetRank();
  world_size_ = XGCommunicatorGetWorldSize();
  if (world_size_ != world_size || XGCommunicatorIsDistributed() == 0) {
    XGCommunicatorFinalize();
    throw Internal("xgboost: the collective has " + std::to_string(world_size_) + " process(es), not " +
                   std::to_string(world_size) + " (is the tracker at " + tracker_host + ":" +
                   std::to_string(tracker_port) + " reachable?)");
  }
}

XgbCollective::~XgbCollective() { XGCommunicatorFinalize(); }

}  // namespace tabpilot
