#include "scaleout/rabit_tracker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "core/deadline.h"
#include "core/error.h"

namespace tabpilot {

RabitTracker::RabitTracker(const std::string& host, int workers, double timeout_seconds) : host_(host) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw Internal(std::string("cannot start the tracker: ") + std::strerror(errno));
  const std::string count = std::to_string(workers);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw Internal(std::string("cannot start the tracker: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    // The child: dies with rank 0; its stdout and stderr go to the pipe.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execl(kTrackerPython, kTrackerPython, "-m", "xgboost.tracker", "--num-workers", count.c_str(), "--host-ip",
            host.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  out_fd_ = out[0];
  // Read its output until it names its port.
  std::string text;
  const Deadline deadline = Deadline::In(timeout_seconds);
  while (!deadline.Expired()) {
    const size_t line_end = text.find('\n', text.find("DMLC_TRACKER_PORT="));
    if (text.find("DMLC_TRACKER_PORT=") != std::string::npos && line_end != std::string::npos) {
      port_ = std::stoi(text.substr(text.find("DMLC_TRACKER_PORT=") + 18));
      drain_ = std::thread([fd = out_fd_] {
        char sink[4096];
        while (::read(fd, sink, sizeof sink) > 0) {
        }
      });
      return;
    }
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) break;  // it exited
    text.append(buf, static_cast<size_t>(n));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  std::string said = text.substr(text.size() > 600 ? text.size() - 600 : 0);
  for (char& c : said) c = c == '\n' ? ' ' : c;
  throw Internal("the XGBoost tracker (" + std::string(kTrackerPython) +
                 " -m xgboost.tracker, from python3-xgboost) did not start" + (said.empty() ? "" : ": " + said));
}

RabitTracker::~RabitTracker() {
  if (pid_ > 0) {
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  if (drain_.joinable()) drain_.join();  // the tracker is gone: its pipe is at end of file
  if (out_fd_ >= 0) ::close(out_fd_);
}

std::string TrackerHost(bool all_local) {
  if (all_local) return "127.0.0.1";
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) throw Internal("cannot list this host's addresses for the tracker");
  std::string found;
  for (ifaddrs* a = list; a != nullptr && found.empty(); a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char text[INET_ADDRSTRLEN];
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) found = text;
  }
  ::freeifaddrs(list);
  if (found.empty()) throw Internal("this host has no network address the other ranks could reach the tracker on");
  return found;
}

}  // namespace tabpilot
