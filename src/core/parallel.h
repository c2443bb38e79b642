// Minimal data parallelism: split [0, n) into contiguous chunks over `threads`
// std::threads. Exceptions thrown by `fn` are re-thrown (the first one) on the
// calling thread after all workers have joined.
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
