// Wall-clock budget shared by everything a command does. Copyable value type.
#pragma once

#include <chrono>
#include <limits>

namespace tabpilot {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  // A deadline `seconds` from now; a non-positive or infinite value means "none".
  static Deadline In(double seconds) {
    Deadline d;
    if (seconds > 0 && seconds < 1e15) {
      d.end_ = d.start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
      d.bounded_ = true;
    }
    return d;
  }
  static Deadline Never() { return Deadline(); }

  bool bounded() const { return bounded_; }
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  // Seconds left; +infinity when unbounded, never negative.
  double Remaining() const {
    if (!bounded_) return std::numeric_limits<double>::infinity();
    double r = std::chrono::duration<double>(end_ - Clock::now()).count();
    return r > 0 ? r : 0.0;
  }
  bool Expired() const { return bounded_ && Clock::now() >= end_; }
  // A sub-deadline ending at min(this end, now + seconds). Zero or negative
  // seconds give a deadline that has already passed (unlike In(), where they
  // mean "none"); +infinity gives this deadline.
  Deadline Sub(double seconds) const {
    Deadline d = In(seconds);
    if (!(seconds > 0)) d.bounded_ = true;  // end_ == start_: expired now
    if (bounded_ && (!d.bounded_ || end_ < d.end_)) {
      d.end_ = end_;
      d.bounded_ = true;
    }
    return d;
  }

 private:
  Deadline() : start_(Clock::now()), end_(start_) {}
  Clock::time_point start_;
  Clock::time_point end_;
  bool bounded_ = false;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace tabpilot
