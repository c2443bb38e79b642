#include "scaleout/mpi_farm.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>

#include "automl/fold_wire.h"
#include "core/error.h"
#include "learners/byte_io.h"

namespace tabpilot {
namespace {

// How long rank 0 waits for the workers' hellos (MPI starts them together).
constexpr double kHelloSeconds = 120;

}  // namespace

double FarmGraceSeconds(double time_limit_seconds) { return std::clamp(0.05 * time_limit_seconds, 2.0, 60.0); }

MpiFoldFarm::MpiFoldFarm(MpiWorld& world, FarmOptions options) : world_(world), options_(options) {
  if (world_.rank() != 0 || world_.size() < 2) throw Internal("the task farm runs on rank 0 of two ranks or more");
  std::map<std::string, int> per_host;
  for (int r = 1; r < world_.size(); ++r) {
    std::optional<MpiMessage> m = world_.Receive(r, kHelloSeconds);
    if (!m) throw Internal("rank " + std::to_string(r) + " did not start within " + FormatSeconds(kHelloSeconds));
    if (m->tag != kFarmHello) throw Internal("rank " + std::to_string(r) + " sent something other than its hello");
    ByteReader reader(m->bytes, "damaged hello");
    Worker w;
    w.rank = r;
    const uint32_t host_bytes = reader.U32("host");
    w.host = std::string(reader.Raw(host_bytes, "host"));
    w.threads = std::max(1, static_cast<int>(reader.U32("threads")));
    ++per_host[w.host];
    workers_.push_back(std::move(w));
  }
  for (Worker& w : workers_) w.threads = std::max(1, w.threads / per_host[w.host]);
  stats_.workers = static_cast<int>(workers_.size());
}

MpiFoldFarm::~MpiFoldFarm() {
  for (const Worker& w : workers_) {
    try {
      world_.Send(w.rank, kFarmStop, {});
    } catch (const std::exception&) {  // the job is ending anyway
    }
  }
}

Json FarmStats::ToJson() const {
  return Json{{"workers", workers},
              {"fits", fits},
              {"span_seconds", span_seconds},
              {"fit_seconds", fit_seconds},
              {"fit_times", fit_times},
              {"job_bytes", job_bytes},
              {"data_bytes", data_bytes},
              {"data_messages", data_messages},
              {"outcome_bytes", outcome_bytes},
              {"send_seconds", send_seconds},
              {"data_send_seconds", data_send_seconds},
              {"gather_seconds", gather_seconds}};
}

std::string MpiFoldFarm::Describe() const {
  std::set<std::string> hosts;
  for (const Worker& w : workers_) hosts.insert(w.host);
  std::string names;
  for (const std::string& h : hosts) names += (names.empty() ? "" : ", ") + h;
  return std::to_string(workers_.size()) + " worker rank(s) on " + std::to_string(hosts.size()) + " host(s) (" + names +
         "), " + std::to_string(workers_.front().threads) + " thread(s) each";
}

void MpiFoldFarm::Submit(FoldJob job) {
  if (job.x_key == 0 && job.y_key == 0) throw Internal("a farmed job without its data keys");
  queued_.push_back(job);
  ++pending_;
  Dispatch();
}

void MpiFoldFarm::Dispatch() {
  for (Worker& w : workers_) {
    if (queued_.empty()) return;
    if (w.busy) continue;
    FoldJob job = queued_.front();
    queued_.pop_front();
    Start(w, job);
  }
}

void MpiFoldFarm::Hold(Worker& w, std::deque<uint64_t>& held, uint64_t key, int kind, const FoldJob& job) {
  auto it = std::find(held.begin(), held.end(), key);
  if (it != held.end()) {
    held.erase(it);
    held.push_back(key);
    return;
  }
  if (held.size() >= kWorkerHeldData) {
    ByteWriter drop;
    drop.U8(static_cast<uint8_t>(kind));
    drop.U64(held.front());
    SendTo(w, kFarmDrop, drop.Take(), "a drop message");
    held.pop_front();
  }
  Stopwatch clock;
  std::string bytes;
  if (kind == 0) {
    WireData data;
    data.key = key;
    data.x = *job.x;
    if (job.fit.feature_names != nullptr) data.names = *job.fit.feature_names;
    if (job.fit.categorical_features != nullptr) data.categorical = *job.fit.categorical_features;
    bytes = EncodeData(data);
  } else {
    WireTarget target;
    target.key = key;
    target.y = *job.y;
    if (job.fold != kOwnOofFold) target.folds = *job.folds;
    bytes = EncodeTarget(target);
  }
  SendTo(w, kind == 0 ? kFarmData : kFarmTarget, bytes, kind == 0 ? "a matrix" : "the targets");
  stats_.data_bytes += bytes.size();
  ++stats_.data_messages;
  stats_.data_send_seconds += clock.Seconds();
  stats_.send_seconds += clock.Seconds();
  held.push_back(key);
}

void MpiFoldFarm::Start(Worker& w, FoldJob job) {
  if (!first_sent_) first_sent_.emplace();
  Hold(w, w.data, job.x_key, 0, job);
  Hold(w, w.target, job.y_key, 1, job);
  Stopwatch clock;
  WireJob wire = ToWire(job);
  wire.threads = std::min(wire.threads, w.threads);
  const std::string bytes = EncodeJob(wire);
  SendTo(w, kFarmJob, bytes, "a job");
  stats_.job_bytes += bytes.size();
  stats_.send_seconds += clock.Seconds();
  w.limit = wire.seconds >= 0 ? wire.seconds * 1.25 + options_.grace_seconds : 0;
  w.since = Stopwatch();
  w.busy = true;
  w.job = job;
}

void MpiFoldFarm::SendTo(const Worker& w, int tag, const std::string& bytes, const char* what) {
  if (!world_.Send(w.rank, tag, bytes, options_.grace_seconds)) {
    Hung(w, std::string("did not take ") + what + " within " + FormatSeconds(options_.grace_seconds));
  }
}

void MpiFoldFarm::Hung(const Worker& w, const std::string& what) {
  // The one line a failed command prints (cli/main.cpp's form): MPI_Abort ends this process now.
  std::cerr << "error: rank " << w.rank << " on " << w.host << " " << what
            << "; stopping the job (train --resume continues it)" << std::endl;
  world_.Abort(1);
}

void MpiFoldFarm::CheckHung() {
  for (const Worker& w : workers_) {
    if (!w.busy || w.limit <= 0 || w.since.Seconds() <= w.limit) continue;
    Hung(w, "did not return fold " + std::to_string(w.job.fold) + " of " + w.job.learner->family() + " within " +
                FormatSeconds(w.limit));
  }
}

FoldOutcome MpiFoldFarm::Next() {
  for (;;) {
    if (!finished_.empty()) {
      FoldOutcome out = std::move(finished_.front());
      finished_.pop_front();
      --pending_;
      return out;
    }
    if (pending_ == 0) throw Internal("MpiFoldFarm::Next with no job submitted");
    std::optional<MpiMessage> m = world_.Receive(-1, 0.5);
    if (!m) {
      CheckHung();
      continue;
    }
    // Timed from the message's arrival: the wait before it is the fit's.
    Stopwatch clock;
    auto it = std::find_if(workers_.begin(), workers_.end(), [&](const Worker& w) { return w.rank == m->source; });
    if (m->tag != kFarmOutcome || it == workers_.end() || !it->busy) {
      throw Internal("rank " + std::to_string(m->source) + " sent an unexpected message (tag " +
                     std::to_string(m->tag) + ")");
    }
    Worker& w = *it;
    w.busy = false;
    WireOutcome wire = DecodeOutcome(m->bytes);
    if (wire.tag != w.job.tag) throw Internal("rank " + std::to_string(w.rank) + " answered another job");
    if (!wire.error.empty()) wire.error += " (on rank " + std::to_string(w.rank) + ", " + w.host + ")";
    stats_.outcome_bytes += m->bytes.size();
    stats_.fit_seconds += wire.fit_seconds;
    stats_.fit_times.push_back(wire.fit_seconds);
    ++stats_.fits;
    finished_.push_back(FromWire(std::move(wire), w.job));
    if (finished_.back().error.empty()) finished_.back().encoded = std::move(m->bytes);
    stats_.gather_seconds += clock.Seconds();
    stats_.span_seconds = first_sent_->Seconds();
    Dispatch();
  }
}

}  // namespace tabpilot
