// A fork-join team for work measured in microseconds: the caller and a few
// helper threads of its own run one function together, lane by lane, and
// the caller returns when every lane has.
//
// Made for the one-row path (predict/row_predictor.h), where a call lasts
// 10-60 us: starting a thread (ParallelFor) would cost more than the work.
// Helpers stay alive between calls and spin for a while (`spin`) after their
// last job, so a call that follows soon reaches them in well under a
// microsecond; past that they sleep on a condition variable and cost no CPU.
//
// A helper that has not started its lane by the time the caller has run its
// own is skipped (its lane is cancelled), so a sleeping helper never delays
// a call by its wake-up time: lanes must therefore take their work from a
// shared queue (any lane may do any item), not assume a fixed share.
//
// A team serves one caller at a time (Run is not re-entrant; use one team
// per calling thread). An exception thrown in a lane is re-thrown by Run
// after every lane has finished (the caller's own first, else the lowest
// helper's).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tabpilot {

class ForkJoinTeam {
 public:
  // `helpers` threads besides the caller's (0: Run runs inline).
  explicit ForkJoinTeam(size_t helpers, std::chrono::microseconds spin = std::chrono::microseconds(100));
  ~ForkJoinTeam();
  ForkJoinTeam(const ForkJoinTeam&) = delete;
  ForkJoinTeam& operator=(const ForkJoinTeam&) = delete;

  // Lanes a Run may use: the caller's and one per helper.
  size_t lanes() const { return helpers_.size() + 1; }

  // Calls fn(lane) on the caller (lane 0) and on each helper that starts in
  // time (lanes 1..); returns when every started lane has returned. No
  // allocation.
  template <typename Fn>
  void Run(Fn& fn) {
    RunRaw([](void* ctx, size_t lane) { (*static_cast<Fn*>(ctx))(lane); }, &fn);
  }

 private:
  using Call = void (*)(void*, size_t);
  // One helper's state, on its own cache line.
  struct alignas(64) Helper {
    // The last job the helper has taken or the caller has cancelled: a job
    // is the helper's once it moves this from job - 1 to job.
    std::atomic<uint64_t> claimed{0};
    std::atomic<uint64_t> done{0};  // the last job it has finished
    std::exception_ptr error;
    std::thread thread;
  };

  void RunRaw(Call call, void* ctx);
  void HelperLoop(size_t lane);

  std::chrono::microseconds spin_;
  alignas(64) std::atomic<uint64_t> job_{0};  // the current job's number (0: none yet)
  std::atomic<bool> stop_{false};
  std::atomic<int> sleeping_{0};
  // The current job: written by the caller before it publishes job_.
  Call call_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Helper>> helpers_;
};

}  // namespace tabpilot
