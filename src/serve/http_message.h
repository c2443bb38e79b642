// The HTTP request and response the serving code sees: plain structs, so the
// protocols and the router never include the HTTP library (serve/http_server
// is the one place that does).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
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

// The body of a response produced later, on another thread (a text
// generation): pieces are sent as they are written (chunked transfer
// encoding; server-sent events are such pieces) until Close(). When the
// client goes away, Write returns false and cancelled() turns true, so the
// producer can stop and free what it holds. Thread-safe.
class ResponseStream {
 public:
  // Queues `piece`; false once the client has gone (the piece is dropped).
  bool Write(std::string_view piece) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (cancelled_) return false;
    pending_.append(piece);
    if (notify_) notify_();  // under the lock: after Cancel() returns it is never called again
    return true;
  }
  // No more pieces (a second call does nothing).
  void Close() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (notify_) notify_();
  }
  bool cancelled() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return cancelled_;
  }

  // The server's side: told (on the producer's thread, quickly: it must
  // not block) when there is more; takes what was written so far and
  // whether the stream is closed; cancels when the client is gone.
  void SetNotify(std::function<void()> notify) {
    const std::lock_guard<std::mutex> lock(mutex_);
    notify_ = std::move(notify);
    if (notify_ && (!pending_.empty() || closed_)) notify_();
  }
  std::string Take(bool* closed) {
    const std::lock_guard<std::mutex> lock(mutex_);
    *closed = closed_;
    return std::exchange(pending_, std::string());
  }
  void Cancel() {
    const std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
    notify_ = nullptr;
  }

 private:
  mutable std::mutex mutex_;
  std::string pending_;
  bool closed_ = false;
  bool cancelled_ = false;
  std::function<void()> notify_;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields
  // Non-null: the body comes from this stream instead of `body`, sent with
  // chunked transfer encoding as it is written.
  std::shared_ptr<ResponseStream> stream = nullptr;
};

}  // namespace tabpilot
