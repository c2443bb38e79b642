#include "scaleout/mpi_comm.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/deadline.h"
#include "core/error.h"

namespace tabpilot {
namespace {

// Chunks follow their header with this tag; user tags are below it.
constexpr int kChunkTag = 30000;
constexpr size_t kChunkBytes = size_t{1} << 30;

void Check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Internal(std::string("MPI: ") + what + ": " + std::string(text, static_cast<size_t>(len)));
}

// The sleep between polls grows from 20 us to 2 ms while nothing arrives:
// a quick answer is seen at once, a long wait costs next to no CPU.
class Backoff {
 public:
  void Wait() {
    std::this_thread::sleep_for(std::chrono::microseconds(us_));
    us_ = std::min(us_ * 2, 2000);
  }

 private:
  int us_ = 20;
};

}  // namespace

bool MpiWorld::Launched() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(var) != nullptr) return true;
  }
  return false;
}

MpiWorld::MpiWorld() {
  int provided = 0;
  Check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "init");
  Check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "rank");
  Check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "size");
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  if (MPI_Get_processor_name(name, &len) == MPI_SUCCESS) host_.assign(name, static_cast<size_t>(len));
}

MpiWorld::~MpiWorld() { MPI_Finalize(); }

bool MpiWorld::Send(int dest, int tag, std::string_view bytes, double timeout_seconds) {
  if (tag < 0 || tag >= kChunkTag) throw Internal("MPI: tag out of range");
  const Deadline deadline = Deadline::In(timeout_seconds);
  uint64_t header[2] = {bytes.size(), static_cast<uint64_t>(tag)};
  Check(MPI_Send(header, 2, MPI_UINT64_T, dest, tag, MPI_COMM_WORLD), "send");
  for (size_t at = 0; at < bytes.size(); at += kChunkBytes) {
    const size_t n = std::min(kChunkBytes, bytes.size() - at);
    // MPI_Isend takes a non-const buffer in old bindings; it does not write to it.
    MPI_Request request;
    Check(MPI_Isend(const_cast<char*>(bytes.data() + at), static_cast<int>(n), MPI_BYTE, dest, kChunkTag,
                    MPI_COMM_WORLD, &request),
          "send");
    Backoff backoff;
    for (int done = 0;;) {
      Check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "send");
      if (done) break;
      if (deadline.Expired()) return false;
      backoff.Wait();
    }
  }
  return true;
}

std::optional<MpiMessage> MpiWorld::TryReceive(int source) {
  int flag = 0;
  MPI_Status status;
  const int from = source < 0 ? MPI_ANY_SOURCE : source;
  // Any tag but the chunks': a header.
  for (;;) {
    Check(MPI_Iprobe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "probe");
    if (!flag) return std::nullopt;
    if (status.MPI_TAG != kChunkTag) break;
    // A chunk is only ever probed here after its header was received; never first.
    throw Internal("MPI: a message chunk without its header");
  }
  MpiMessage message;
  message.source = status.MPI_SOURCE;
  uint64_t header[2] = {0, 0};
  Check(MPI_Recv(header, 2, MPI_UINT64_T, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "receive");
  message.tag = static_cast<int>(header[1]);
  message.bytes.resize(header[0]);
  for (size_t at = 0; at < message.bytes.size(); at += kChunkBytes) {
    const size_t n = std::min(kChunkBytes, message.bytes.size() - at);
    MPI_Request request;
    Check(MPI_Irecv(message.bytes.data() + at, static_cast<int>(n), MPI_BYTE, message.source, kChunkTag, MPI_COMM_WORLD,
                    &request),
          "receive");
    Backoff backoff;
    for (int done = 0;;) {
      Check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "receive");
      if (done) break;
      backoff.Wait();
    }
  }
  return message;
}

std::optional<MpiMessage> MpiWorld::Receive(int source, double timeout_seconds) {
  const Deadline deadline = Deadline::In(timeout_seconds);
  Backoff backoff;
  for (;;) {
    if (auto m = TryReceive(source)) return m;
    if (deadline.Expired()) return std::nullopt;
    backoff.Wait();
  }
}

std::string MpiWorld::Broadcast(std::string bytes, int root) {
  // Byte strings of any size through the chunked messages; each rank's copy comes from root.
  constexpr int kBroadcastTag = 29999;
  if (rank_ == root) {
    for (int r = 0; r < size_; ++r) {
      if (r != root) Send(r, kBroadcastTag, bytes);
    }
    return bytes;
  }
  for (;;) {
    std::optional<MpiMessage> m = Receive(root, 0);
    if (m && m->tag == kBroadcastTag) return std::move(m->bytes);
    if (m)
      throw Internal("MPI: rank " + std::to_string(root) + " sent tag " + std::to_string(m->tag) +
                     " during a broadcast");
  }
}

void MpiWorld::AllreduceSum(double* values, int count) {
  Check(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "allreduce");
}

void MpiWorld::Abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

}  // namespace tabpilot
