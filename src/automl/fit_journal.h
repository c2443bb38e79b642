// The fit journal: every finished fold fit of a training run, appended to
// <output>/journal/fits.bin as it finishes (one record per fit, fsync'd), so
// that a run stopped by a crash, a kill or a dead MPI rank loses at most the
// fits in flight. `train --resume` reads the records back and a job the
// journal holds is answered from it instead of fitted again; with the same
// data, options and seed the search then takes the same steps, and whatever
// the journal does not hold is fitted as usual. The bundle's atomic write
// replaces the folder, journal included, when the run finishes.
//
// A record: u32 length | u64 job key | WireOutcome (sealed, fold_wire.h).
// A torn last record (the process died mid-write) is dropped on reading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "automl/fold_executor.h"
#include "automl/fold_wire.h"
#include "core/log.h"

namespace tabpilot {

// The journal file of a model output folder.
std::filesystem::path JournalPath(const std::filesystem::path& output);

// What identifies a job's result: the learner's family and params, the
// content keys of its data, its fold and seed (not its threads or deadline).
uint64_t JobKey(const FoldJob& job);

class FitJournal {
 public:
  // Reads the records of `path` when `resume` (a missing file: none); without
  // `resume` the file must not exist. The file is created at the first Append.
  FitJournal(std::filesystem::path path, bool resume, Logger logger = Logger());
  // Removes the file and the folders it created when no record was written
  // (a run that failed before its first fit leaves nothing behind).
  ~FitJournal();
  FitJournal(const FitJournal&) = delete;
  FitJournal& operator=(const FitJournal&) = delete;

  // The outcome of the job with `key` recorded by an earlier run, if any
  // (what this run appends is on disk only: models can be large).
  const WireOutcome* Find(uint64_t key) const;
  // Appends and fsyncs one record. A journal that cannot be written (a full
  // disk) is not the run's failure: it warns once and records nothing more.
  void Append(uint64_t key, const WireOutcome& outcome);
  // The same for an outcome already encoded (EncodeOutcome bytes).
  void AppendEncoded(uint64_t key, std::string_view encoded);
  // Records read at the start.
  size_t size() const { return records_.size(); }
  size_t replayed() const { return replayed_; }
  // Records appended by this run, their bytes, and the seconds spent
  // encoding, writing and syncing them.
  size_t written() const { return written_; }
  size_t written_bytes() const { return written_bytes_; }
  double write_seconds() const { return write_seconds_; }
  void CountReplay() { ++replayed_; }

 private:
  void Write(const std::string& record);  // throws IoError naming the file

  std::filesystem::path path_;
  Logger logger_;
  std::map<uint64_t, WireOutcome> records_;
  int fd_ = -1;
  size_t replayed_ = 0;
  size_t written_ = 0;  // records this run appended
  size_t written_bytes_ = 0;
  double write_seconds_ = 0;
  bool failed_ = false;
  std::vector<std::filesystem::path> created_;  // folders made for the file, innermost last
};

// Runs jobs on `inner` and records each success in `journal`; a job the
// journal holds is answered from it (the model loaded from its bytes).
class JournaledExecutor final : public FoldExecutor {
 public:
  JournaledExecutor(FoldExecutor& inner, FitJournal& journal) : inner_(inner), journal_(journal) {}

  int slots() const override { return inner_.slots(); }
  int ThreadsPerJob(int running, int threads) const override { return inner_.ThreadsPerJob(running, threads); }
  bool needs_keys() const override { return true; }
  void Submit(FoldJob job) override;
  FoldOutcome Next() override;

 private:
  FoldExecutor& inner_;
  FitJournal& journal_;
  std::map<uint64_t, uint64_t> keys_;  // tag of a job in inner_ -> its key
  std::deque<FoldOutcome> replayed_;
};

}  // namespace tabpilot
