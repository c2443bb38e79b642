#include "core/parallel.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tabpilot {

int HardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelFor(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  size_t workers = static_cast<size_t>(std::max(1, threads));
  workers = std::min(workers, n);
  if (workers == 1) {
    fn(0, n, 0);
    return;
  }
  std::exception_ptr first_error;
  std::mutex mu;
  std::vector<std::thread> pool;
  pool.reserve(workers);
  size_t chunk = (n + workers - 1) / workers;
  for (size_t w = 0; w < workers; ++w) {
    size_t begin = w * chunk;
    size_t end = std::min(n, begin + chunk);
    if (begin >= end) break;
    pool.emplace_back([&, begin, end, w] {
      try {
        fn(begin, end, static_cast<int>(w));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace tabpilot
