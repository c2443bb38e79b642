// A raw HTTP/1.1 client over a POSIX socket for the server tests: sends
// exactly the bytes given (pipelining, bad requests, slow clients) and reads
// responses by Content-Length, with a timeout.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace tabpilot::testing {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  struct Response {
    int status = 0;
    std::string head;  // status line and header fields
    std::string body;
  };

  // The next response (its body by Content-Length); throws on timeout or
  // when the server closed first.
  Response Read(int timeout_ms = 10000) {
    Response r = ReadHead(timeout_ms);
    r.body = ReadBody(ContentLength(r.head), timeout_ms);
    return r;
  }

  // A head's Content-Length (0 when it has none).
  static size_t ContentLength(const std::string& head) {
    const size_t at = Lower(head).find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
  }

  // The head of a response (its status line and fields); the body follows.
  Response ReadHead(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) Fill(deadline);
    Response r;
    r.head = pending_.substr(0, head_end);
    r.status = std::stoi(r.head.substr(9, 3));
    pending_.erase(0, head_end + 4);
    return r;
  }
  // `length` bytes of body after a head read with ReadHead.
  std::string ReadBody(size_t length, int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pending_.size() < length) Fill(deadline);
    std::string body = pending_.substr(0, length);
    pending_.erase(0, length);
    return body;
  }
  // The next chunk of a chunked body ("" for the last one).
  std::string ReadChunk(int timeout_ms = 10000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t line_end;
    while ((line_end = pending_.find("\r\n")) == std::string::npos) Fill(deadline);
    const size_t size = std::stoul(pending_.substr(0, line_end), nullptr, 16);
    while (pending_.size() < line_end + 2 + size + 2) Fill(deadline);
    std::string chunk = pending_.substr(line_end + 2, size);
    pending_.erase(0, line_end + 2 + size + 2);
    return chunk;
  }

  // True when the server closes the connection within timeout_ms (with
  // nothing more to read).
  bool ClosedWithin(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    try {
      while (true) Fill(deadline);
    } catch (const Closed&) {
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  }

 private:
  struct Closed : std::runtime_error {
    Closed() : std::runtime_error("the server closed the connection") {}
  };
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
  }
  void Fill(std::chrono::steady_clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("timed out waiting for the server");
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      throw std::runtime_error("timed out waiting for the server");
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) throw Closed();
    pending_.append(buf, static_cast<size_t>(n));
  }

  int fd_ = -1;
  std::string pending_;
};

}  // namespace tabpilot::testing
