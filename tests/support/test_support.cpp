#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace tabpilot::testing {
namespace fs = std::filesystem;

fs::path DatasetsDir() {
  if (const char* env = std::getenv("TABPILOT_DATASETS"); env && *env) return env;
  return TABPILOT_DATASETS_DEFAULT;
}

bool AllowMissingDatasets() {
  const char* env = std::getenv("TABPILOT_ALLOW_MISSING_DATASETS");
  return env && std::string(env) == "1";
}

std::string MissingDatasetMessage(const fs::path& path) {
  return "dataset not found: " + path.string() + "\nThe shared datasets are read from $TABPILOT_DATASETS (default " +
         std::string(TABPILOT_DATASETS_DEFAULT) +
         "). Set TABPILOT_DATASETS to the folder that holds them, or set TABPILOT_ALLOW_MISSING_DATASETS=1 "
         "to skip the tests that need them.";
}

fs::path TabpilotBinary() {
  if (const char* env = std::getenv("TABPILOT_BINARY"); env && *env) return env;
  return TABPILOT_BINARY_DEFAULT;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("tabpilot-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
                                       "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::Write(const std::string& name, const std::string& content) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + p.string());
  return p;
}

fs::path TempDir::WriteGzip(const std::string& name, const std::string& content) const {
  fs::path p = path_ / name;
  gzFile gz = gzopen(p.c_str(), "wb");
  if (!gz) throw std::runtime_error("cannot write " + p.string());
  const bool written = content.empty() || gzwrite(gz, content.data(), static_cast<unsigned>(content.size())) ==
                                              static_cast<int>(content.size());
  if (gzclose(gz) != Z_OK || !written) throw std::runtime_error("cannot write " + p.string());
  return p;
}

CommandResult RunCommand(const std::string& command_line) {
  CommandResult r;
  std::string cmd = command_line + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command_line);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

double RankAuc(const std::vector<float>& score, const std::vector<float>& y) {
  std::vector<size_t> idx(score.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, pos = 0;
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j < idx.size() && score[idx[j]] == score[idx[i]]) ++j;
    const double avg_rank = (static_cast<double>(i + j - 1) / 2.0) + 1.0;
    for (size_t k = i; k < j; ++k) {
      if (y[idx[k]] > 0.5f) {
        rank_sum += avg_rank;
        pos += 1;
      }
    }
    i = j;
  }
  const double neg = static_cast<double>(y.size()) - pos;
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

std::vector<float> PositiveColumn(const std::vector<float>& proba) {
  std::vector<float> out(proba.size() / 2);
  for (size_t r = 0; r < out.size(); ++r) out[r] = proba[2 * r + 1];
  return out;
}

}  // namespace tabpilot::testing
