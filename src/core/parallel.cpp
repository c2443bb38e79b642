#include "core/parallel.h"

#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

namespace tabpilot {

int HardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelForWorkers(size_t n, int threads, const std::function<void(size_t, size_t, int)>& fn) {
  if (n == 0) return;
  size_t workers = static_cast<size_t>(std::max(1, threads));
  workers = std::min(workers, n);
  if (workers == 1) {
    fn(0, n, 0);
    return;
  }
  // One slot per worker: the error re-thrown is the one of the lowest chunk,
  // whichever failed first in time.
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> pool;
  pool.reserve(workers);
  size_t chunk = (n + workers - 1) / workers;
  try {
    for (size_t w = 0; w < workers; ++w) {
      size_t begin = w * chunk;
      size_t end = std::min(n, begin + chunk);
      if (begin >= end) break;
      pool.emplace_back([&errors, &fn, begin, end, w] {
        try {
          fn(begin, end, static_cast<int>(w));
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    }
  } catch (...) {
    // A thread could not be started: let the started ones finish, then fail.
    for (auto& t : pool) t.join();
    throw;
  }
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace tabpilot
