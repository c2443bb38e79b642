// The MPI world this process was started in (by mpirun, or srun --mpi=pmix),
// and byte messages between its ranks. The one place that includes <mpi.h>.
//
// Messages are byte strings of any size with a tag: a 16-byte header (size,
// tag) then the bytes in chunks of at most 1 GiB (MPI counts are ints), all
// from one sender to one receiver in order. Waiting polls with short sleeps
// instead of blocking in MPI, whose progress engine spins a core: a rank that
// waits must leave its core to the ranks that fit.
//
// Only one thread of a process uses an MpiWorld (MPI_THREAD_SERIALIZED).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tabpilot {

struct MpiMessage {
  int source = -1;
  int tag = 0;
  std::string bytes;
};

class MpiWorld {
 public:
  // Whether an MPI launcher started this process (its environment names a
  // rank). Without one, tabpilot never initializes MPI and runs alone.
  static bool Launched();

  // MPI_Init_thread; throws Internal when MPI cannot start.
  MpiWorld();
  // MPI_Finalize.
  ~MpiWorld();
  MpiWorld(const MpiWorld&) = delete;
  MpiWorld& operator=(const MpiWorld&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // This rank's host (MPI_Get_processor_name).
  const std::string& host() const { return host_; }

  // Sends `bytes` to rank `dest` with `tag` (>= 0); returns once the bytes
  // may be reused: true, or false when `timeout_seconds` (if positive) passed
  // first (a receiver that stopped taking them; the job should then end).
  bool Send(int dest, int tag, std::string_view bytes, double timeout_seconds = 0);
  // A whole message from `source` (any rank when negative), if one has
  // arrived; never waits for one to arrive.
  std::optional<MpiMessage> TryReceive(int source);
  // Waits for a message from `source` (any when negative), at most
  // `timeout_seconds` (infinite when not positive): nullopt when it passed.
  std::optional<MpiMessage> Receive(int source, double timeout_seconds);
  // Rank `root`'s `bytes` on every rank (the others' argument is ignored).
  std::string Broadcast(std::string bytes, int root);
  // The sum over every rank of each value (every rank calls it at once).
  void AllreduceSum(double* values, int count);
  // Stops every rank of the job (MPI_Abort) with `code`; does not return.
  [[noreturn]] void Abort(int code);

 private:
  int rank_ = 0;
  int size_ = 1;
  std::string host_;
};

}  // namespace tabpilot
