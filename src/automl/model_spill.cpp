#include "automl/model_spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace tabpilot {
namespace {

// An unnamed read-write file in `dir`: O_TMPFILE where the file system has
// it, else a named one unlinked at once. -1 when neither works.
int OpenUnnamed(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string name = (dir / "tabpilot-spill-XXXXXX").string();
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd >= 0) ::unlink(name.c_str());
  return fd;
}

// A fold model whose bytes are in a ModelSpill, loaded when first used.
class SpilledModel final : public Model {
 public:
  SpilledModel(std::shared_ptr<const ModelSpill> spill, uint64_t offset, size_t size, int num_outputs, Json info,
               std::shared_ptr<const Learner> learner, const FitOptions& load)
      : spill_(std::move(spill)),
        offset_(offset),
        size_(size),
        num_outputs_(num_outputs),
        info_(std::move(info)),
        learner_(std::move(learner)),
        load_(load) {}

  int num_outputs() const override { return num_outputs_; }
  void Predict(const Matrix& x, float* out, int threads) const override { Loaded().Predict(x, out, threads); }
  std::unique_ptr<PredictScratch> NewPredictScratch() const override { return Loaded().NewPredictScratch(); }
  void PredictWith(const Matrix& x, float* out, PredictScratch* scratch) const override {
    Loaded().PredictWith(x, out, scratch);
  }
  std::string Serialize() const override { return spill_->Read(offset_, size_); }
  Json Info() const override { return info_; }
  std::optional<LinearForm> AsLinear() const override { return Loaded().AsLinear(); }
  const FeatureSumForm* AsFeatureSum() const override { return Loaded().AsFeatureSum(); }

 private:
  const Model& Loaded() const {
    std::call_once(once_, [this] { loaded_ = learner_->Load(Serialize(), load_); });
    return *loaded_;
  }

  std::shared_ptr<const ModelSpill> spill_;
  uint64_t offset_;
  size_t size_;
  int num_outputs_;
  Json info_;
  std::shared_ptr<const Learner> learner_;
  FitOptions load_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<Model> loaded_;
};

}  // namespace

ModelSpill::ModelSpill(const std::filesystem::path& dir, Logger logger) : logger_(logger) {
  int error = 0;  // the last attempt's errno
  if (!dir.empty()) {
    fd_ = OpenUnnamed(dir);
    error = errno;
    where_ = dir.string();
  }
  if (fd_ < 0) {
    std::error_code ec;
    const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    if (ec) {
      error = ec.value();
      where_ = "the system's temporary folder";
    } else {
      fd_ = OpenUnnamed(tmp);
      error = errno;
      where_ = tmp.string();
    }
  }
  if (fd_ < 0) {
    logger_.Warn("cannot make a scratch file for the search's models in " + where_ + " (" + std::strerror(error) +
                 "): they stay in memory");
  }
}

ModelSpill::~ModelSpill() {
  if (fd_ >= 0) ::close(fd_);
}

void ModelSpill::GiveUp(const std::string& why) {
  logger_.Warn("cannot write the search's models to the scratch file in " + where_ + " (" + why +
               "): the next ones stay in memory");
  writing_ = false;  // the models already there still read theirs
}

std::unique_ptr<Model> ModelSpill::Spill(std::unique_ptr<Model> model, std::shared_ptr<const Learner> learner,
                                         const FitOptions& load) {
  const std::string bytes = model->Serialize();
  uint64_t offset = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0 || !writing_) return model;
    offset = end_;
    size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n =
          ::pwrite(fd_, bytes.data() + written, bytes.size() - written, static_cast<off_t>(offset + written));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        GiveUp(n < 0 ? std::strerror(errno) : "nothing written");
        return model;
      }
      written += static_cast<size_t>(n);
    }
    end_ += bytes.size();
  }
  return std::make_unique<SpilledModel>(shared_from_this(), offset, bytes.size(), model->num_outputs(), model->Info(),
                                        std::move(learner), load);
}

std::string ModelSpill::Read(uint64_t offset, size_t size) const {
  std::string bytes(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, bytes.data() + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoError("cannot read the search's models back from the scratch file in " + where_);
    done += static_cast<size_t>(n);
  }
  return bytes;
}

uint64_t ModelSpill::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return end_;
}

}  // namespace tabpilot
