#include "core/fork_join.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tabpilot {
namespace {

// One spin-wait step: tells the processor this is a wait loop (no memory-
// order mis-speculation on exit, the sibling hyper-thread gets the core).
inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

}  // namespace

ForkJoinTeam::ForkJoinTeam(size_t helpers, std::chrono::microseconds spin) : spin_(spin) {
  helpers_.reserve(helpers);
  for (size_t h = 0; h < helpers; ++h) helpers_.push_back(std::make_unique<Helper>());
  try {
    for (size_t h = 0; h < helpers; ++h) helpers_[h]->thread = std::thread(&ForkJoinTeam::HelperLoop, this, h + 1);
  } catch (...) {
    // A thread could not be started: stop the ones that were.
    stop_.store(true);
    { const std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
    for (auto& helper : helpers_) {
      if (helper->thread.joinable()) helper->thread.join();
    }
    throw;
  }
}

ForkJoinTeam::~ForkJoinTeam() {
  stop_.store(true);
  { const std::lock_guard<std::mutex> lock(mutex_); }
  wake_.notify_all();
  for (auto& helper : helpers_) helper->thread.join();
}

void ForkJoinTeam::RunRaw(Call call, void* ctx) {
  if (helpers_.empty()) {
    call(ctx, 0);
    return;
  }
  call_ = call;
  ctx_ = ctx;
  const uint64_t job = job_.load(std::memory_order_relaxed) + 1;
  // Sequentially consistent with the helpers' sleeping_ increment and their
  // check of job_ under the mutex: either this sees a sleeper and wakes it,
  // or the sleeper sees the job before it waits.
  job_.store(job);
  if (sleeping_.load() > 0) {
    { const std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  std::exception_ptr error;
  try {
    call(ctx, 0);
  } catch (...) {
    error = std::current_exception();
  }
  for (auto& helper : helpers_) {
    uint64_t expected = job - 1;
    if (helper->claimed.compare_exchange_strong(expected, job, std::memory_order_acq_rel)) {
      continue;  // not started: cancelled, it will skip this job
    }
    for (unsigned n = 1; helper->done.load(std::memory_order_acquire) != job; ++n) {
      Pause();
      if (n % 1024 == 0) std::this_thread::yield();  // the helper may have lost its core
    }
    if (helper->error) {
      if (!error) error = helper->error;
      helper->error = nullptr;
    }
  }
  if (error) std::rethrow_exception(error);
}

void ForkJoinTeam::HelperLoop(size_t lane) {
  Helper& self = *helpers_[lane - 1];
  uint64_t seen = 0;
  for (;;) {
    uint64_t job = job_.load(std::memory_order_acquire);
    if (job == seen && !stop_.load(std::memory_order_relaxed)) {
      const auto start = std::chrono::steady_clock::now();
      for (unsigned n = 1; (job = job_.load(std::memory_order_acquire)) == seen; ++n) {
        if (stop_.load(std::memory_order_relaxed)) break;
        Pause();
        if (n % 64 == 0 && std::chrono::steady_clock::now() - start > spin_) break;
      }
      if (job == seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleeping_.fetch_add(1);
        wake_.wait(lock, [&] { return stop_.load() || job_.load() != seen; });
        sleeping_.fetch_sub(1);
        job = job_.load(std::memory_order_acquire);
      }
    }
    if (stop_.load()) return;
    if (job == seen) continue;
    seen = job;
    // Take the job unless the caller has already cancelled it; once taken,
    // the caller waits for it, so the job's function stays valid.
    uint64_t expected = job - 1;
    if (!self.claimed.compare_exchange_strong(expected, job, std::memory_order_acq_rel)) continue;
    try {
      call_(ctx_, lane);
    } catch (...) {
      self.error = std::current_exception();
    }
    self.done.store(job, std::memory_order_release);
  }
}

}  // namespace tabpilot
