#include "automl/fit_journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hash.h"
#include "learners/byte_io.h"

namespace tabpilot {
namespace {

// A record longer than this is damage, not a fit.
constexpr uint32_t kMaxRecordBytes = 0xFFFFFFF0U;

std::string Errno() { return std::strerror(errno); }

}  // namespace

std::filesystem::path JournalPath(const std::filesystem::path& output) { return output / "journal" / "fits.bin"; }

uint64_t JobKey(const FoldJob& job) {
  uint64_t h = Fnv1a64(job.learner->family());
  h = Fnv1a64(job.learner->params().values().dump(), Mix64(h));
  h = Mix64(h ^ job.x_key);
  h = Mix64(h ^ job.y_key);
  h = Mix64(h ^ static_cast<uint64_t>(static_cast<int64_t>(job.fold)));
  h = Mix64(h ^ job.fit.seed);
  h = Mix64(h ^ (static_cast<uint64_t>(job.fit.task) << 32U) ^ static_cast<uint64_t>(job.fit.num_classes));
  return h;
}

FitJournal::FitJournal(std::filesystem::path path, bool resume, Logger logger)
    : path_(std::move(path)), logger_(logger) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path_, ec);
  if (!resume && exists) {
    throw InvalidInput(path_.parent_path().parent_path().string() +
                       " holds the journal of an interrupted run: add --resume to continue it, or remove the folder");
  }
  if (!exists) return;
  const std::string bytes = ReadFile(path_);
  size_t at = 0;
  while (bytes.size() - at >= 4) {
    ByteReader length(std::string_view(bytes).substr(at, 4), "journal");
    const uint32_t n = length.U32("length");
    if (n > kMaxRecordBytes || n < 8 || bytes.size() - at - 4 < n) break;  // torn: the run died writing it
    const std::string_view record = std::string_view(bytes).substr(at + 4, n);
    ByteReader key_reader(record.substr(0, 8), "journal");
    const uint64_t key = key_reader.U64("key");
    try {
      records_[key] = DecodeOutcome(record.substr(8));
    } catch (const InvalidInput&) {
      break;  // damaged: keep what came before it
    }
    at += 4 + n;
  }
}

FitJournal::~FitJournal() {
  if (fd_ >= 0) ::close(fd_);
  if (written_ > 0 || !records_.empty()) return;
  std::error_code ec;
  // remove(), not remove_all(): a folder that holds anything else (a bundle
  // written over it since) stays.
  if (fd_ >= 0) std::filesystem::remove(path_, ec);
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) std::filesystem::remove(*it, ec);
}

const WireOutcome* FitJournal::Find(uint64_t key) const {
  auto it = records_.find(key);
  return it == records_.end() ? nullptr : &it->second;
}

void FitJournal::Append(uint64_t key, const WireOutcome& outcome) {
  if (failed_) return;
  Stopwatch clock;
  const std::string body = EncodeOutcome(outcome);
  const double encoding = clock.Seconds();
  AppendEncoded(key, body);
  write_seconds_ += encoding;
}

void FitJournal::AppendEncoded(uint64_t key, std::string_view body) {
  if (failed_) return;
  Stopwatch clock;
  ByteWriter w;
  w.U32(static_cast<uint32_t>(body.size() + 8));
  w.U64(key);
  w.Raw(body.data(), body.size());
  try {
    const std::string record = w.Take();
    Write(record);
    ++written_;
    written_bytes_ += record.size();
    write_seconds_ += clock.Seconds();
  } catch (const IoError& e) {
    failed_ = true;
    logger_.Warn(std::string(e.what()) + ": fits are no longer recorded for --resume");
  }
}

void FitJournal::Write(const std::string& record) {
  if (fd_ < 0) {
    // The folders to create, outermost first, so that they can be removed again.
    std::vector<std::filesystem::path> missing;
    std::error_code ec;
    for (auto dir = path_.parent_path(); !dir.empty() && !std::filesystem::exists(dir, ec); dir = dir.parent_path()) {
      missing.insert(missing.begin(), dir);
    }
    for (const auto& dir : missing) {
      if (!std::filesystem::create_directory(dir, ec) && ec) {
        throw IoError("cannot create " + dir.string() + ": " + ec.message());
      }
      created_.push_back(dir);
    }
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError("cannot write " + path_.string() + ": " + Errno());
  }
  size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(fd_, record.data() + written, record.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError("cannot write " + path_.string() + ": " + Errno());
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd_) != 0) throw IoError("cannot write " + path_.string() + ": " + Errno());
}

void JournaledExecutor::Submit(FoldJob job) {
  const uint64_t key = JobKey(job);
  if (const WireOutcome* recorded = journal_.Find(key)) {
    WireOutcome copy = *recorded;
    copy.tag = job.tag;
    replayed_.push_back(FromWire(std::move(copy), job));
    if (replayed_.back().error.empty()) {
      journal_.CountReplay();
      return;
    }
    replayed_.pop_back();  // a record that no longer loads: fit it again
  }
  keys_[job.tag] = key;
  inner_.Submit(job);
}

FoldOutcome JournaledExecutor::Next() {
  if (!replayed_.empty()) {
    FoldOutcome out = std::move(replayed_.front());
    replayed_.pop_front();
    return out;
  }
  FoldOutcome out = inner_.Next();
  auto it = keys_.find(out.tag);
  if (it == keys_.end()) throw Internal("the journal lost track of a job");
  const uint64_t key = it->second;
  keys_.erase(it);
  if (out.error.empty()) {
    if (out.encoded.empty()) {
      journal_.Append(key, ToWire(out));
    } else {
      journal_.AppendEncoded(key, out.encoded);
    }
  }
  out.encoded.clear();
  out.encoded.shrink_to_fit();
  return out;
}

}  // namespace tabpilot
