// The HTTP request and response the serving code sees: plain structs, so the
// protocols and the router never include the HTTP library (serve/http_server
// is the one place that does).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tabpilot {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // the target's path, percent-decoding not applied
  std::string query;   // after '?', or empty
  // Header fields in arrival order, names in lower case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // peer address, for the access log

  // The first field named `name` (lower case), or "" when absent.
  std::string_view Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return {};
  }
  // The value of query parameter `name` (no percent-decoding), or "".
  std::string_view QueryParam(std::string_view name) const {
    std::string_view q = query;
    while (!q.empty()) {
      const size_t amp = q.find('&');
      const std::string_view pair = q.substr(0, amp);
      const size_t eq = pair.find('=');
      if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
      if (amp == std::string_view::npos) break;
      q.remove_prefix(amp + 1);
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields
};

}  // namespace tabpilot
