// tabpilot ui: the Studio-like web UI over a metadata store (jobs, registry,
// pipelines, endpoints), its pages and its JSON API (docs/ui-api.md).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "serve/http_server.h"
#include "store/postgres_database.h"
#include "ui/static_files.h"
#include "ui/ui_api.h"

namespace tabpilot::cli {
namespace {

struct UiArgs {
  std::string store;
  std::string host = "127.0.0.1";
  int port = 8090;
  int threads = 2;
  std::string auth_token_file;
  std::string endpoint_url;
  std::string web_dir;
};

int RunUi(const UiArgs& a) {
  if (a.port < 0 || a.port > 65535) throw InvalidInput("--port must be 0-65535, not " + std::to_string(a.port));
  const std::string token = ReadAuthToken(a.auth_token_file);
  if (token.empty() && !IsLoopback(a.host)) {
    throw InvalidInput("--host " + a.host +
                       " (not a loopback address) needs --auth-token-file: the UI can approve models");
  }
  if (!a.endpoint_url.empty() && a.endpoint_url.rfind("http://", 0) != 0) {
    throw InvalidInput("--endpoint-url must be http://HOST:PORT, not " + a.endpoint_url);
  }
  const StaticFiles pages(a.web_dir.empty() ? StaticFiles::DefaultFolder() : std::filesystem::path(a.web_dir));
  UiApi::Options options;
  options.store = a.store;
  options.auth_token = token;
  options.endpoint_url = a.endpoint_url;
  while (!options.endpoint_url.empty() && options.endpoint_url.back() == '/') options.endpoint_url.pop_back();
  UiApi api(options);

  HttpServer::Options http;
  http.host = a.host;
  http.port = static_cast<uint16_t>(a.port);
  http.threads = ResolveThreads(a.threads);
  http.max_body_bytes = size_t{1} << 20;
  HttpServer server(http, [&](HttpRequest& request) {
    if (request.path.rfind("/api/", 0) == 0) return api.Handle(request);
    if (request.method != "GET" && request.method != "HEAD") {
      HttpResponse r{405, "application/json", "{\"error\": \"the pages are GET only\"}\n", {}};
      r.headers.emplace_back("Allow", "GET, HEAD");
      return r;
    }
    return pages.Answer(request.path);
  });
  server.HandleSignals();
  // The line scripts and tests wait for (the port is the one bound).
  std::cerr << "tabpilot ui: listening on http://" << a.host << ":" << server.port() << " over "
            << RedactUrl(ResolveStoreLocation(a.store).database) << (token.empty() ? "" : " (token required)")
            << std::endl;
  server.Run();
  std::cerr << "tabpilot ui: stopped" << std::endl;
  return 0;
}

}  // namespace

Runner AddUiCommand(CLI::App& app) {
  auto args = std::make_shared<UiArgs>();
  CLI::App* sub = app.add_subcommand(
      "ui", "Serve the web UI: AutoML jobs, the model registry (approve / reject), pipeline runs, endpoints");
  AddStoreOption(sub, &args->store);
  sub->add_option("--port", args->port, "Port to listen on (0 = any free port)")->capture_default_str();
  sub->add_option("--host", args->host, "Address to bind (another than loopback needs --auth-token-file)")
      ->capture_default_str();
  sub->add_option("--threads", args->threads, "Server threads (0 = all cores)")->capture_default_str();
  sub->add_option("--auth-token-file", args->auth_token_file,
                  "Require `Authorization: Bearer <token>` (the file's content) on the API; the pages ask for it");
  sub->add_option("--endpoint-url", args->endpoint_url,
                  "A running `tabpilot serve` (http://HOST:PORT) whose /metrics give the endpoints' live figures");
  sub->add_option("--web-dir", args->web_dir,
                  "The built pages (default: $TABPILOT_WEB_DIR, else web/dist of the source tree)");
  return [args] { return RunUi(*args); };
}

}  // namespace tabpilot::cli
