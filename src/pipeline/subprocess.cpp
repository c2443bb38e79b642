#include "pipeline/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "core/error.h"

namespace tabpilot {

namespace {

// The program to exec: a name without '/' is looked up on the child's PATH
// (before fork: the child may only make async-signal-safe calls).
std::string FindProgram(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  const auto path = env.find("PATH");
  const std::string dirs = path != env.end() ? path->second : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t colon = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, colon - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  throw InvalidInput("command '" + name + "' not found on PATH");
}

// Everything the watchdog and the command need, prepared before fork.
struct Launch {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const char* dir = nullptr;  // nullptr = inherit
  int log_fd = -1;
  int pipe_read = -1;  // the watchdog's end of the lifeline
  pid_t runner = 0;
};

// The watchdog's file descriptors after it tidied up (see RunWatchdog).
constexpr int kLifelineFd = 3;

volatile sig_atomic_t g_watchdog_stop = 0;  // set by the watchdog's signal handler (its own process only)
extern "C" void WatchdogSignal(int) { g_watchdog_stop = 1; }

// The command, in the watchdog's child: its own process group, and it dies
// if the watchdog does. Only async-signal-safe calls.
[[noreturn]] void ExecCommand(const Launch& l, pid_t watchdog) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != watchdog) ::_exit(127);
  ::close(kLifelineFd);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (l.dir != nullptr && ::chdir(l.dir) != 0) ::_exit(126);
  ::execve(l.argv[0], l.argv.data(), l.envp.data());
  ::_exit(127);
}

// Kills the command's whole group, reaps the command and exits.
[[noreturn]] void KillGroupAndExit(pid_t command) {
  ::kill(-command, SIGKILL);
  ::kill(command, SIGKILL);
  int status = 0;
  while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(128 + SIGKILL);
}

// The watchdog: a child of the runner that starts the command in a new
// process group and kills that whole group when the command ends, or when
// the lifeline pipe reaches end-of-file: the runner closed it (timeout) or
// died, even by SIGKILL, since only the runner holds the write end. It exits
// with the command's status (128 + N for signal N). Runs in the child of a
// multi-threaded process: only async-signal-safe calls.
[[noreturn]] void RunWatchdog(const Launch& l) {
  // Interrupts end the command too (a Ctrl-C on the runner's terminal, or the
  // belt below: SIGTERM when the thread that started us is gone).
  struct sigaction stop {};
  stop.sa_handler = WatchdogSignal;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &stop, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != l.runner) ::_exit(128 + SIGKILL);

  // Keep only stdin (/dev/null), stdout and stderr (the log) and the
  // lifeline: other steps' lifelines, inherited from the runner, must not
  // stay open here (their watchdogs would never see end-of-file).
  const int log_fd = ::fcntl(l.log_fd, F_DUPFD, 10);
  const int lifeline = ::fcntl(l.pipe_read, F_DUPFD, 10);
  if (log_fd < 0 || lifeline < 0) ::_exit(127);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0 && null_fd != 0) {
    ::dup2(null_fd, 0);
    ::close(null_fd);
  }
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  ::dup2(lifeline, kLifelineFd);
  ::close_range(kLifelineFd + 1, ~0U, 0);

  const pid_t self = ::getpid();
  const pid_t command = ::_Fork();  // skips atfork handlers: async-signal-safe
  if (command < 0) ::_exit(127);
  if (command == 0) ExecCommand(l, self);
  ::setpgid(command, command);  // also from here, so the group exists before any kill

  // Wait for the command's exit (a pidfd, else a short poll) or the lifeline.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, command, 0));
  while (true) {
    if (g_watchdog_stop) KillGroupAndExit(command);
    pollfd fds[2] = {{kLifelineFd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    const int ready = ::poll(fds, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 20);
    if (ready < 0 && errno != EINTR) KillGroupAndExit(command);
    if (ready > 0 && fds[0].revents != 0) {
      char byte = 0;
      if (::read(kLifelineFd, &byte, 1) <= 0) KillGroupAndExit(command);  // the runner is gone or gave up
    }
    // Ended? Look without reaping, so the group's id stays ours while we kill it.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(command), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == command) {
      // What the command left running in the background ends with it.
      ::kill(-command, SIGKILL);
      int status = 0;
      while (::waitpid(command, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFEXITED(status)) ::_exit(WEXITSTATUS(status));
      ::_exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    }
  }
}

// Closes a file descriptor when it goes out of scope (the lifeline's write
// end: closing it ends the command).
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { Close(); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

}  // namespace

SubprocessResult RunSubprocess(const SubprocessOptions& options) {
  // Everything the children need is prepared before fork: between fork and
  // exec only async-signal-safe calls are allowed in a multi-threaded process.
  std::map<std::string, std::string> env;
  for (const char* name : kInheritedVariables) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<std::string> args = options.argv;
  if (args.empty()) {
    args = {"/bin/sh", "-c", options.command};
  } else {
    args[0] = FindProgram(args[0], env);
  }
  Launch launch;
  for (auto& s : env_strings) launch.envp.push_back(s.data());
  launch.envp.push_back(nullptr);
  for (std::string& a : args) launch.argv.push_back(a.data());
  launch.argv.push_back(nullptr);
  const std::string shown = options.argv.empty() ? options.command : options.argv.front();
  const std::string dir = options.working_dir.string();
  if (!dir.empty()) launch.dir = dir.c_str();
  launch.runner = ::getpid();

  const int log_fd = ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw IoError("cannot open log file " + options.log_path.string() + ": " + std::strerror(errno));
  FdCloser log_closer(log_fd);
  int lifeline[2];
  if (::pipe2(lifeline, O_CLOEXEC) != 0) throw IoError("cannot start '" + shown + "': " + std::strerror(errno));
  FdCloser read_closer(lifeline[0]);
  FdCloser write_closer(lifeline[1]);  // only this thread holds it; closing it ends the command
  launch.log_fd = log_fd;
  launch.pipe_read = lifeline[0];
  const pid_t watchdog = ::fork();
  if (watchdog < 0) throw IoError("cannot start '" + shown + "': " + std::strerror(errno));
  if (watchdog == 0) RunWatchdog(launch);
  read_closer.Close();
  log_closer.Close();

  SubprocessResult result;
  int status = 0;
  auto sleep_for = std::chrono::milliseconds(2);
  while (true) {
    const pid_t r = ::waitpid(watchdog, &status, WNOHANG);
    if (r == watchdog) break;
    if (r < 0 && errno != EINTR) throw IoError("waiting for '" + shown + "': " + std::strerror(errno));
    const bool cancelled = options.cancel != nullptr && options.cancel->load();
    if (cancelled || options.deadline.Expired()) {
      write_closer.Close();  // the watchdog kills the command's group and exits
      while (::waitpid(watchdog, &status, 0) < 0 && errno == EINTR) {
      }
      result.cancelled = cancelled;
      result.timed_out = !cancelled;
      break;
    }
    std::this_thread::sleep_for(sleep_for);
    if (sleep_for < std::chrono::milliseconds(50)) sleep_for *= 2;
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

}  // namespace tabpilot
