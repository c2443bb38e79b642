// The HTTP/1.1 server under `tabpilot serve`: Boost.Beast over Asio, event-
// driven (no thread per connection), included nowhere else.
//
// - A fixed number of threads (Options::threads, the cores by default), each
//   running an event loop of its own (a connection stays on the one it was
//   given when accepted: no locks or hand-offs between threads), run the
//   handler too: a prediction runs on the thread that read its request, so
//   no more threads are ever busy than that number, and an idle connection
//   costs a socket and a small buffer, no thread.
// - Keep-alive; pipelined requests are read and answered in order.
// - Timeouts: a connection idle (or sending its header) longer than
//   idle_timeout, or its body longer than body_timeout, is closed, so a slow
//   client holds no thread and only its own socket. A body over
//   max_body_bytes is answered 413, a header over max_header_bytes 431, a
//   malformed request 400, each with the connection closed.
// - `Expect: 100-continue` is answered before the body is read (curl sends
//   it for bodies over 1 KiB).
// - Stop() (or SIGTERM / SIGINT once HandleSignals() was called) drains:
//   no new connections, idle ones closed, requests in flight answered (with
//   `Connection: close`), then Run returns; past drain_timeout the rest are
//   cut.
//
// The handler must be thread-safe (it is called on any of the threads at
// once); an exception it throws becomes a 500 with the message as JSON.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "serve/http_message.h"

namespace tabpilot {

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest& request)>;

  struct Options {
    std::string host = "127.0.0.1";                 // the address to bind (0.0.0.0 / :: for all)
    uint16_t port = 8080;                           // 0: a free port (port() says which)
    int threads = 1;                                // event-loop threads, the handler's too
    size_t max_body_bytes = size_t{6} << 20;        // SageMaker's real-time payload limit
    size_t max_header_bytes = size_t{16} << 10;     // request line and fields
    std::chrono::milliseconds idle_timeout{60000};  // for a request's header, keep-alive idle time included
    std::chrono::milliseconds body_timeout{30000};  // for its body, once the header is in
    std::chrono::milliseconds write_timeout{30000};
    std::chrono::milliseconds drain_timeout{30000};  // Stop(): how long requests in flight may take
  };

  // Binds and listens. IoError naming the address when it cannot (in use,
  // no permission, not an address of this host).
  HttpServer(Options options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port listened on.
  uint16_t port() const;
  // SIGTERM and SIGINT start the drain (call before Run).
  void HandleSignals();
  // Serves on options.threads threads, the caller's among them, until
  // Stop() or a handled signal, then drains and returns.
  void Run();
  // Starts the drain; thread-safe, returns at once.
  void Stop();
  // Connections open now.
  size_t open_connections() const;

 private:
  friend class HttpSession;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabpilot
