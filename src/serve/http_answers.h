// Small pieces every HTTP route table here shares (the inference router and
// the UI's API): JSON answers and errors, the status of a typed error, path
// segments, percent-decoding, and the bearer-token check.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "serve/http_message.h"

namespace tabpilot {

// `body` as JSON with `status`.
HttpResponse JsonAnswer(int status, const Json& body);
// {"error": message} with `status`.
HttpResponse ErrorAnswer(int status, const std::string& message);
// The status of an error thrown while answering: 400 invalid input, 404 not
// found, 409 conflict, 500 otherwise.
int StatusOf(const Error& e);
// 405 for a method the route does not take, with the Allow header.
HttpResponse MethodNotAllowed(const HttpRequest& request, const char* allowed);
// "/a/b/c" -> {"a", "b", "c"} (empty segments dropped; no decoding).
std::vector<std::string_view> Segments(std::string_view path);
// %XX sequences decoded ('+' kept: paths, not forms). InvalidInput for a
// malformed sequence or a decoded NUL.
std::string PercentDecode(std::string_view text);
// `Authorization: Bearer <token>` against `token`, in time that depends on
// the lengths only (no early exit on the first differing byte).
bool BearerMatches(std::string_view header, const std::string& token);

}  // namespace tabpilot
