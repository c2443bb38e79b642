#include "serve/http_answers.h"

namespace tabpilot {

HttpResponse JsonAnswer(int status, const Json& body) {
  return HttpResponse{status, "application/json", body.dump() + "\n", {}};
}
HttpResponse ErrorAnswer(int status, const std::string& message) {
  return JsonAnswer(status, Json{{"error", message}});
}

int StatusOf(const Error& e) {
  switch (e.kind()) {
    case ErrorKind::kInvalidInput:
      return 400;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kConflict:
      return 409;
    default:
      return 500;
  }
}

HttpResponse MethodNotAllowed(const HttpRequest& request, const char* allowed) {
  HttpResponse r = ErrorAnswer(405, request.method + " is not allowed on " + request.path + " (use " + allowed + ")");
  r.headers.emplace_back("Allow", allowed);
  return r;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool BearerMatches(std::string_view header, const std::string& token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() < kScheme.size() || header.substr(0, kScheme.size()) != kScheme) return false;
  const std::string_view given = header.substr(kScheme.size());
  unsigned diff = given.size() == token.size() ? 0u : 1u;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(token[i]) ^ static_cast<unsigned char>(i < given.size() ? given[i] : 0);
  }
  return diff == 0;
}

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int a = i + 2 < text.size() ? hex(text[i + 1]) : -1;
    const int b = i + 2 < text.size() ? hex(text[i + 2]) : -1;
    if (a < 0 || b < 0) throw InvalidInput("malformed percent-encoding in '" + std::string(text) + "'");
    if (a == 0 && b == 0) throw InvalidInput("a NUL byte (%00) in '" + std::string(text) + "'");
    out.push_back(static_cast<char>(a * 16 + b));
    i += 2;
  }
  return out;
}

}  // namespace tabpilot
