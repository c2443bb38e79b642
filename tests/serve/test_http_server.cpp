// The HTTP layer (serve/http_server.h) on loopback: keep-alive, pipelining,
// 100-continue, the limits (413, 431, 400), the idle timeout, many idle
// connections, handler errors, and the drain (in-flight requests finish,
// new connections are refused).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/json.h"
#include "serve/http_server.h"
#include "serve/http_test_client.h"

namespace tabpilot {
namespace {

using testing::RawConnection;

// A server on a free port running on a thread of its own, stopped (and
// joined) at the end of the test.
class Running {
 public:
  Running(HttpServer::Options options, HttpServer::Handler handler) {
    options.port = 0;
    options.threads = 2;
    server_ = std::make_unique<HttpServer>(options, std::move(handler));
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Running() {
    server_->Stop();
    thread_.join();
  }
  HttpServer& server() { return *server_; }
  uint16_t port() const { return server_->port(); }
  std::thread& thread() { return thread_; }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

// Echoes what it got as JSON.
HttpResponse Echo(HttpRequest& r) {
  if (r.path == "/throw") throw std::runtime_error("handler failed");
  if (r.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return HttpResponse{200,
                      "application/json",
                      Json{{"method", r.method},
                           {"path", r.path},
                           {"query", r.query},
                           {"body", r.body},
                           {"type", std::string(r.Header("content-type"))}}
                          .dump(),
                      {{"X-Test", "1"}}};
}

std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(HttpServer, KeepAliveAndPipelinedRequestsAreAnsweredInOrder) {
  Running s({}, Echo);
  RawConnection c(s.port());
  c.Send(Post("/a?x=1", "1,2"));
  RawConnection::Response r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("X-Test: 1"), std::string::npos);
  const Json first = Json::parse(r.body);
  EXPECT_EQ(first["path"], "/a");
  EXPECT_EQ(first["query"], "x=1");
  EXPECT_EQ(first["body"], "1,2");
  EXPECT_EQ(first["type"], "text/csv");
  // Two requests in one write on the same connection.
  c.Send(Post("/b", "b") + Post("/c", "c"));
  EXPECT_EQ(Json::parse(c.Read().body)["path"], "/b");
  EXPECT_EQ(Json::parse(c.Read().body)["path"], "/c");
}

TEST(HttpServer, ContinueIsSentBeforeTheBody) {
  Running s({}, Echo);
  RawConnection c(s.port());
  c.Send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  const RawConnection::Response cont = c.Read();
  EXPECT_EQ(cont.status, 100);
  c.Send("hello");
  const RawConnection::Response r = c.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["body"], "hello");
}

TEST(HttpServer, LimitsAndMalformedRequestsAreAnsweredAndClosed) {
  HttpServer::Options options;
  options.max_body_bytes = 100;
  options.max_header_bytes = 1024;
  Running s(options, Echo);
  {
    RawConnection c(s.port());
    c.Send(Post("/big", std::string(101, 'x')));
    const RawConnection::Response r = c.Read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("over the limit of 100 bytes"), std::string::npos);
    EXPECT_TRUE(c.ClosedWithin(2000));
  }
  {
    RawConnection c(s.port());
    c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'y') + "\r\n\r\n");
    EXPECT_EQ(c.Read().status, 431);
  }
  {
    RawConnection c(s.port());
    c.Send("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_EQ(c.Read().status, 400);
    EXPECT_TRUE(c.ClosedWithin(2000));
  }
  {
    RawConnection c(s.port());
    c.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
    const RawConnection::Response r = c.Read();
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(Json::parse(r.body)["error"], "handler failed");
  }
  // Still serving.
  RawConnection c(s.port());
  c.Send(Post("/ok", "1"));
  EXPECT_EQ(c.Read().status, 200);
}

TEST(HttpServer, IdleAndSlowConnectionsAreClosedAndManyIdleOnesCostNoThread) {
  HttpServer::Options options;
  options.idle_timeout = std::chrono::milliseconds(300);
  options.body_timeout = std::chrono::milliseconds(300);
  Running s(options, Echo);
  {
    RawConnection idle(s.port());
    EXPECT_TRUE(idle.ClosedWithin(3000));
  }
  {
    // A body that never comes: closed by the body timeout.
    RawConnection slow(s.port());
    slow.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    EXPECT_TRUE(slow.ClosedWithin(3000));
  }
  // 300 idle connections on a 2-thread server: a new one is still answered.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 300; ++i) idle.push_back(std::make_unique<RawConnection>(s.port()));
  RawConnection c(s.port());
  c.Send(Post("/ok", "1"));
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_GE(s.server().open_connections(), 300u);
}

TEST(HttpServer, StopDrainsRequestsInFlightAndRefusesNewConnections) {
  auto s = std::make_unique<Running>(HttpServer::Options{}, Echo);
  const uint16_t port = s->port();
  RawConnection busy(port);
  RawConnection idle(port);
  busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the request is in the handler
  s->server().Stop();
  const RawConnection::Response r = busy.Read();
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(idle.ClosedWithin(3000));
  s.reset();  // Run returned: the thread joins
  EXPECT_THROW(RawConnection late(port), std::runtime_error);
}

TEST(HttpServer, ADrainCutShortByItsDeadlineStillEndsCleanly) {
  // A request outlasting drain_timeout: the loops are stopped with its
  // session still in them; destroying the server destroys it (the sanitizer
  // build checks nothing it touches is gone).
  HttpServer::Options options;
  options.drain_timeout = std::chrono::milliseconds(50);
  auto s = std::make_unique<Running>(options, Echo);
  RawConnection busy(s->port());
  busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  s.reset();  // Stop, then Run returns once the handler does; the server is destroyed
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A body written later by another thread goes out piece by piece (chunked),
// the connection stays open for the next request, and a client that goes
// away cancels the producer.
// Threads a handler starts, joined when the test ends however it ends.
class Producers {
 public:
  ~Producers() {
    for (std::thread& t : threads_) t.join();
  }
  template <typename Fn>
  void Start(Fn fn) {
    const std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back(std::move(fn));
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

TEST(HttpServer, StreamedBodiesArriveAsWrittenAndADisconnectCancelsThem) {
  std::promise<void> first_read;
  std::shared_future<void> first_read_future = first_read.get_future().share();
  std::promise<bool> gone;
  std::atomic<bool> gone_set{false};
  // Declared after what the producers use and before the server: joined
  // after the server stops, before the promises go.
  Producers producers;
  struct Release {  // a failed check must not leave the first producer waiting
    std::promise<void>& p;
    bool done = false;
    ~Release() {
      if (!done) p.set_value();
    }
  } release{first_read};
  auto handler = [&](HttpRequest& r) {
    if (r.path == "/plain") return HttpResponse{200, "application/json", "{}", {}};
    auto stream = std::make_shared<ResponseStream>();
    if (r.path == "/stream") {
      producers.Start([stream, first_read_future] {
        stream->Write("data: one\n\n");
        first_read_future.wait();  // the client has the first piece before the second is written
        stream->Write("data: two\n\n");
        stream->Close();
      });
    } else {  // /endless: writes until the client goes away
      producers.Start([stream, &gone, &gone_set] {
        for (int i = 0; i < 1000; ++i) {
          if (!stream->Write("data: x\n\n")) {
            if (!gone_set.exchange(true)) gone.set_value(stream->cancelled());
            return;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        stream->Close();
      });
    }
    return HttpResponse{200, "text/event-stream", "", {}, stream};
  };
  {
    Running server({}, handler);
    RawConnection c(server.port());
    c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto head = c.ReadHead();
    EXPECT_EQ(head.status, 200);
    EXPECT_NE(head.head.find("Transfer-Encoding: chunked"), std::string::npos) << head.head;
    EXPECT_NE(head.head.find("text/event-stream"), std::string::npos);
    EXPECT_EQ(c.ReadChunk(), "data: one\n\n");
    first_read.set_value();
    release.done = true;
    EXPECT_EQ(c.ReadChunk(), "data: two\n\n");
    EXPECT_EQ(c.ReadChunk(), "");  // the last chunk
    // The same connection serves the next request.
    c.Send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(c.Read().status, 200);
    {
      RawConnection d(server.port());
      d.Send("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
      d.ReadHead();
      EXPECT_EQ(d.ReadChunk(), "data: x\n\n");
    }  // the client goes away
    auto cancelled = gone.get_future();
    ASSERT_EQ(cancelled.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_TRUE(cancelled.get());
  }
}

TEST(HttpServer, ABusyAddressIsOneClearError) {
  Running s({}, Echo);
  HttpServer::Options options;
  options.port = s.port();
  try {
    HttpServer second(options, Echo);
    ADD_FAILURE() << "bound a port in use";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(s.port())), std::string::npos)
        << e.what();
  }
  options.host = "not-an-address";
  EXPECT_THROW(HttpServer bad(options, Echo), std::exception);
}

}  // namespace
}  // namespace tabpilot
