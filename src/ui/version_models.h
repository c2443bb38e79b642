// The registry versions the UI has loaded to answer "try it" and per-row
// explanations: a few ServedModels (serve/served_model.h) kept by
// (group, version), the least recently used dropped past a count, with the
// bundle's background rows as text for the row picker. Thread-safe; a
// version is loaded once even when several requests ask for it at once
// (the loader holds the lock: loads are rare and each takes well under a
// second).
#pragma once

#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.h"
#include "data/csv_reader.h"
#include "serve/served_model.h"

namespace tabpilot {

class VersionModels {
 public:
  struct Loaded {
    std::shared_ptr<const ServedModel> model;
    std::vector<std::string> columns;            // background.csv's header
    std::vector<std::vector<std::string>> rows;  // its rows as text ("" = missing)
  };

  explicit VersionModels(size_t max_loaded);

  // The version at `bundle` (its artifact folder), loaded on first use.
  std::shared_ptr<const Loaded> Get(const std::string& group, int64_t version, const std::filesystem::path& bundle);

  // One row's prediction and explanation, as the API answers them:
  // {"prediction", "probabilities" (classification), "explanation": {...}}
  // (docs/ui-api.md). `row`: column -> value (strings or numbers; missing
  // columns are missing values). InvalidInput for a value that is not of
  // its column's type or a column the model does not know.
  static Json PredictRow(const ServedModel& model, const Json& row);

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Loaded> loaded;
  };
  size_t max_loaded_;
  std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
};

}  // namespace tabpilot
