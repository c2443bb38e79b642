// What the MPI tests share: an mpirun line, a background launch, and the pid
// of one rank (to kill it).
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace tabpilot::testing {

// The header line the tests put above Adult's headerless adult.data rows.
inline constexpr const char* kAdultHeader =
    "age,workclass,fnlwgt,education,education_num,marital,occupation,relationship,race,sex,gain,loss,hours,country,"
    "income\n";

// mpirun as root (CI runs as root) with more ranks than cores, every rank's
// threads free to move (the default binds each rank to one core).
inline std::string Mpirun(int ranks) {
  return "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe --bind-to none -np " +
         std::to_string(ranks) + " ";
}

// Starts `command_line` (its output to `log`) without waiting; the pid is
// mpirun's when the line starts with it.
inline pid_t StartInBackground(const std::string& command_line, const std::filesystem::path& log) {
  std::vector<std::string> argv = {"/bin/bash", "-c", "exec " + command_line + " > " + log.string() + " 2>&1"};
  std::vector<char*> c_argv;
  for (std::string& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, c_argv[0], nullptr, nullptr, c_argv.data(), environ) != 0) return -1;
  return pid;
}

// The pid of mpirun's child whose MPI rank is `rank`, or -1.
inline pid_t RankPid(pid_t mpirun, int rank) {
  namespace fs = std::filesystem;
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    bool child = false;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0) child = std::stol(line.substr(5)) == mpirun;
    }
    if (!child) continue;
    std::ifstream env(entry.path() / "environ", std::ios::binary);
    std::string var;
    while (std::getline(env, var, '\0')) {
      if (var == want) return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

// The text of `path`, or "" while it does not exist yet (a background run's log).
inline std::string LogText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Whether any process runs XGBoost's tracker.
inline bool TrackerRunning() {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
    if (text.find("xgboost.tracker") != std::string::npos) return true;
  }
  return false;
}

}  // namespace tabpilot::testing
