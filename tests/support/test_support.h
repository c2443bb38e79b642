// Helpers shared by the tests: temp folders, dataset paths, running the CLI.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

// Defined when the tests are built with AddressSanitizer (GCC says so with
// __SANITIZE_ADDRESS__, clang with __has_feature).
#if defined(__SANITIZE_ADDRESS__)
#define TABPILOT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TABPILOT_TEST_ASAN 1
#endif
#endif

namespace tabpilot::testing {

// ../shared/datasets (or $TABPILOT_DATASETS).
std::filesystem::path DatasetsDir();

// True when $TABPILOT_ALLOW_MISSING_DATASETS is "1": the developer asked for
// tests whose shared dataset is absent to be skipped rather than failed.
bool AllowMissingDatasets();

// The message for a missing dataset file: its path, and the two variables
// that either point the tests at the datasets or allow skipping them.
std::string MissingDatasetMessage(const std::filesystem::path& path);

// Ends the current test (or SetUp) when the dataset file `path` does not
// exist: a failure by default, so a build without the datasets cannot pass
// by skipping its data-driven tests; a skip only when
// TABPILOT_ALLOW_MISSING_DATASETS=1. A macro because only the test body
// itself can return out of the test.
#define TABPILOT_REQUIRE_DATASET(file)                                                      \
  do {                                                                                      \
    const std::filesystem::path tabpilot_dataset_path_ = (file);                            \
    if (!std::filesystem::exists(tabpilot_dataset_path_)) {                                 \
      if (::tabpilot::testing::AllowMissingDatasets()) {                                    \
        GTEST_SKIP() << ::tabpilot::testing::MissingDatasetMessage(tabpilot_dataset_path_); \
      }                                                                                     \
      FAIL() << ::tabpilot::testing::MissingDatasetMessage(tabpilot_dataset_path_);         \
    }                                                                                       \
  } while (0)

// Path of the built tabpilot binary (or $TABPILOT_BINARY).
std::filesystem::path TabpilotBinary();

// A fresh temporary directory removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `content` to path()/name and returns the full path.
  std::filesystem::path Write(const std::string& name, const std::string& content) const;
  // The same, gzipped (name should end in ".gz").
  std::filesystem::path WriteGzip(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures its output and exit code.
CommandResult RunCommand(const std::string& command_line);

// Rank-based AUC (tied scores share their mean rank) of `score` against 0/1 labels.
double RankAuc(const std::vector<float>& score, const std::vector<float>& y);

// Column 1 (P(class 1)) of a row-major matrix of binary probabilities [1-p, p].
std::vector<float> PositiveColumn(const std::vector<float>& proba);

// Runs `fn` and returns the message of the InvalidInput it throws; a test
// failure (and "") when it throws nothing.
template <typename Fn>
std::string InvalidMessage(Fn&& fn) {
  try {
    fn();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected InvalidInput";
  return "";
}

}  // namespace tabpilot::testing
