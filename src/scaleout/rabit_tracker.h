// XGBoost 1.7's tracker (Debian's python3-xgboost: `python3 -m
// xgboost.tracker`) as a child process of rank 0: started on an address the
// other ranks can reach, it prints its port, introduces the processes of an
// XgbCollective to each other, and exits when they finish. Dies with its
// parent (PR_SET_PDEATHSIG): a rank 0 that MPI kills does not leave it
// waiting forever for workers that will never come.
#pragma once

#include <sys/types.h>

#include <string>
#include <thread>

namespace tabpilot {

// The interpreter that has Debian's xgboost package (a python3 earlier on
// PATH may not).
inline constexpr const char* kTrackerPython = "/usr/bin/python3";

class RabitTracker {
 public:
  // Starts a tracker for `workers` processes listening on `host`; waits (at
  // most `timeout_seconds`) for its port. Throws Internal with the tracker's
  // own words when it does not start (python3-xgboost missing, a bad address).
  RabitTracker(const std::string& host, int workers, double timeout_seconds = 60);
  // Waits briefly for the tracker to finish (it does once every process has
  // left the collective), then kills it.
  ~RabitTracker();
  RabitTracker(const RabitTracker&) = delete;
  RabitTracker& operator=(const RabitTracker&) = delete;

  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_ = 0;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  // Reads the tracker's log after its port so that a full pipe never stops it.
  std::thread drain_;
};

// An IPv4 address of this host the other ranks can reach rank 0 on: 127.0.0.1
// when every rank runs here (`all_local`), else the first address of an
// interface that is up and not loopback. Throws Internal when there is none.
std::string TrackerHost(bool all_local);

}  // namespace tabpilot
