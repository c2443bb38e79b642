// The threads the engine's kernels run on. A generated token is some 100
// short parallel steps (each product, each attention); waking sleeping
// threads for each costs more than the step (OpenMP with the passive wait
// policy tabpilot sets for XGBoost generated GPT-2 tokens 30 % slower). So
// the workers spin between steps, and sleep (futex wait) once no step came
// for a while: busy only while a model is generating, never more threads
// than asked. The caller's thread takes part as worker 0.
//
// Thread safety: Run may be called from any thread; concurrent calls take
// turns (a mutex), so one pool serves one model's steps at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tabpilot {

class SpinPool {
 public:
  // `threads` >= 1 in all (threads - 1 workers are started).
  explicit SpinPool(int threads);
  ~SpinPool();
  SpinPool(const SpinPool&) = delete;
  SpinPool& operator=(const SpinPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs fn(index, count) on `count` threads (1 <= count <= size(); the
  // caller is index 0) and returns when every call has returned. `fn` must
  // not throw.
  void Run(int count, const std::function<void(int, int)>& fn);
  // Splits [0, n) into `count` contiguous ranges, one per thread.
  void For(int64_t n, int count, const std::function<void(int64_t, int64_t)>& body);

 private:
  void Work(int index);

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::atomic<uint64_t> epoch_{0};  // bumped for each job (and to stop)
  std::atomic<int> pending_{0};     // workers still running the current job
  std::atomic<int> sleepers_{0};    // workers in a futex wait (Run wakes them only then)
  std::atomic<bool> stop_{false};
  const std::function<void(int, int)>* job_ = nullptr;
  int job_count_ = 0;
};

}  // namespace tabpilot
