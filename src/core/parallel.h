// Minimal data parallelism: split [0, n) into contiguous chunks over `threads`
// std::threads. An exception thrown by `fn` is re-thrown on the calling thread
// after all workers have joined (that of the lowest chunk when several throw).
#pragma once

#include <cstddef>
#include <functional>

namespace tabpilot {

// ParallelFor with more than one worker (fn is copied into a std::function).
void ParallelForWorkers(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn);

// Calls fn(begin, end, worker_index) for contiguous chunks covering [0, n).
// threads <= 1 (or n == 1) runs inline, with no allocation (the one-row
// path relies on it). Never runs more workers than chunks.
template <typename Fn>
void ParallelFor(size_t n, int threads, Fn&& fn) {
  if (n == 0) return;
  if (threads <= 1 || n == 1) {
    fn(size_t{0}, n, 0);
    return;
  }
  ParallelForWorkers(n, threads, fn);
}

// Number of hardware threads (at least 1).
int HardwareThreads();

}  // namespace tabpilot
