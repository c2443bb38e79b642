// Runs a shell command in a child process with a timeout, its stdout and
// stderr appended to a log file. The child gets its own process group, so a
// timeout kills the command and everything it started.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/deadline.h"

namespace tabpilot {

struct SubprocessOptions {
  std::string command;                       // run as /bin/sh -c COMMAND
  std::filesystem::path working_dir;         // empty = inherit
  std::map<std::string, std::string> env;    // added to (and overriding) the inherited environment
  std::filesystem::path log_path;            // stdout + stderr are appended here
  Deadline deadline = Deadline::Never();
};

struct SubprocessResult {
  int exit_code = 0;     // the command's exit status (128 + N when killed by signal N)
  bool timed_out = false;
};

// Blocks until the command ends or the deadline passes (then SIGKILLs its
// process group). Throws IoError when the process cannot be started.
// Thread-safe: may be called from several threads at once.
SubprocessResult RunSubprocess(const SubprocessOptions& options);

}  // namespace tabpilot
