// tabpilot serve: real-time endpoints over HTTP (serve/).
#include <sys/resource.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>

#include "cli/commands.h"
#include "core/error.h"
#include "core/log.h"
#include "core/parallel.h"
#include "data/file_bytes.h"
#include "serve/completion_api.h"
#include "serve/endpoint_admin.h"
#include "serve/http_server.h"
#include "serve/hub_endpoints.h"
#include "serve/hub_watch.h"
#include "serve/inference_router.h"
#include "serve/model_manager.h"
#include "serve/server_metrics.h"
#include "serve/store_endpoints.h"
#include "store/postgres_database.h"
#include "ui/static_files.h"
#include "ui/ui_api.h"

namespace tabpilot::cli {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string store;
  std::string model;
  std::string name = "default";
  std::string default_endpoint;
  int threads = 0;
  int row_threads = 1;
  int poll_ms = 1000;
  double max_body_mb = 6;
  double idle_timeout_s = 60;
  std::string access_log = "-";
  std::string verify_key;
  std::string auth_token_file;
  bool admin = false;
  bool ui = false;
  std::string web_dir;
  std::vector<std::string> hub_models;  // NAME=FILE
  int hub_streams = 8;
  int hub_threads = 0;
  bool quiet = false;
};

// --hub-model NAME=FILE (or FILE: named after the file's stem).
std::vector<HubEndpoints::Spec> HubSpecs(const std::vector<std::string>& args) {
  std::vector<HubEndpoints::Spec> specs;
  for (const std::string& a : args) {
    const size_t eq = a.find('=');
    HubEndpoints::Spec spec;
    spec.file = eq == std::string::npos ? a : a.substr(eq + 1);
    spec.name = eq == std::string::npos ? spec.file.stem().string() : a.substr(0, eq);
    CheckResourceName(spec.name, "endpoint");
    if (!std::filesystem::exists(spec.file)) {
      throw NotFound("--hub-model " + a + ": no such file " + spec.file.string());
    }
    for (const auto& other : specs) {
      if (other.name == spec.name) throw InvalidInput("--hub-model: the name '" + spec.name + "' is given twice");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

// Access-log lines to stdout or a file, whole lines under a lock.
class AccessLog {
 public:
  explicit AccessLog(const std::string& where) {
    if (where == "off") return;
    if (where == "-") {
      file_ = stdout;
      return;
    }
    file_ = std::fopen(where.c_str(), "a");
    owned_ = true;
    if (file_ == nullptr) throw IoError("cannot open the access log " + where);
  }
  ~AccessLog() {
    if (owned_) std::fclose(file_);
  }
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;
  bool on() const { return file_ != nullptr; }
  void Write(const std::string& line) {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::mutex mutex_;
};

// Each connection is a file descriptor: the soft limit (often 1,024) is
// raised to the hard one so that a thousand clients can connect. Returns
// the limit now in force.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) return raised.rlim_cur;
  }
  return limit.rlim_cur;
}

std::string HubList(const HubEndpoints& hub) {
  std::string names;
  for (const std::string& n : hub.Names()) names += (names.empty() ? "" : ", ") + n;
  return names + " (loading; /health says when ready)";
}

int RunServe(const ServeArgs& a) {
  if (a.port < 0 || a.port > 65535) throw InvalidInput("--port must be 0-65535, not " + std::to_string(a.port));
  if (a.poll_ms < 10) throw InvalidInput("--poll-interval-ms must be at least 10");
  if (!(a.max_body_mb > 0)) throw InvalidInput("--max-body-mb must be positive");
  if (!(a.idle_timeout_s >= 0.1 && a.idle_timeout_s <= 86400)) {
    throw InvalidInput("--idle-timeout-s must be 0.1-86400");
  }
  if (a.row_threads < 1) throw InvalidInput("--row-threads must be at least 1");
  const std::string auth_token = ReadAuthToken(a.auth_token_file);
  if (a.admin && auth_token.empty() && !IsLoopback(a.host)) {
    throw InvalidInput("--admin on " + a.host + " (not a loopback address) needs --auth-token-file");
  }
  const Logger logger(a.quiet ? Logger::Level::kQuiet : Logger::Level::kInfo);
  if (a.hub_streams < 1 || a.hub_streams > 64) throw InvalidInput("--hub-streams must be 1-64");
  // Text-generation models load in the background: /health says 503 until they are ready.
  // A store-backed server also serves the store's text-generation endpoints.
  const bool from_store = a.model.empty() && (a.hub_models.empty() || !a.store.empty());
  std::unique_ptr<HubEndpoints> hub;
  std::unique_ptr<CompletionApi> completions;
  if (!a.hub_models.empty() || from_store) {
    HubEndpoints::Options hub_options;
    hub_options.threads = ResolveThreads(a.hub_threads);
    hub_options.max_sequences = a.hub_streams;
    hub = std::make_unique<HubEndpoints>(HubSpecs(a.hub_models), hub_options);
    completions = std::make_unique<CompletionApi>(*hub);
  }
  std::unique_ptr<EndpointWatch> watch;
  std::string source;
  if (!from_store && a.model.empty()) {
    watch = std::make_unique<FixedEndpoints>(std::vector<EndpointTarget>{});
    source = "no tabular endpoints";
  } else if (!a.model.empty()) {
    CheckResourceName(a.name, "endpoint");
    EndpointTarget target;
    target.identity.endpoint = a.name;
    target.identity.model = a.model;
    target.identity.generation = 1;
    target.identity.bundle = a.model;
    watch = std::make_unique<FixedEndpoints>(std::vector<EndpointTarget>{target});
    source = "bundle " + a.model + " as endpoint '" + a.name + "'";
  } else {
    auto store = std::make_unique<StoreEndpoints>(a.store);
    source = "the endpoints in " + RedactUrl(store->database());
    watch = std::make_unique<SplitEndpointWatch>(std::move(store), *hub);
  }
  ModelManager::Options options;
  options.poll_interval = std::chrono::milliseconds(a.poll_ms);
  options.default_endpoint = a.default_endpoint;
  options.model.row_threads = a.row_threads;
  options.model.load = BundleLoading(a.verify_key);
  const bool fixed = !a.model.empty();
  std::unique_ptr<EndpointAdmin> admin;
  if (a.admin && !fixed) admin = std::make_unique<EndpointAdmin>(a.store);
  ModelManager models(std::move(watch), options, logger);
  models.Refresh();  // the first load, before the port opens
  if (fixed && models.Get(a.name) == nullptr) {
    throw InvalidInput("cannot serve " + a.model + ": the model did not load (see above)");
  }
  models.Start();  // a fixed bundle's poll is free, and /admin/reload needs the thread
  const rlim_t open_files = RaiseOpenFileLimit();

  HttpServer::Options http;
  http.host = a.host;
  http.port = static_cast<uint16_t>(a.port);
  http.threads = ResolveThreads(a.threads);
  http.max_body_bytes = static_cast<size_t>(a.max_body_mb * 1024 * 1024);
  http.idle_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.idle_timeout_s * 1000));
  ServerMetrics metrics;
  AccessLog access(a.access_log);
  HttpServer* server_ptr = nullptr;
  InferenceRouter::Options routing;
  if (access.on()) routing.log = [&](const std::string& line) { access.Write(line); };
  routing.connections = [&] { return server_ptr == nullptr ? size_t{0} : server_ptr->open_connections(); };
  routing.auth_token = auth_token;
  routing.admin = a.admin;
  routing.endpoint_admin = admin.get();
  routing.completions = completions.get();
  InferenceRouter router(models, metrics, std::move(routing));
  // --ui: the web UI under /ui/ (its pages and /ui/api/), over the same store,
  // the live figures from this server's own metrics.
  std::unique_ptr<StaticFiles> pages;
  std::unique_ptr<UiApi> ui;
  if (a.ui) {
    if (fixed) throw InvalidInput("--ui shows a store's registry and endpoints: use it without --model");
    pages = std::make_unique<StaticFiles>(a.web_dir.empty() ? StaticFiles::DefaultFolder()
                                                            : std::filesystem::path(a.web_dir));
    UiApi::Options ui_options;
    ui_options.store = a.store;
    ui_options.auth_token = auth_token;
    ui_options.metrics_text = [&] {
      return metrics.Scrape(models.Summaries(), server_ptr == nullptr ? size_t{0} : server_ptr->open_connections());
    };
    ui = std::make_unique<UiApi>(ui_options);
  }
  HttpServer server(http, [&](HttpRequest& request) {
    if (ui != nullptr && request.path == "/ui") {  // the pages' relative links need the slash
      HttpResponse r{301, "text/plain", "moved to /ui/\n", {}};
      r.headers.emplace_back("Location", "/ui/");
      return r;
    }
    if (ui != nullptr && request.path.rfind("/ui/", 0) == 0) {
      request.path = request.path.substr(3);
      if (request.path.rfind("/api/", 0) == 0) return ui->Handle(request);
      return pages->Answer(request.path);
    }
    return router.Handle(request);
  });
  server_ptr = &server;
  server.HandleSignals();
  // The line scripts and tests wait for (the port is the one bound).
  std::cerr << "tabpilot serve: listening on http://" << a.host << ":" << server.port() << " with " << http.threads
            << " thread(s), serving " << source << (a.admin ? ", admin routes on" : "")
            << (a.ui ? ", the web UI at /ui/" : "")
            << (hub && !hub->empty() ? ", text-generation models " + HubList(*hub) : "") << " (up to " << open_files
            << " open files)" << std::endl;
  server.Run();
  std::cerr << "tabpilot serve: stopped" << std::endl;
  return 0;
}

}  // namespace

Runner AddServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub =
      app.add_subcommand("serve", "Serve endpoints over HTTP (SageMaker /invocations, Open Inference Protocol v2)");
  sub->add_option("--port", args->port, "Port to listen on (0 = any free port)")->capture_default_str();
  sub->add_option("--host", args->host, "Address to bind (0.0.0.0 for every interface)")->capture_default_str();
  sub->add_option("--store", args->store,
                  "Metadata store whose endpoints to serve (default: $TABPILOT_STORE or .tabpilot/)");
  sub->add_option("--model,-m", args->model, "Serve this bundle alone instead of the store's endpoints");
  sub->add_option("--name", args->name, "Endpoint name for --model")->capture_default_str();
  sub->add_option("--default-endpoint", args->default_endpoint,
                  "Endpoint /invocations serves without a target (default: the only one)");
  sub->add_option("--threads", args->threads, "Server threads (0 = all cores)")->capture_default_str();
  sub->add_option("--hub-model", args->hub_models,
                  "Serve a text-generation model: NAME=FILE.gguf (repeatable; OpenAI /v1/..., /model/NAME/complete)");
  sub->add_option("--hub-streams", args->hub_streams, "Completions generated at once per text-generation model")
      ->capture_default_str();
  sub->add_option("--hub-threads", args->hub_threads, "Threads of the text-generation kernels (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--row-threads", args->row_threads, "Threads per one-row prediction")->capture_default_str();
  sub->add_option("--poll-interval-ms", args->poll_ms, "How often the store is checked for changes")
      ->capture_default_str();
  sub->add_option("--max-body-mb", args->max_body_mb, "Largest request body (MiB; larger: 413)")->capture_default_str();
  sub->add_option("--idle-timeout-s", args->idle_timeout_s,
                  "Close a keep-alive connection idle this long (seconds; also the limit for a request's header)")
      ->capture_default_str();
  sub->add_option("--access-log", args->access_log, "Access log: - (stdout), a file, or off")->capture_default_str();
  sub->add_option("--verify-key", args->verify_key, "Serve only bundles signed with this key");
  sub->add_option("--auth-token-file", args->auth_token_file,
                  "Require `Authorization: Bearer <token>` (the file's content) on every route but the health checks");
  sub->add_flag("--ui", args->ui,
                "Also serve the web UI at /ui/ over the same store (as `tabpilot ui`; its live endpoint figures from "
                "this server)");
  sub->add_option("--web-dir", args->web_dir,
                  "With --ui: the built pages (default: $TABPILOT_WEB_DIR, else web/dist of the source tree)");
  sub->add_flag("--admin", args->admin,
                "Serve the admin routes (/admin/endpoints, /admin/reload); off a loopback address, only with "
                "--auth-token-file");
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunServe(*args); };
}

}  // namespace tabpilot::cli
