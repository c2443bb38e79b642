#include "serve/endpoint_store.h"

#include "core/error.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

constexpr const char* kKindNames[] = {"bundle", "group_version", "latest_approved"};
constexpr const char* kStateNames[] = {"loading", "serving", "failed"};

// The source is kept in columns (not JSON) so that a server can ask which
// endpoints follow a group; the history keeps it as JSON, one row per change.
const char* kCreateSqlite = R"sql(
CREATE TABLE endpoints (
  name TEXT PRIMARY KEY,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('bundle', 'group_version', 'latest_approved')),
  bundle_path TEXT NOT NULL,
  model_group TEXT NOT NULL,
  model_version INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX endpoints_by_group ON endpoints (model_group);
CREATE TABLE endpoint_status (
  name TEXT PRIMARY KEY REFERENCES endpoints (name) ON DELETE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('loading', 'serving', 'failed')),
  model TEXT NOT NULL,
  generation INTEGER NOT NULL,
  message TEXT NOT NULL,
  reported_at TEXT NOT NULL
);
CREATE TABLE endpoint_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  generation INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  source TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at TEXT NOT NULL
);
CREATE INDEX endpoint_history_by_name ON endpoint_history (name, id);
)sql";

std::string PostgresSchema() {
  return RewriteSql(kCreateSqlite, {{"id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"},
                                    {"INTEGER NOT NULL", "BIGINT NOT NULL"}});
}

// Column list shared by the queries that build an EndpointConfig (FromRow):
// the endpoint, then its status (NULLs without one).
constexpr const char* kConfigSelect =
    "SELECT e.name, e.source_kind, e.bundle_path, e.model_group, e.model_version, e.generation, e.created_at, "
    "e.updated_at, s.state, s.model, s.generation, s.message, s.reported_at "
    "FROM endpoints e LEFT JOIN endpoint_status s ON s.name = e.name";

EndpointSource SourceFromColumns(const std::string& kind, const std::string& bundle, const std::string& group,
                                 int64_t version) {
  switch (ParseModelSourceKind(kind)) {
    case ModelSourceKind::kBundle:
      return EndpointSource::Bundle(bundle);
    case ModelSourceKind::kGroupVersion:
      return EndpointSource::GroupVersion(group, version);
    case ModelSourceKind::kLatestApproved:
      return EndpointSource::LatestApproved(group);
  }
  throw Internal("unreachable model source kind");
}

EndpointConfig FromRow(const SqlRow& r) {
  EndpointConfig c;
  c.name = r.Text(0);
  c.source = SourceFromColumns(r.Text(1), r.Text(2), r.Text(3), r.Int(4));
  c.generation = r.Int(5);
  c.created_at = r.Text(6);
  c.updated_at = r.Text(7);
  if (!r.IsNull(8))
    c.status = EndpointStatus{ParseEndpointState(r.Text(8)), r.Text(9), r.Int(10), r.Text(11), r.Text(12)};
  return c;
}

std::vector<SqlValue> SourceColumns(const EndpointSource& s) {
  return {ToString(s.kind), s.bundle.string(), s.group, s.version};
}

std::string NoEndpoint(const std::string& name) { return "endpoint '" + name + "' does not exist"; }

// Checks a bundle folder the way the registry does before copying one.
void CheckBundleFolder(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw NotFound("model folder not found: " + folder.string());
  if (!fs::exists(folder / "manifest.json", ec)) {
    throw InvalidInput(folder.string() + " is not a model bundle (no manifest.json)");
  }
}

int64_t JsonVersion(const Json& j) {
  if (!j.contains("version") || !j.at("version").is_number_integer()) {
    throw InvalidInput("endpoint model source: 'version' must be an integer");
  }
  return j.at("version").get<int64_t>();
}

std::string JsonText(const Json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_string()) {
    throw InvalidInput(std::string("endpoint model source: '") + key + "' must be a string");
  }
  return j.at(key).get<std::string>();
}

}  // namespace

std::string ToString(ModelSourceKind kind) { return kKindNames[static_cast<int>(kind)]; }

ModelSourceKind ParseModelSourceKind(std::string_view text) {
  for (int i = 0; i < 3; ++i) {
    if (text == kKindNames[i]) return static_cast<ModelSourceKind>(i);
  }
  throw InvalidInput("invalid model source kind '" + std::string(text) +
                     "' (valid: bundle, group_version, latest_approved)");
}

std::string ToString(EndpointState state) { return kStateNames[static_cast<int>(state)]; }

EndpointState ParseEndpointState(std::string_view text) {
  for (int i = 0; i < 3; ++i) {
    if (text == kStateNames[i]) return static_cast<EndpointState>(i);
  }
  throw InvalidInput("invalid endpoint state '" + std::string(text) + "' (valid: loading, serving, failed)");
}

EndpointSource EndpointSource::Bundle(std::filesystem::path folder) {
  EndpointSource s;
  s.kind = ModelSourceKind::kBundle;
  s.bundle = std::move(folder);
  return s;
}

EndpointSource EndpointSource::GroupVersion(std::string group, int64_t version) {
  EndpointSource s;
  s.kind = ModelSourceKind::kGroupVersion;
  s.group = std::move(group);
  s.version = version;
  return s;
}

EndpointSource EndpointSource::LatestApproved(std::string group) {
  EndpointSource s;
  s.kind = ModelSourceKind::kLatestApproved;
  s.group = std::move(group);
  return s;
}

Json ToJson(const EndpointSource& source) {
  switch (source.kind) {
    case ModelSourceKind::kBundle:
      return {{"kind", "bundle"}, {"path", source.bundle.string()}};
    case ModelSourceKind::kGroupVersion:
      return {{"kind", "group_version"}, {"group", source.group}, {"version", source.version}};
    case ModelSourceKind::kLatestApproved:
      return {{"kind", "latest_approved"}, {"group", source.group}};
  }
  throw Internal("unreachable model source kind");
}

EndpointSource EndpointSourceFromJson(const Json& json) {
  if (!json.is_object()) throw InvalidInput("endpoint model source must be a JSON object");
  EndpointSource source;
  switch (ParseModelSourceKind(JsonText(json, "kind"))) {
    case ModelSourceKind::kBundle:
      source = EndpointSource::Bundle(JsonText(json, "path"));
      break;
    case ModelSourceKind::kGroupVersion:
      source = EndpointSource::GroupVersion(JsonText(json, "group"), JsonVersion(json));
      break;
    case ModelSourceKind::kLatestApproved:
      source = EndpointSource::LatestApproved(JsonText(json, "group"));
      break;
  }
  // Unknown keys are rejected, not ignored: the keys are exactly ToJson's.
  const Json expected = ToJson(source);
  for (const auto& [key, value] : json.items()) {
    if (!expected.contains(key)) {
      throw InvalidInput("endpoint model source: unknown key '" + key + "' for kind " + ToString(source.kind));
    }
  }
  return source;
}

std::string DescribeSource(const EndpointSource& source) {
  switch (source.kind) {
    case ModelSourceKind::kBundle:
      return "bundle " + source.bundle.string();
    case ModelSourceKind::kGroupVersion:
      return "group " + source.group + " version " + std::to_string(source.version);
    case ModelSourceKind::kLatestApproved:
      return "group " + source.group + " latest Approved version";
  }
  throw Internal("unreachable model source kind");
}

Json ToJson(const EndpointStatus& status) {
  return {{"state", ToString(status.state)},
          {"model", status.model},
          {"generation", status.generation},
          {"message", status.message},
          {"reported_at", status.reported_at}};
}

Json ToJson(const EndpointConfig& config) {
  return {{"name", config.name},
          {"source", ToJson(config.source)},
          {"generation", config.generation},
          {"created_at", config.created_at},
          {"updated_at", config.updated_at},
          {"status", config.status ? ToJson(*config.status) : Json(nullptr)}};
}

Json ToJson(const EndpointEvent& event) {
  return {{"action", event.action},
          {"generation", event.generation},
          {"source", ToJson(event.source)},
          {"changed_by", event.changed_by},
          {"changed_at", event.changed_at}};
}

const std::vector<Migration>& EndpointStore::Migrations() {
  static const std::vector<Migration> migrations = {{1, kCreateSqlite, PostgresSchema()}};
  return migrations;
}

EndpointStore::EndpointStore(Database& db, ModelRegistry& registry) : EndpointStore(db, registry, Options{}) {}

// No user given: the registry's ($USER, else "unknown"), one rule for both trails.
EndpointStore::EndpointStore(Database& db, ModelRegistry& registry, Options options)
    : db_(db), registry_(registry), user_(options.user.empty() ? registry.user() : std::move(options.user)) {
  Migrate(db_, "endpoints", Migrations());
}

// Groups and versions are never deleted from the registry, so a source found
// here still exists when the endpoint row is written a moment later.
EndpointSource EndpointStore::CheckedSource(const EndpointSource& source) {
  switch (source.kind) {
    case ModelSourceKind::kBundle: {
      if (source.bundle.empty()) throw InvalidInput("the model bundle folder is empty");
      const fs::path folder = fs::absolute(source.bundle).lexically_normal();
      CheckBundleFolder(folder);
      // "/models/m/" and "/models/m" are one bundle: no trailing separator.
      return EndpointSource::Bundle(folder.has_filename() ? folder : folder.parent_path());
    }
    case ModelSourceKind::kGroupVersion:
      CheckResourceName(source.group, "model package group");
      if (source.version < 1) {
        throw InvalidInput("invalid model version " + std::to_string(source.version) + ": versions start at 1");
      }
      registry_.Describe(source.group, source.version);  // NotFound for an unknown group or version
      return EndpointSource::GroupVersion(source.group, source.version);
    case ModelSourceKind::kLatestApproved:
      CheckResourceName(source.group, "model package group");
      registry_.GetGroup(source.group);  // NotFound for an unknown group
      return EndpointSource::LatestApproved(source.group);
  }
  throw Internal("unreachable model source kind");
}

EndpointConfig EndpointStore::Create(const std::string& name, const EndpointSource& source) {
  CheckResourceName(name, "endpoint");
  const EndpointSource stored = CheckedSource(source);
  std::vector<SqlValue> source_columns = SourceColumns(stored);
  try {
    db_.Transaction([&] {
      if (!db_.Query("SELECT 1 FROM endpoints WHERE name = ?", {name}).empty()) {
        throw Conflict("endpoint '" + name + "' already exists");
      }
      // Above every generation the name ever had: a server that loaded
      // generation 3 of a deleted endpoint sees the re-created one as new.
      const int64_t generation =
          db_.Query("SELECT COALESCE(MAX(generation), 0) + 1 FROM endpoint_history WHERE name = ?", {name})
              .at(0)
              .Int(0);
      const std::string now = UtcTimestamp();
      std::vector<SqlValue> row = {name};
      row.insert(row.end(), source_columns.begin(), source_columns.end());
      row.insert(row.end(), {generation, now, now});
      db_.Execute(
          "INSERT INTO endpoints (name, source_kind, bundle_path, model_group, model_version, generation, "
          "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          row);
      db_.Execute(
          "INSERT INTO endpoint_history (name, generation, action, source, changed_by, changed_at) "
          "VALUES (?, ?, 'create', ?, ?, ?)",
          {name, generation, ToJson(stored).dump(), user_, now});
    });
  } catch (const Conflict&) {
    // Ours, or a racing creation's primary key on PostgreSQL.
    throw Conflict("endpoint '" + name + "' already exists");
  }
  return Get(name);
}

EndpointConfig EndpointStore::Update(const std::string& name, const EndpointSource& source) {
  Get(name);  // NotFound before the source's own errors
  const EndpointSource stored = CheckedSource(source);
  const std::vector<SqlValue> source_columns = SourceColumns(stored);
  bool found = false;
  db_.Transaction([&] {
    auto rows = db_.Query("SELECT generation FROM endpoints WHERE name = ?", {name});
    found = !rows.empty();
    if (!found) return;  // deleted meanwhile
    const int64_t generation = rows[0].Int(0) + 1;
    const std::string now = UtcTimestamp();
    std::vector<SqlValue> values = source_columns;
    values.insert(values.end(), {generation, now, name});
    db_.Execute(
        "UPDATE endpoints SET source_kind = ?, bundle_path = ?, model_group = ?, model_version = ?, "
        "generation = ?, updated_at = ? WHERE name = ?",
        values);
    db_.Execute(
        "INSERT INTO endpoint_history (name, generation, action, source, changed_by, changed_at) "
        "VALUES (?, ?, 'update', ?, ?, ?)",
        {name, generation, ToJson(stored).dump(), user_, now});
  });
  if (!found) throw NotFound(NoEndpoint(name));
  return Get(name);
}

void EndpointStore::Delete(const std::string& name) {
  bool found = false;
  db_.Transaction([&] {
    auto rows = db_.Query(std::string(kConfigSelect) + " WHERE e.name = ?", {name});
    found = !rows.empty();
    if (!found) return;
    const EndpointConfig c = FromRow(rows[0]);
    // The status row goes too (ON DELETE CASCADE is not relied on: SQLite
    // enforces it only with foreign keys on).
    db_.Execute("DELETE FROM endpoint_status WHERE name = ?", {name});
    db_.Execute("DELETE FROM endpoints WHERE name = ?", {name});
    db_.Execute(
        "INSERT INTO endpoint_history (name, generation, action, source, changed_by, changed_at) "
        "VALUES (?, ?, 'delete', ?, ?, ?)",
        {name, c.generation, ToJson(c.source).dump(), user_, UtcTimestamp()});
  });
  if (!found) throw NotFound(NoEndpoint(name));
}

EndpointStore::PutResult EndpointStore::Put(const std::string& name, const EndpointSource& source) {
  CheckResourceName(name, "endpoint");
  auto rows = db_.Query(std::string(kConfigSelect) + " WHERE e.name = ?", {name});
  if (rows.empty()) return {Create(name, source), PutAction::kCreated};
  EndpointConfig existing = FromRow(rows[0]);
  if (existing.source == CheckedSource(source)) return {std::move(existing), PutAction::kUnchanged};
  return {Update(name, source), PutAction::kUpdated};
}

EndpointConfig EndpointStore::Get(const std::string& name) {
  auto rows = db_.Query(std::string(kConfigSelect) + " WHERE e.name = ?", {name});
  if (rows.empty()) throw NotFound(NoEndpoint(name));
  return FromRow(rows[0]);
}

std::vector<EndpointConfig> EndpointStore::List() {
  std::vector<EndpointConfig> out;
  for (const SqlRow& r : db_.Query(std::string(kConfigSelect) + " ORDER BY e.name")) out.push_back(FromRow(r));
  return out;
}

std::vector<EndpointEvent> EndpointStore::History(const std::string& name) {
  std::vector<EndpointEvent> out;
  for (const SqlRow& r : db_.Query("SELECT action, generation, source, changed_by, changed_at FROM endpoint_history "
                                   "WHERE name = ? ORDER BY id",
                                   {name})) {
    EndpointSource source;
    try {
      source = EndpointSourceFromJson(Json::parse(r.Text(2)));
    } catch (const Json::exception& e) {
      throw Internal("store: endpoint_history.source is not valid JSON: " + std::string(e.what()));
    } catch (const InvalidInput& e) {
      throw Internal("store: endpoint_history.source: " + std::string(e.what()));
    }
    out.push_back({r.Text(0), r.Int(1), std::move(source), r.Text(3), r.Text(4)});
  }
  if (out.empty()) throw NotFound(NoEndpoint(name));
  return out;
}

EndpointStatus EndpointStore::ReportStatus(const std::string& name, const EndpointStatus& status) {
  EndpointStatus stored = status;
  stored.reported_at = UtcTimestamp();
  int64_t current = 0;
  db_.Transaction([&] {  // may run more than once (a retried serialization failure)
    current = 0;
    auto rows = db_.Query("SELECT generation FROM endpoints WHERE name = ?", {name});
    if (rows.empty()) return;
    current = rows[0].Int(0);
    if (stored.generation < 1 || stored.generation > current) return;
    db_.Execute(
        "INSERT INTO endpoint_status (name, state, model, generation, message, reported_at) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET state = excluded.state, model = excluded.model, "
        "generation = excluded.generation, message = excluded.message, reported_at = excluded.reported_at",
        {name, ToString(stored.state), stored.model, stored.generation, stored.message, stored.reported_at});
  });
  if (current == 0) throw NotFound(NoEndpoint(name));
  if (stored.generation < 1 || stored.generation > current) {
    throw InvalidInput("status for generation " + std::to_string(stored.generation) + " of endpoint '" + name +
                       "', which is at generation " + std::to_string(current));
  }
  return stored;
}

ResolvedModel ResolveEndpointModel(const EndpointSource& source, ModelRegistry& registry) {
  ResolvedModel out;
  std::optional<ModelVersion> version;
  switch (source.kind) {
    case ModelSourceKind::kBundle:
      CheckBundleFolder(source.bundle);
      out.bundle = source.bundle;
      out.description = source.bundle.string();
      return out;
    case ModelSourceKind::kGroupVersion:
      version = registry.Describe(source.group, source.version);
      break;
    case ModelSourceKind::kLatestApproved:
      version = registry.LatestApproved(source.group);
      if (!version) throw NotFound("model package group '" + source.group + "' has no Approved version");
      break;
  }
  out.bundle = version->artifact_path;
  out.group = version->group;
  out.version = version->version;
  out.description = version->group + " v" + std::to_string(version->version);
  out.artifact_hash = version->artifact_hash;
  return out;
}

}  // namespace tabpilot
