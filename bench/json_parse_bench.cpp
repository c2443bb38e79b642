// Times parsing a request body holding one JSON object of KEYS keys (an
// /invocations record of a very wide table, or a hostile body) with
// ParseJson, as the server parses bodies, against Json::parse, as it did.
//   json_parse_bench KEYS  -> one JSON line (best of three runs each)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "best_of_three.h"
#include "core/json.h"
#include "core/json_parse.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::atol(argv[1]) < 1) {
    std::fprintf(stderr, "usage: json_parse_bench KEYS\n");
    return 2;
  }
  const long keys = std::atol(argv[1]);
  std::string body = "{\"instances\":[{";
  for (long i = 0; i < keys; ++i) body += (i ? ",\"c" : "\"c") + std::to_string(i) + "\":1.5";
  body += "}]}";
  size_t parsed = 0;
  const double ours =
      tabpilot::bench::BestOfThree([&] { parsed = tabpilot::ParseJson(body).at("instances").at(0).size(); });
  const double before = tabpilot::bench::BestOfThree([&] {
    if (tabpilot::Json::parse(body).at("instances").at(0).size() != parsed) std::abort();
  });
  const tabpilot::Json out = {{"keys", keys},
                              {"body_bytes", body.size()},
                              {"parse_json_seconds", ours},
                              {"json_parse_seconds", before},
                              {"ratio", before / ours}};
  std::printf("%s\n", out.dump().c_str());
  return parsed == static_cast<size_t>(keys) ? 0 : 1;
}
