#include "hub/spin_pool.h"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace tabpilot {
namespace {

// How long an idle worker spins before it sleeps: longer than the pause
// between two steps of a token (sampling included), far shorter than a
// human notices as load.
constexpr auto kSpinFor = std::chrono::milliseconds(3);

void Pause() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

}  // namespace

SpinPool::SpinPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { Work(i); });
}

SpinPool::~SpinPool() {
  stop_.store(true);
  epoch_.fetch_add(1);
  epoch_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void SpinPool::Work(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin for the next job, then sleep until one comes.
    const auto deadline = std::chrono::steady_clock::now() + kSpinFor;
    int spins = 0;
    while (epoch_.load(std::memory_order_acquire) == seen) {
      Pause();
      if (++spins % 1024 == 0 && std::chrono::steady_clock::now() > deadline) {
        // Counted before the wait, and the wait rechecks the epoch: a job
        // posted in between is never slept through.
        sleepers_.fetch_add(1);
        epoch_.wait(seen);
        sleepers_.fetch_sub(1);
      }
    }
    seen = epoch_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    if (index < job_count_) (*job_)(index, job_count_);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void SpinPool::Run(int count, const std::function<void(int, int)>& fn) {
  if (count <= 1 || workers_.empty()) {
    fn(0, 1);
    return;
  }
  const std::lock_guard<std::mutex> lock(run_mutex_);
  job_ = &fn;
  job_count_ = std::min(count, size());
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_release);
  epoch_.fetch_add(1);
  if (sleepers_.load() > 0) epoch_.notify_all();
  fn(0, job_count_);
  while (pending_.load(std::memory_order_acquire) != 0) Pause();
}

void SpinPool::For(int64_t n, int count, const std::function<void(int64_t, int64_t)>& body) {
  Run(count, [&](int index, int total) {
    const int64_t begin = n * index / total;
    const int64_t end = n * (index + 1) / total;
    if (begin < end) body(begin, end);
  });
}

}  // namespace tabpilot
