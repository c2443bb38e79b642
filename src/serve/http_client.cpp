#include "serve/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/error.h"

namespace tabpilot {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Url {
  std::string host;
  std::string port = "80";
  std::string target = "/";
};

Url ParseUrl(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    throw InvalidInput("'" + url + "' is not an http:// URL");
  }
  Url u;
  const std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.target = rest.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  if (!u.host.empty() && u.host.front() == '[' && u.host.back() == ']') u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty()) throw InvalidInput("'" + url + "' names no host");
  return u;
}

}  // namespace

HttpResponse HttpCall(const std::string& method, const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                      const HttpClientOptions& options) {
  const Url u = ParseUrl(url);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  try {
    tcp::resolver resolver(ioc);
    stream.expires_after(options.timeout);
    stream.connect(resolver.resolve(u.host, u.port));
    http::request<http::string_body> req(http::string_to_verb(method), u.target, 11);
    req.set(http::field::host, u.host);
    req.set(http::field::user_agent, "tabpilot");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(size_t{1} << 30);
    http::read(stream, buffer, parser);
    http::response<http::string_body> res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    out.content_type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return out;
  } catch (const beast::system_error& e) {
    throw IoError("cannot reach " + url + ": " + e.code().message());
  }
}

}  // namespace tabpilot
