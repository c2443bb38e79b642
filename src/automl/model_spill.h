// Candidates' fold models kept on disk instead of in memory. A search on a
// large table's sample holds every candidate it fitted until the ensemble is
// chosen, and their models grow with the candidates, not with the data: on a
// 1M-row table searched on 24,000 rows, two forests and a dozen boosters took
// 250 MB beside an 80 MB table. ModelSpill writes each model's bytes to one
// unnamed file (gone with the process, whatever ends it) and hands back a
// model that holds only their place: the bytes serve Serialize as they are,
// and the model itself is loaded the first time something predicts with it
// (the few members the ensemble keeps).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "core/log.h"
#include "learners/learner.h"

namespace tabpilot {

class ModelSpill : public std::enable_shared_from_this<ModelSpill> {
 public:
  // An unnamed file in `dir`, else in the system's temporary folder (when
  // `dir` is empty or cannot hold one). Make it with std::make_shared: each
  // model it returns keeps it, and the file, alive (into the bundle if the
  // model gets there). When no file can be made, `logger` warns once and
  // Spill keeps models in memory; so after a failed write (a full disk).
  ModelSpill(const std::filesystem::path& dir, Logger logger);
  ~ModelSpill();
  ModelSpill(const ModelSpill&) = delete;
  ModelSpill& operator=(const ModelSpill&) = delete;

  // `model` on disk: a model that reads its bytes back, which `learner`
  // loads (with `load`'s task and classes) when it first predicts. Returns
  // `model` itself when the spill cannot take it.
  std::unique_ptr<Model> Spill(std::unique_ptr<Model> model, std::shared_ptr<const Learner> learner,
                               const FitOptions& load);

  // Bytes [offset, offset + size) of the file. Throws IoError.
  std::string Read(uint64_t offset, size_t size) const;
  // Bytes written so far.
  uint64_t size() const;

 private:
  // Says once that models stay in memory from now on, and why.
  void GiveUp(const std::string& why);

  Logger logger_;
  int fd_ = -1;
  bool writing_ = true;  // false after a failed write
  std::string where_;    // the folder, for messages
  mutable std::mutex mutex_;
  uint64_t end_ = 0;
};

}  // namespace tabpilot
