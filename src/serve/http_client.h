// A small blocking HTTP/1.1 client (`tabpilot endpoint invoke`), over the
// same library as the server (Boost.Beast; included only in http_client.cpp).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "serve/http_message.h"

namespace tabpilot {

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30000};  // connect, send and receive together
};

// Sends one request to `url` (http://HOST[:PORT]/PATH[?QUERY]; no TLS) and
// returns the response. IoError naming the URL when the server cannot be
// reached or the exchange fails; InvalidInput for a URL that is not http://.
HttpResponse HttpCall(const std::string& method, const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                      const HttpClientOptions& options = {});

}  // namespace tabpilot
