// Typed errors used throughout tabpilot. Inside the library we throw; at the
// boundaries (CLI, server) they become exit codes or HTTP status codes.
#pragma once

#include <stdexcept>
#include <string>

namespace tabpilot {

enum class ErrorKind {
  kInvalidInput,  // the user's data, flags or files are wrong (exit 2, HTTP 400)
  kNotFound,      // a named thing does not exist (exit 2, HTTP 404)
  kConflict,      // the request clashes with existing state (exit 2, HTTP 409)
  kIo,            // reading or writing a file failed (exit 1)
  kInternal,      // a bug or a library failure (exit 1, HTTP 500)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

class InvalidInput : public Error {
 public:
  explicit InvalidInput(const std::string& m) : Error(ErrorKind::kInvalidInput, m) {}
};
class NotFound : public Error {
 public:
  explicit NotFound(const std::string& m) : Error(ErrorKind::kNotFound, m) {}
};
class Conflict : public Error {
 public:
  explicit Conflict(const std::string& m) : Error(ErrorKind::kConflict, m) {}
};
class IoError : public Error {
 public:
  explicit IoError(const std::string& m) : Error(ErrorKind::kIo, m) {}
};
class Internal : public Error {
 public:
  explicit Internal(const std::string& m) : Error(ErrorKind::kInternal, m) {}
};

// Throws the error class of `kind` (InvalidInput for kInvalidInput, ...) with
// `message`: an error that crossed a thread or a process boundary as its kind
// and text is thrown again as what it was.
[[noreturn]] void ThrowAs(ErrorKind kind, const std::string& message);

// Process exit code for an error kind: 2 for the user's mistakes, 1 for ours.
int ExitCodeFor(ErrorKind kind);

// "file.csv:12: column 'age': <what>" style location prefix; empty parts are skipped.
// `row` is 1-based as a user counts lines (the header is line 1); 0 means "no row".
std::string Where(const std::string& file, size_t line, const std::string& column);

}  // namespace tabpilot
