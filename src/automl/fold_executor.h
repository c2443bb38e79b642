// Where a bag's fold fits run. FitBagged (bagging.h) submits one job per fold
// and collects the outcomes; an executor decides where each job runs: on
// threads of this process (LocalFoldExecutor), or on other processes (the MPI
// task farm in scaleout/), so the search does not know which one runs it. A
// job is idempotent: the same job gives the same model wherever it runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "data/matrix.h"
#include "learners/learner.h"

namespace tabpilot {

// The fold that stands for "one fit on all rows, whose own out-of-sample
// predictions are the OOF" (Learner::FitWithOwnOOF).
inline constexpr int kOwnOofFold = -1;

// One fold fit. The pointers are the caller's and outlive the job's outcome.
struct FoldJob {
  uint64_t tag = 0;  // the caller's: returned with the outcome
  const Learner* learner = nullptr;
  const Matrix* x = nullptr;
  const std::vector<float>* y = nullptr;
  const std::vector<int>* folds = nullptr;  // row -> fold (unused for kOwnOofFold)
  int fold = 0;                             // or kOwnOofFold
  FitOptions fit;                           // seed, threads and deadline of this fold
  // Content keys of (x, its feature names and categorical columns) and of
  // (y, folds): a remote executor sends each to a worker once; a journal
  // recognises the job by them. Zero when the executor does not need them.
  uint64_t x_key = 0;
  uint64_t y_key = 0;
};

struct FoldOutcome {
  uint64_t tag = 0;
  std::unique_ptr<Model> model;   // null when error is set
  std::vector<size_t> held_rows;  // the rows pred covers (all rows for kOwnOofFold)
  std::vector<float> pred;        // held_rows.size() x outputs
  double fit_seconds = 0;
  // Why the job failed (empty: it did not); the message of the fit's exception.
  std::string error;
  ErrorKind error_kind = ErrorKind::kInternal;
  // The outcome's EncodeOutcome bytes when it came that way (from another
  // rank): the journal records them as they are instead of encoding again.
  std::string encoded;
};

// Runs `job` here, on job.fit.threads threads; a fit's exception becomes
// FoldOutcome::error.
FoldOutcome RunFoldJob(const FoldJob& job);

class FoldExecutor {
 public:
  virtual ~FoldExecutor() = default;
  // Jobs it runs at once; more may be submitted (they wait).
  virtual int slots() const = 0;
  // Threads each job should fit on (FitOptions::threads) when `running` jobs
  // run at once here.
  virtual int ThreadsPerJob(int running, int threads) const = 0;
  // Whether jobs need FoldJob::x_key and y_key.
  virtual bool needs_keys() const { return false; }
  virtual void Submit(FoldJob job) = 0;
  // Waits for a submitted job to finish and returns its outcome (in any
  // order). Throws Internal when nothing was submitted.
  virtual FoldOutcome Next() = 0;
};

// Each job on a thread of its own, at most `slots` at once; the job's fit
// gets threads / slots threads (at least one).
class LocalFoldExecutor final : public FoldExecutor {
 public:
  explicit LocalFoldExecutor(int slots);
  ~LocalFoldExecutor() override;
  LocalFoldExecutor(const LocalFoldExecutor&) = delete;
  LocalFoldExecutor& operator=(const LocalFoldExecutor&) = delete;

  int slots() const override { return slots_; }
  int ThreadsPerJob(int running, int threads) const override;
  void Submit(FoldJob job) override;
  FoldOutcome Next() override;

 private:
  void Work();  // a worker thread: runs queued jobs until the executor stops

  const int slots_;
  std::mutex mutex_;
  std::condition_variable queued_cv_;
  std::condition_variable finished_cv_;
  std::deque<FoldJob> queued_;
  std::deque<FoldOutcome> finished_;
  std::vector<std::thread> threads_;
  int pending_ = 0;  // submitted and not yet returned by Next()
  bool stopping_ = false;
};

// A content fingerprint of a matrix with its feature names and categorical
// columns (FoldJob::x_key), and of targets with their folds (y_key).
uint64_t MatrixKey(const Matrix& x, const std::vector<std::string>* names, const std::vector<size_t>* categorical);
uint64_t TargetKey(const std::vector<float>& y, const std::vector<int>& folds);

}  // namespace tabpilot
