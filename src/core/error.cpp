#include "core/error.h"

namespace tabpilot {

int ExitCodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidInput:
    case ErrorKind::kNotFound:
    case ErrorKind::kConflict:
      return 2;
    case ErrorKind::kIo:
    case ErrorKind::kInternal:
      return 1;
  }
  return 1;
}

std::string Where(const std::string& file, size_t line, const std::string& column) {
  std::string out = file;
  if (line > 0) out += (out.empty() ? "line " : ":") + std::to_string(line);
  if (!column.empty()) out += std::string(out.empty() ? "" : ": ") + "column '" + column + "'";
  return out;
}

void ThrowAs(ErrorKind kind, const std::string& message) {
  switch (kind) {
    case ErrorKind::kInvalidInput:
      throw InvalidInput(message);
    case ErrorKind::kNotFound:
      throw NotFound(message);
    case ErrorKind::kConflict:
      throw Conflict(message);
    case ErrorKind::kIo:
      throw IoError(message);
    case ErrorKind::kInternal:
      break;
  }
  throw Internal(message);
}

}  // namespace tabpilot
