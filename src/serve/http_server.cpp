#include "serve/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tabpilot {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ErrorCode = beast::error_code;

std::string LowerCase(boost::beast::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ErrorBody(const std::string& message) { return Json{{"error", message}}.dump() + "\n"; }

}  // namespace

class HttpSession;

struct HttpServer::Impl {
  Impl(Options o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        contexts(MakeContexts(options.threads)),
        acceptor(*contexts[0]),
        signals(*contexts[0]),
        drain_timer(*contexts[0]),
        accept_timer(*contexts[0]) {
    for (auto& context : contexts) work.push_back(net::make_work_guard(*context));
  }

  // One event loop per thread, each run by one thread (no locks between
  // them): a connection lives on one, taken in turn as they are accepted.
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int threads) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (int t = 0; t < std::max(1, threads); ++t) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  void Accept();
  void BeginDrain();
  void Register(HttpSession* session, const std::shared_ptr<HttpSession>& self);
  void Unregister(HttpSession* session);

  // Destroying the loops destroys the sessions still queued in them (after a
  // drain cut short), and a session's destructor unregisters: what it
  // touches is declared before the loops, so it outlives them.
  ~Impl() { closing.store(true); }

  Options options;
  Handler handler;
  mutable std::mutex mutex;  // guards sessions
  std::unordered_map<HttpSession*, std::weak_ptr<HttpSession>> sessions;
  // Set as soon as a stop is asked (answers in flight on any thread then say
  // `Connection: close`); the drain itself runs on contexts[0].
  std::atomic<bool> draining{false};
  std::atomic<bool> closing{false};  // the loops are being destroyed: post nothing
  std::vector<std::unique_ptr<net::io_context>> contexts;
  // The acceptor, the signals, the drain and its timer live on contexts[0]
  // (one thread: accepting and the drain never run at once).
  tcp::acceptor acceptor;
  net::signal_set signals;
  net::steady_timer drain_timer;
  // Out of file descriptors (EMFILE), accepting again at once would spin:
  // the accept loop waits on this timer first.
  net::steady_timer accept_timer;
  size_t next_context = 0;  // the accept loop's turn
  // Keep the threads in run() while their loops are momentarily idle;
  // released by the drain.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  bool drain_started = false;  // contexts[0] only
  uint16_t port = 0;
};

// One connection: reads requests one after another on its event loop.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, HttpServer::Impl& server) : stream_(std::move(socket)), server_(server) {
    ErrorCode ec;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  }
  ~HttpSession() { server_.Unregister(this); }

  void Start() {
    server_.Register(this, shared_from_this());
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::ReadHeader, shared_from_this()));
  }

  // After the event loops stopped: a stream still open is cancelled (its
  // producer stops and never wakes a loop that is gone), which also lets
  // the session go.
  void AbandonStream() {
    if (body_) body_->Cancel();
    body_.reset();
  }

  // The drain: an idle connection is closed now, a busy one after its answer.
  void Drain() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->Close();
    });
  }

 private:
  void ReadHeader() {
    busy_ = false;
    if (server_.draining.load()) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(std::min<size_t>(server_.options.max_header_bytes, UINT32_MAX)));
    stream_.expires_after(server_.options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
  }

  void OnHeader(ErrorCode ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    busy_ = true;
    stream_.expires_after(server_.options.body_timeout);
    const auto& req = parser_->get();
    if (LowerCase(req[http::field::expect]) == "100-continue" && !parser_->is_done()) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont, [self = shared_from_this(), cont](ErrorCode wec, size_t) {
        if (wec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnReadError(ErrorCode ec) {
    if (ec == http::error::body_limit) {
      return Fail(http::status::payload_too_large,
                  "the request body is over the limit of " + std::to_string(server_.options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return Fail(http::status::request_header_fields_too_large, "the request header is too large");
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Fail(http::status::bad_request, "malformed HTTP request: " + ec.message());
    }
    Close();  // end of stream, timeout, reset, drain
  }

  // Answers an error and closes the connection.
  void Fail(http::status status, const std::string& message) {
    busy_ = true;
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    res->set(http::field::content_type, "application/json");
    res->keep_alive(false);
    res->body() = ErrorBody(message);
    res->prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](ErrorCode, size_t) { self->Close(); });
  }

  void OnRead(ErrorCode ec, size_t /*bytes*/) {
    if (ec) return OnReadError(ec);
    http::request<http::string_body> req = parser_->release();
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    const size_t q = request.target.find('?');
    request.path = request.target.substr(0, q);
    if (q != std::string::npos) request.query = request.target.substr(q + 1);
    for (const auto& field : req)
      request.headers.emplace_back(LowerCase(field.name_string()), std::string(field.value()));
    request.body = std::move(req.body());
    request.remote = remote_;
    HttpResponse response;
    try {
      response = server_.handler(request);
    } catch (const std::exception& e) {
      response = HttpResponse{500, "application/json", ErrorBody(e.what()), {}};
    }
    if (response.stream) return StartStream(req, std::move(response));
    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<unsigned>(response.status));
    res_.set(http::field::server, "tabpilot");
    if (!response.content_type.empty()) res_.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res_.set(name, value);
    res_.body() = std::move(response.body);
    res_.keep_alive(req.keep_alive() && !server_.draining.load());
    res_.prepare_payload();
    stream_.expires_after(server_.options.write_timeout);
    http::async_write(stream_, res_, beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this()));
  }

  // A response whose body is written later by another thread: the header
  // now (chunked), then each piece as the producer writes it.
  void StartStream(const http::request<http::string_body>& req, HttpResponse response) {
    stream_res_ = {};
    stream_res_.version(req.version());
    stream_res_.result(static_cast<unsigned>(response.status));
    stream_res_.set(http::field::server, "tabpilot");
    if (!response.content_type.empty()) stream_res_.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) stream_res_.set(name, value);
    stream_res_.chunked(true);
    stream_res_.keep_alive(req.keep_alive() && !server_.draining.load());
    body_ = std::move(response.stream);
    serializer_.emplace(stream_res_);
    stream_.expires_after(server_.options.write_timeout);
    http::async_write_header(stream_, *serializer_, [self = shared_from_this()](ErrorCode ec, size_t) {
      if (ec) return self->EndStream(false);
      // The producer's thread wakes this connection's event loop. The
      // callback holds the session: while it waits for the producer no
      // operation does (EndStream lets go).
      self->body_->SetNotify([self] { net::post(self->stream_.get_executor(), [self] { self->Pump(); }); });
    });
  }

  // Writes what the producer has written so far, then the last chunk once it
  // closed; one write at a time.
  void Pump() {
    if (writing_ || !body_) return;
    bool closed = false;
    chunk_ = body_->Take(&closed);
    if (chunk_.empty() && !closed) return;
    writing_ = true;
    stream_.expires_after(server_.options.write_timeout);
    if (chunk_.empty()) return WriteLastChunk();  // closed, nothing left
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this(), closed](ErrorCode ec, size_t) {
                       self->writing_ = false;
                       if (ec) return self->EndStream(false);
                       if (closed) return self->WriteLastChunk();
                       self->Pump();  // what came while this was written
                     });
  }

  void WriteLastChunk() {
    writing_ = true;
    chunk_.clear();
    stream_.expires_after(server_.options.write_timeout);
    net::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](ErrorCode ec, size_t) {
      self->writing_ = false;
      self->EndStream(!ec);
    });
  }

  // The stream is over: sent whole (`ok`), or the client went away (the
  // producer is told, and stops).
  void EndStream(bool ok) {
    if (body_) {
      if (!ok) body_->Cancel();
      body_->SetNotify(nullptr);
    }
    body_.reset();
    serializer_.reset();
    if (!ok || !stream_res_.keep_alive()) return Close();
    ReadHeader();
  }

  void OnWrite(ErrorCode ec, size_t /*bytes*/) {
    if (ec) return Close();
    if (!res_.keep_alive()) return Close();
    ReadHeader();
  }

  void Close() {
    ErrorCode ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  // A streamed response: its header, serializer, producer and the piece being written.
  http::response<http::empty_body> stream_res_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::shared_ptr<ResponseStream> body_;
  std::string chunk_;
  bool writing_ = false;
  HttpServer::Impl& server_;
  std::string remote_;
  bool busy_ = false;  // between a request's header and its answer written
};

void HttpServer::Impl::Register(HttpSession* session, const std::shared_ptr<HttpSession>& self) {
  const std::lock_guard<std::mutex> lock(mutex);
  sessions.emplace(session, self);
}

void HttpServer::Impl::Unregister(HttpSession* session) {
  const std::lock_guard<std::mutex> lock(mutex);
  sessions.erase(session);
  if (draining.load() && sessions.empty() && !closing.load()) {
    net::post(*contexts[0], [this] { drain_timer.cancel(); });
  }
}

void HttpServer::Impl::Accept() {
  net::io_context& context = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor.async_accept(context, [this](ErrorCode ec, tcp::socket socket) {
    if (draining.load() || !acceptor.is_open()) return;
    if (!ec) {
      ErrorCode ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<HttpSession>(std::move(socket), *this)->Start();
    } else if (ec == net::error::no_descriptors || ec == net::error::no_buffer_space || ec == net::error::no_memory) {
      // The connection waits in the backlog until a descriptor frees up.
      accept_timer.expires_after(std::chrono::milliseconds(50));
      accept_timer.async_wait([this](ErrorCode) {
        if (!draining.load() && acceptor.is_open()) Accept();
      });
      return;
    }
    Accept();
  });
}

void HttpServer::Impl::BeginDrain() {
  draining.store(true);
  if (drain_started) return;
  drain_started = true;
  ErrorCode ignored;
  acceptor.close(ignored);
  accept_timer.cancel();
  signals.cancel(ignored);
  std::vector<std::shared_ptr<HttpSession>> open;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (auto& [ptr, weak] : sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->Drain();
  work.clear();
  if (!open.empty()) {
    drain_timer.expires_after(options.drain_timeout);
    drain_timer.async_wait([this](ErrorCode ec) {
      if (ec) return;
      for (auto& context : contexts) context->stop();  // the deadline passed: cut what is left
    });
  }
}

HttpServer::HttpServer(Options options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
  Impl& s = *impl_;
  const std::string where = s.options.host + ":" + std::to_string(s.options.port);
  ErrorCode ec;
  const net::ip::address address = net::ip::make_address(s.options.host, ec);
  if (ec) throw InvalidInput("cannot listen on " + where + ": '" + s.options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw IoError("cannot listen on " + where + ": " + ec.message());
  s.port = s.acceptor.local_endpoint().port();
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::HandleSignals() {
  Impl& s = *impl_;
  s.signals.add(SIGTERM);
  s.signals.add(SIGINT);
  s.signals.async_wait([&s](ErrorCode ec, int) {
    if (!ec) s.BeginDrain();  // on contexts[0], the drain's thread
  });
}

void HttpServer::Run() {
  Impl& s = *impl_;
  s.Accept();
  std::vector<std::thread> threads;
  for (size_t t = 1; t < s.contexts.size(); ++t) threads.emplace_back([&s, t] { s.contexts[t]->run(); });
  s.contexts[0]->run();
  for (std::thread& t : threads) t.join();
  std::vector<std::shared_ptr<HttpSession>> left;
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    for (auto& [ptr, weak] : s.sessions) {
      if (auto session = weak.lock()) left.push_back(std::move(session));
    }
  }
  for (auto& session : left) session->AbandonStream();
}

void HttpServer::Stop() {
  Impl& s = *impl_;
  s.draining.store(true);
  net::post(s.acceptor.get_executor(), [&s] { s.BeginDrain(); });
}

size_t HttpServer::open_connections() const {
  const std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->sessions.size();
}

}  // namespace tabpilot
