// Minimal data parallelism: split [0, n) into contiguous chunks over `threads`
// std::threads. An exception thrown by `fn` is re-thrown on the calling thread
// after all workers have joined (that of the lowest chunk when several throw).
#pragma once

#include <cstddef>
#include <functional>

namespace tabpilot {

// Calls fn(begin, end, worker_index) for contiguous chunks covering [0, n).
// threads <= 1 runs inline. Never runs more workers than chunks.
void ParallelFor(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn);

// Number of hardware threads (at least 1).
int HardwareThreads();

}  // namespace tabpilot
