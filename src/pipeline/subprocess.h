// Runs a command in a child process with a timeout, its stdout and stderr
// appended to a log file. The child gets its own process group, which is
// killed when the command ends or times out (so nothing it started in the
// background outlives it) and when the runner dies. It sees only an
// allowlisted part of the runner's environment (kInheritedVariables) plus
// `env`: a database URL with a password, say, does not reach it.
#pragma once

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
};

struct SubprocessResult {
  int exit_code = 0;  // the command's exit status (128 + N when killed by signal N)
  bool timed_out = false;
};

// Blocks until the command ends or the deadline passes (then SIGKILLs its
// process group). Throws IoError when the process cannot be started.
// Thread-safe: may be called from several threads at once.
SubprocessResult RunSubprocess(const SubprocessOptions& options);

}  // namespace tabpilot
