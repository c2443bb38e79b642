// Helpers shared by the tests: temp folders, dataset paths, running the CLI.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tabpilot::testing {

// ../shared/datasets (or $TABPILOT_DATASETS).
std::filesystem::path DatasetsDir();

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

}  // namespace tabpilot::testing
