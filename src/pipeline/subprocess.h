// Runs a command in a child process with a timeout, its stdout and stderr
// appended to a log file. A watchdog process sits between the runner and the
// command: it starts the command in a process group of its own and kills the
// whole group when the command ends or times out (so nothing it started in
// the background outlives it), and when the runner dies, even by SIGKILL (it
// watches a pipe whose write end only the runner's thread holds). The command
// sees only an allowlisted part of the runner's environment
// (kInheritedVariables) plus `env`: a database URL with a password, say, does
// not reach it.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/deadline.h"

namespace tabpilot {

// Variables passed on from the runner's environment when set.
inline constexpr const char* kInheritedVariables[] = {
    "PATH",       "HOME", "USER",   "LOGNAME", "SHELL",           "LANG",           "LANGUAGE", "LC_ALL", "LC_CTYPE",
    "LC_NUMERIC", "TZ",   "TMPDIR", "TERM",    "OMP_NUM_THREADS", "OMP_WAIT_POLICY"};

struct SubprocessOptions {
  std::string command;                // run as /bin/sh -c COMMAND, when argv is empty
  std::vector<std::string> argv;      // else: the program (found on PATH without a '/') and its arguments, no shell
  std::filesystem::path working_dir;  // empty = inherit
  std::map<std::string, std::string> env;  // added to (and overriding) the inherited variables
  std::filesystem::path log_path;          // stdout + stderr are appended here
  Deadline deadline = Deadline::Never();
  // When set and it becomes true, the command is killed as on a timeout (the
  // executor abandoning a run). Borrowed: must outlive the call.
  const std::atomic<bool>* cancel = nullptr;
};

struct SubprocessResult {
  int exit_code = 0;  // the command's exit status (128 + N when killed by signal N)
  bool timed_out = false;
  bool cancelled = false;  // killed because `cancel` became true
};

// Blocks until the command ends, or the deadline passes or `cancel` becomes
// true (then its whole process group is SIGKILLed). Throws IoError when the process cannot be started.
// Thread-safe: may be called from several threads at once.
SubprocessResult RunSubprocess(const SubprocessOptions& options);

}  // namespace tabpilot
