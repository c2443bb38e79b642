// tabpilot endpoint: create, list, describe, update and delete endpoint
// configurations (which model a named real-time endpoint serves).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "data/file_bytes.h"
#include "registry/model_registry.h"
#include "serve/endpoint_store.h"
#include "serve/http_client.h"
#include "store/postgres_database.h"
#include "store/store_location.h"

namespace tabpilot::cli {
namespace {

struct EndpointArgs {
  std::string store;
  std::string name;
  // create / update: the model source
  std::string model;
  std::string group;
  std::string hub_model;  // a text-generation model's group (hub add)
  int64_t version = 0;
  bool json = false;
  // which subcommand was given
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* describe = nullptr;
  CLI::App* update = nullptr;
  CLI::App* delete_ = nullptr;
  CLI::App* invoke = nullptr;
  // invoke
  std::string data;
  std::string url = "http://127.0.0.1:8080";
  std::string content_type;
  std::string accept;
  std::string output;
};

// The media type of a request file by its name: .json, .jsonl / .jsonlines,
// else CSV.
std::string ContentTypeOf(const std::string& path) {
  auto ends = [&](const std::string& suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends(".jsonl") || ends(".jsonlines")) return "application/jsonlines";
  if (ends(".json")) return "application/json";
  return "text/csv";
}

// POST the file to a running server's /endpoints/NAME/invocations and print
// the answer; a 4xx/5xx is one error line (the server's message) and exit 2
// or 1.
int RunInvoke(const EndpointArgs& a) {
  CheckResourceName(a.name, "endpoint");
  const std::string body = ReadFileBytes(a.data);
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", a.content_type.empty() ? ContentTypeOf(a.data) : a.content_type}};
  if (!a.accept.empty()) headers.emplace_back("Accept", a.accept);
  if (!a.output.empty()) headers.emplace_back("X-Tabpilot-Output", a.output);
  std::string base = a.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const HttpResponse r = HttpCall("POST", base + "/endpoints/" + a.name + "/invocations", headers, body);
  if (r.status >= 200 && r.status < 300) {
    std::cout << r.body;
    return 0;
  }
  std::string message = r.body;
  try {
    message = Json::parse(r.body).value("error", r.body);
  } catch (const Json::exception&) {
  }
  while (!message.empty() && message.back() == '\n') message.pop_back();
  std::cerr << "error: endpoint '" << a.name << "' answered " << r.status << ": " << message << "\n";
  return r.status < 500 ? 2 : 1;
}

// --model PATH, or --model-group G with --version N (one version) or without
// (follow the group's latest Approved version).
// --hub-model names a group `hub add` made: refused when the group holds
// tabular models (its versions say kind=text-generation).
void CheckHubGroup(const std::string& group, ModelRegistry& registry) {
  const auto page = registry.ListVersionPage(group, 0, 1);
  if (page.versions.empty() || page.versions[0].tags.value("kind", "") != "text-generation") {
    throw InvalidInput(
        "'" + group +
        "' is not a text-generation model (add one with tabpilot hub add; use --model-group for tabular models)");
  }
}

EndpointSource SourceFromArgs(const EndpointArgs& a, const CLI::App* sub, ModelRegistry& registry) {
  if (sub->get_option("--version")->count() > 0 && a.group.empty() && a.hub_model.empty()) {
    throw InvalidInput("--version needs --model-group or --hub-model");
  }
  if (!a.model.empty()) return EndpointSource::Bundle(a.model);
  if (!a.hub_model.empty()) {
    CheckHubGroup(a.hub_model, registry);
    if (sub->get_option("--version")->count() > 0) return EndpointSource::GroupVersion(a.hub_model, a.version);
    return EndpointSource::LatestApproved(a.hub_model);
  }
  if (a.group.empty()) {
    throw InvalidInput("give the model: --model PATH, --model-group GROUP or --hub-model NAME [--version N]");
  }
  if (sub->get_option("--version")->count() > 0) return EndpointSource::GroupVersion(a.group, a.version);
  return EndpointSource::LatestApproved(a.group);
}

// What the source resolves to now, as describe shows it: the model, or why
// there is none (no Approved version yet, a bundle folder gone).
Json ResolvedJson(const EndpointSource& source, ModelRegistry& registry) {
  try {
    const ResolvedModel m = ResolveEndpointModel(source, registry);
    return {{"model", m.description}, {"bundle", m.bundle.string()}, {"error", nullptr}};
  } catch (const Error& e) {
    return {{"model", nullptr}, {"bundle", nullptr}, {"error", e.what()}};
  }
}

// "serving", or "serving generation 2" while the server has not caught up.
std::string StatusText(const EndpointConfig& c) {
  if (!c.status) return "-";
  std::string text = ToString(c.status->state);
  if (c.status->generation != c.generation) text += " generation " + std::to_string(c.status->generation);
  return text;
}

int RunList(const EndpointArgs& a, EndpointStore& endpoints, const std::string& location) {
  const std::vector<EndpointConfig> list = endpoints.List();
  if (a.json) {
    Json out = Json::array();
    for (const EndpointConfig& c : list) out.push_back(ToJson(c));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (list.empty()) {
    std::cout << "no endpoints in " << location << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"ENDPOINT", "MODEL", "GENERATION", "STATUS", "UPDATED"}};
  for (const EndpointConfig& c : list) {
    rows.push_back({c.name, DescribeSource(c.source), std::to_string(c.generation), StatusText(c), c.updated_at});
  }
  PrintTable(rows);
  return 0;
}

void PrintDescription(const EndpointConfig& c, const Json& resolved, const std::vector<EndpointEvent>& history) {
  std::cout << "endpoint " << c.name << "\n"
            << "model: " << DescribeSource(c.source) << "\n"
            << "resolves to: "
            << (resolved["error"].is_null()
                    ? resolved["model"].get<std::string>() + " (" + resolved["bundle"].get<std::string>() + ")"
                    : "nothing: " + resolved["error"].get<std::string>())
            << "\n"
            << "generation: " << c.generation << "\ncreated: " << c.created_at << "\nupdated: " << c.updated_at << "\n";
  if (c.status) {
    const EndpointStatus& s = *c.status;
    std::cout << "status: " << ToString(s.state) << (s.model.empty() ? "" : " " + s.model) << " (generation "
              << s.generation << ", reported " << s.reported_at << ")\n";
    if (!s.message.empty()) std::cout << "  message: " << s.message << "\n";
  } else {
    std::cout << "status: - (no server has reported)\n";
  }
  std::cout << "history:\n";
  std::vector<std::vector<std::string>> rows = {{"  CHANGED", "ACTION", "GENERATION", "BY", "MODEL"}};
  for (const EndpointEvent& e : history) {
    rows.push_back(
        {"  " + e.changed_at, e.action, std::to_string(e.generation), e.changed_by, DescribeSource(e.source)});
  }
  PrintTable(rows);
}

int RunDescribe(const EndpointArgs& a, EndpointStore& endpoints, ModelRegistry& registry) {
  const EndpointConfig c = endpoints.Get(a.name);
  const std::vector<EndpointEvent> history = endpoints.History(a.name);
  const Json resolved = ResolvedJson(c.source, registry);
  if (a.json) {
    Json out = ToJson(c);
    out["resolved"] = resolved;
    out["history"] = Json::array();
    for (const EndpointEvent& e : history) out["history"].push_back(ToJson(e));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  PrintDescription(c, resolved, history);
  return 0;
}

// After create / update: what changed, and a note when a followed group has
// nothing to serve yet (allowed: the endpoint waits for an approval).
void PrintChange(const char* verb, const EndpointConfig& c, ModelRegistry& registry) {
  std::cout << verb << " endpoint " << c.name << " (generation " << c.generation << "): " << DescribeSource(c.source)
            << "\n";
  if (c.source.kind == ModelSourceKind::kLatestApproved && !registry.LatestApproved(c.source.group)) {
    std::cout << "note: model package group '" << c.source.group
              << "' has no Approved version yet; the endpoint serves nothing until one is approved\n";
  }
}

int RunEndpoint(const EndpointArgs& a) {
  if (a.invoke->parsed()) return RunInvoke(a);  // a running server's business, not the store's
  Store store = OpenStore(a.store);
  ModelRegistry registry(*store.db, store.artifacts);
  EndpointStore endpoints(*store.db, registry);
  if (a.list->parsed()) return RunList(a, endpoints, RedactUrl(store.location.database));
  if (a.describe->parsed()) return RunDescribe(a, endpoints, registry);
  if (a.create->parsed()) {
    PrintChange("created", endpoints.Create(a.name, SourceFromArgs(a, a.create, registry)), registry);
    return 0;
  }
  if (a.update->parsed()) {
    PrintChange("updated", endpoints.Update(a.name, SourceFromArgs(a, a.update, registry)), registry);
    return 0;
  }
  endpoints.Delete(a.name);
  std::cout << "deleted endpoint " << a.name << "\n";
  return 0;
}

void AddSourceOptions(CLI::App* sub, EndpointArgs* a) {
  CLI::Option* model = sub->add_option("--model,-m", a->model, "Serve this model bundle folder");
  CLI::Option* group = sub->add_option(
      "--model-group", a->group,
      "Serve a model package group's version: the latest Approved one (followed as approvals change), or --version");
  CLI::Option* hub =
      sub->add_option("--hub-model", a->hub_model,
                      "Serve a text-generation model (tabpilot hub add): its latest Approved version, or --version");
  sub->add_option("--version", a->version, "With --model-group or --hub-model: serve this version");
  model->excludes(group);
  model->excludes(hub);
  group->excludes(hub);
}

}  // namespace

Runner AddEndpointCommand(CLI::App& app) {
  auto a = std::make_shared<EndpointArgs>();
  CLI::App* sub = app.add_subcommand("endpoint", "Real-time endpoints: which model each serves");
  sub->require_subcommand(1);
  sub->fallthrough();
  AddStoreOption(sub, &a->store);
  a->create = sub->add_subcommand("create", "Create an endpoint serving a bundle or a registered model");
  a->update = sub->add_subcommand("update", "Point an endpoint at another model (bumps its generation)");
  for (CLI::App* s : {a->create, a->update}) {
    s->add_option("name", a->name, "Endpoint name")->required();
    AddSourceOptions(s, a.get());
  }
  a->list = sub->add_subcommand("list", "List endpoints with their models and statuses");
  a->list->add_flag("--json", a->json, "Print JSON");
  a->describe = sub->add_subcommand("describe", "Show an endpoint: model, what it resolves to, status, history");
  a->describe->add_option("name", a->name, "Endpoint name")->required();
  a->describe->add_flag("--json", a->json, "Print JSON");
  a->delete_ = sub->add_subcommand("delete", "Delete an endpoint (its history is kept)");
  a->delete_->add_option("name", a->name, "Endpoint name")->required();
  a->invoke = sub->add_subcommand("invoke", "Send rows to an endpoint of a running `tabpilot serve`; print the answer");
  a->invoke->add_option("name", a->name, "Endpoint name")->required();
  a->invoke->add_option("--data,-d", a->data, "Rows to send: .csv, .json or .jsonl")->required();
  a->invoke->add_option("--url", a->url, "The server")->capture_default_str();
  a->invoke->add_option("--content-type", a->content_type, "Override the type the file name implies");
  a->invoke->add_option("--accept", a->accept, "The answer's type (default: the request's)");
  a->invoke->add_option("--output", a->output, "Fields: predicted_label, probability, probabilities, labels");
  return [a] { return RunEndpoint(*a); };
}

}  // namespace tabpilot::cli
