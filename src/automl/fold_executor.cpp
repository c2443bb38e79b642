#include "automl/fold_executor.h"

#include <algorithm>
#include <cstring>

#include "automl/folds.h"
#include "core/error.h"
#include "core/hash.h"

namespace tabpilot {
namespace {

size_t Outputs(const FitOptions& fit) {
  return static_cast<size_t>(fit.task == Task::kRegression ? 1 : fit.num_classes);
}

// One fit on all rows; the learner's own out-of-sample predictions are the OOF.
void FitOwnOof(const FoldJob& job, FoldOutcome* out) {
  const Matrix& x = *job.x;
  Matrix oof;
  Stopwatch clock;
  out->model = job.learner->FitWithOwnOOF(TrainData{&x, job.y, nullptr}, job.fit, &oof);
  out->fit_seconds = clock.Seconds();
  if (oof.rows != x.rows || oof.cols != Outputs(job.fit)) {
    throw Internal(job.learner->family() + ": OOF of the wrong shape");
  }
  out->held_rows.resize(x.rows);
  for (size_t r = 0; r < x.rows; ++r) out->held_rows[r] = r;
  out->pred = std::move(oof.values);
}

void FitFold(const FoldJob& job, FoldOutcome* out) {
  const Learner& learner = *job.learner;
  const Matrix& x = *job.x;
  const std::vector<float>& y = *job.y;
  std::vector<size_t> train_rows;
  SplitFold(*job.folds, job.fold, &train_rows, &out->held_rows);
  if (out->held_rows.empty() || train_rows.empty()) throw Internal("empty fold in bagging");
  // Learners that take a row view read the fold's rows from the shared
  // matrix; the others get a copy of them.
  const bool view = learner.takes_row_view();
  const Matrix x_train = view ? Matrix() : x.SelectRows(train_rows);
  const Matrix x_held = x.SelectRows(out->held_rows);
  std::vector<float> y_train, y_held;
  y_train.reserve(train_rows.size());
  y_held.reserve(out->held_rows.size());
  for (size_t r : train_rows) y_train.push_back(y[r]);
  for (size_t r : out->held_rows) y_held.push_back(y[r]);
  TrainData train = view ? TrainData{&x, &y_train, nullptr, &train_rows} : TrainData{&x_train, &y_train, nullptr};
  TrainData held{&x_held, &y_held, nullptr};
  Stopwatch clock;
  out->model = learner.Fit(train, learner.early_stops() ? &held : nullptr, job.fit);
  out->fit_seconds = clock.Seconds();
  out->pred.assign(out->held_rows.size() * Outputs(job.fit), 0.0f);
  out->model->Predict(x_held, out->pred.data(), job.fit.threads);
}

// Mixes 8-byte words of `bytes` into `h`.
uint64_t MixBytes(uint64_t h, const void* bytes, size_t n) {
  const auto* p = static_cast<const unsigned char*>(bytes);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = Mix64(h ^ w);
  }
  uint64_t tail = 0;
  if (n > i) std::memcpy(&tail, p + i, n - i);  // never memcpy from an empty vector's null data()
  return Mix64(h ^ tail ^ (static_cast<uint64_t>(n) << 56U));
}

}  // namespace

FoldOutcome RunFoldJob(const FoldJob& job) {
  FoldOutcome out;
  out.tag = job.tag;
  try {
    if (job.fold == kOwnOofFold) {
      FitOwnOof(job, &out);
    } else {
      FitFold(job, &out);
    }
  } catch (const Error& e) {
    out = FoldOutcome{};
    out.tag = job.tag;
    out.error = e.what();
    out.error_kind = e.kind();
  } catch (const std::exception& e) {
    out = FoldOutcome{};
    out.tag = job.tag;
    out.error = e.what();
  }
  if (!out.model && out.error.empty()) out.error = "fit failed";
  return out;
}

LocalFoldExecutor::LocalFoldExecutor(int slots) : slots_(std::max(1, slots)) {}

LocalFoldExecutor::~LocalFoldExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queued_.clear();
  }
  queued_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

int LocalFoldExecutor::ThreadsPerJob(int running, int threads) const {
  return std::max(1, threads / std::clamp(running, 1, slots_));
}

void LocalFoldExecutor::Submit(FoldJob job) {
  std::lock_guard<std::mutex> lock(mutex_);
  queued_.push_back(job);
  ++pending_;
  // One worker thread per job at once, up to slots_; they live until the executor does.
  if (threads_.size() < static_cast<size_t>(slots_) && threads_.size() < static_cast<size_t>(pending_)) {
    threads_.emplace_back([this] { Work(); });
  }
  queued_cv_.notify_one();
}

void LocalFoldExecutor::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    queued_cv_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (stopping_) return;
    FoldJob job = queued_.front();
    queued_.pop_front();
    lock.unlock();
    FoldOutcome out = RunFoldJob(job);
    lock.lock();
    finished_.push_back(std::move(out));
    finished_cv_.notify_all();
  }
}

FoldOutcome LocalFoldExecutor::Next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (pending_ == 0) throw Internal("LocalFoldExecutor::Next with no job submitted");
  finished_cv_.wait(lock, [&] { return !finished_.empty(); });
  FoldOutcome out = std::move(finished_.front());
  finished_.pop_front();
  --pending_;
  return out;
}

uint64_t MatrixKey(const Matrix& x, const std::vector<std::string>* names, const std::vector<size_t>* categorical) {
  uint64_t h = Mix64(x.rows * 0x9e3779b97f4a7c15ULL + x.cols);
  h = MixBytes(h, x.values.data(), x.values.size() * sizeof(float));
  if (names != nullptr) {
    for (const std::string& n : *names) h = Fnv1a64(n, Mix64(h ^ n.size()));
  }
  if (categorical != nullptr)
    h = MixBytes(Mix64(h ^ 0xca7ULL), categorical->data(), categorical->size() * sizeof(size_t));
  return h;
}

uint64_t TargetKey(const std::vector<float>& y, const std::vector<int>& folds) {
  uint64_t h = MixBytes(Mix64(y.size()), y.data(), y.size() * sizeof(float));
  return MixBytes(h, folds.data(), folds.size() * sizeof(int));
}

}  // namespace tabpilot
