// The MPI task farm: rank 0 runs the search and this executor hands each fold
// fit to a worker rank as one frees up (ranks 1..N-1 run RunFoldWorker).
// A worker receives each matrix and fold assignment once (and drops the
// least recently used when it holds kWorkerHeldData of them); a job is then a
// few hundred bytes, and its outcome the fold model's bytes and its held
// rows' predictions. A worker that does not answer within its fit's time and
// a grace stops the whole job, naming its rank and host (the fit journal
// keeps what finished; train --resume continues).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "automl/fold_executor.h"
#include "core/deadline.h"
#include "core/json.h"
#include "core/log.h"
#include "scaleout/mpi_comm.h"

namespace tabpilot {

// Message tags between rank 0 and the workers.
enum FarmTag : int {
  kFarmHello = 1,  // worker -> 0: its host and hardware threads
  kFarmData,       // 0 -> worker: WireData
  kFarmTarget,     // 0 -> worker: WireTarget
  kFarmDrop,       // 0 -> worker: u8 kind (0 data, 1 target) + u64 key
  kFarmJob,        // 0 -> worker: WireJob
  kFarmOutcome,    // worker -> 0: WireOutcome
  kFarmStop,       // 0 -> worker: no more jobs
};

// Matrices (and fold assignments) a worker keeps at once.
inline constexpr size_t kWorkerHeldData = 4;

// What the farm did, for the run's record and the scale-out benchmark.
struct FarmStats {
  int workers = 0;
  size_t fits = 0;                // outcomes gathered
  double span_seconds = 0;        // from the first job sent to the last outcome gathered
  double fit_seconds = 0;         // the workers' fit times, summed
  std::vector<double> fit_times;  // each fit's, in the order gathered
  size_t job_bytes = 0;           // sent: jobs
  size_t data_bytes = 0;          // sent: matrices and fold assignments
  size_t outcome_bytes = 0;       // received
  size_t data_messages = 0;
  double send_seconds = 0;       // rank 0 sending jobs and data
  double data_send_seconds = 0;  // of which data
  double gather_seconds = 0;     // rank 0 receiving, decoding and loading outcomes
  Json ToJson() const;
};

struct FarmOptions {
  // A fit with a deadline may overrun it by this much (and by a quarter of
  // its time) before its worker counts as hung (train: FarmGraceSeconds).
  double grace_seconds = 60;
  Logger logger;
};

// The grace for a run with `time_limit_seconds`: 5 % of it, 2 to 60 s, so
// that a hung worker costs the budget little more than its fit's share.
double FarmGraceSeconds(double time_limit_seconds);

class MpiFoldFarm final : public FoldExecutor {
 public:
  // On rank 0 of `world` (size >= 2): waits for every worker's hello.
  MpiFoldFarm(MpiWorld& world, FarmOptions options);
  // Stops the workers.
  ~MpiFoldFarm() override;
  MpiFoldFarm(const MpiFoldFarm&) = delete;
  MpiFoldFarm& operator=(const MpiFoldFarm&) = delete;

  int slots() const override { return static_cast<int>(workers_.size()); }
  // The run's threads; each worker caps them at its host's hardware threads
  // shared by the workers on that host.
  int ThreadsPerJob(int /*running*/, int threads) const override { return threads; }
  bool needs_keys() const override { return true; }
  void Submit(FoldJob job) override;
  FoldOutcome Next() override;

  // "2 worker ranks on 2 hosts (a, b)" style description.
  std::string Describe() const;
  const FarmStats& stats() const { return stats_; }

 private:
  struct Worker {
    int rank = 0;
    std::string host;
    int threads = 1;  // its share of its host's hardware threads
    bool busy = false;
    FoldJob job;
    Stopwatch since;
    double limit = 0;             // seconds before it counts as hung; 0 = none
    std::deque<uint64_t> data;    // keys held, least recently used first
    std::deque<uint64_t> target;  // likewise
  };

  void Dispatch();
  void Start(Worker& w, FoldJob job);
  // Sends `key`'s payload unless `w` holds it; drops its oldest beyond kWorkerHeldData.
  void Hold(Worker& w, std::deque<uint64_t>& held, uint64_t key, int kind, const FoldJob& job);
  void CheckHung();
  // Sends to `w`, ending the job as hung when it does not take the bytes within the grace.
  void SendTo(const Worker& w, int tag, const std::string& bytes, const char* what);
  [[noreturn]] void Hung(const Worker& w, const std::string& what);

  MpiWorld& world_;
  FarmOptions options_;
  std::vector<Worker> workers_;
  std::deque<FoldJob> queued_;
  std::deque<FoldOutcome> finished_;
  int pending_ = 0;
  FarmStats stats_;
  std::optional<Stopwatch> first_sent_;
};

}  // namespace tabpilot
