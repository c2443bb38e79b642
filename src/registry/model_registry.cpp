#include "registry/model_registry.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "core/atomic_file.h"
#include "core/error.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

constexpr const char* kStatusNames[] = {"PendingManualApproval", "Approved", "Rejected"};

// Column list shared by every query that builds a ModelVersion (see FromRow).
constexpr const char* kVersionColumns =
    "group_name, version, artifact_hash, approval_status, execution_id, description, created_at, updated_at, "
    "evaluation_report, leaderboard, input_data_hashes, metrics, tags";

const char* kCreateSqlite = R"sql(
CREATE TABLE model_package_groups (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE model_package_versions (
  group_name TEXT NOT NULL REFERENCES model_package_groups (name),
  version INTEGER NOT NULL,
  artifact_hash TEXT NOT NULL,
  approval_status TEXT NOT NULL
    CHECK (approval_status IN ('PendingManualApproval', 'Approved', 'Rejected')),
  execution_id TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  evaluation_report TEXT NOT NULL,
  leaderboard TEXT NOT NULL,
  input_data_hashes TEXT NOT NULL,
  metrics TEXT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (group_name, version)
);
CREATE INDEX model_package_versions_by_status ON model_package_versions (group_name, approval_status, version);
CREATE TABLE model_package_approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  old_status TEXT NOT NULL,
  new_status TEXT NOT NULL,
  comment TEXT NOT NULL,
  FOREIGN KEY (group_name, version) REFERENCES model_package_versions (group_name, version)
);
)sql";

std::string PostgresSchema() {
  return RewriteSql(kCreateSqlite, {{"id INTEGER PRIMARY KEY AUTOINCREMENT", "id BIGSERIAL PRIMARY KEY"},
                                    {"version INTEGER NOT NULL", "version BIGINT NOT NULL"}});
}

void CheckGroupName(const std::string& name) { CheckResourceName(name, "model package group"); }

Json ParseStored(const std::string& text, const char* column) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw Internal(std::string("store: model_package_versions.") + column + " is not valid JSON: " + e.what());
  }
}

ModelVersion FromRow(const SqlRow& r, const ArtifactStore& artifacts) {
  ModelVersion v;
  v.group = r.Text(0);
  v.version = r.Int(1);
  v.artifact_hash = r.Text(2);
  v.artifact_path = artifacts.Path(v.artifact_hash);
  v.status = ParseApprovalStatus(r.Text(3));
  v.execution_id = r.Text(4);
  v.description = r.Text(5);
  v.created_at = r.Text(6);
  v.updated_at = r.Text(7);
  v.evaluation_report = ParseStored(r.Text(8), "evaluation_report");
  v.leaderboard = ParseStored(r.Text(9), "leaderboard");
  v.input_data_hashes = ParseStored(r.Text(10), "input_data_hashes");
  v.metrics = ParseStored(r.Text(11), "metrics");
  v.tags = ParseStored(r.Text(12), "tags");
  return v;
}

void CheckStringMap(const Json& j, const char* what) {
  if (!j.is_object()) throw InvalidInput(std::string(what) + " must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) throw InvalidInput(std::string(what) + " '" + k + "' must be a string");
  }
}

Json ReadLeaderboard(const fs::path& model_dir) {
  const fs::path path = model_dir / "leaderboard.json";
  std::error_code ec;
  if (!fs::exists(path, ec)) return Json::array();
  try {
    return Json::parse(ReadFile(path));
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle: " + path.string() + ": " + e.what());
  }
}

}  // namespace

void CheckResourceName(const std::string& name, const std::string& what) {
  bool ok = !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok) {
    throw InvalidInput("invalid " + what + " name '" + name +
                       "': use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit");
  }
}

Json ToJson(const ApprovalEvent& e) {
  return {{"changed_at", e.changed_at},
          {"changed_by", e.changed_by},
          {"old_status", e.old_status.empty() ? Json(nullptr) : Json(e.old_status)},
          {"new_status", e.new_status},
          {"comment", e.comment}};
}

Json AuditJson(const std::vector<ApprovalEvent>& audit) {
  Json out = Json::array();
  for (const ApprovalEvent& e : audit) out.push_back(ToJson(e));
  return out;
}

std::string ToString(ApprovalStatus status) { return kStatusNames[static_cast<int>(status)]; }

ApprovalStatus ParseApprovalStatus(std::string_view text) {
  for (int i = 0; i < 3; ++i) {
    if (text == kStatusNames[i]) return static_cast<ApprovalStatus>(i);
  }
  throw InvalidInput("invalid approval status '" + std::string(text) +
                     "' (valid: PendingManualApproval, Approved, Rejected)");
}

Json MetricsSummary(const Json& evaluation_report) {
  Json out = Json::object();
  if (!evaluation_report.is_object()) return out;
  for (const auto& [section, metrics] : evaluation_report.items()) {
    if (!metrics.is_object() || section.size() < 8 || section.compare(section.size() - 8, 8, "_metrics") != 0) continue;
    for (const auto& [name, metric] : metrics.items()) {
      if (metric.is_object() && metric.contains("value") && metric["value"].is_number()) out[name] = metric["value"];
    }
  }
  return out;
}

const std::vector<Migration>& ModelRegistry::Migrations() {
  static const std::vector<Migration> migrations = {
      {1, kCreateSqlite, PostgresSchema()},
      // A metric across versions (ListVersionMetrics) from the index alone: in
      // SQLite a row's columns after its large reports are reached through
      // their overflow pages (1,000 versions: 50 ms, 3 ms with the index).
      // PostgreSQL keeps large values out of line already, and its index
      // entries are limited in size: nothing to do there.
      {2,
       "CREATE INDEX model_package_versions_metrics ON model_package_versions (group_name, version, "
       "approval_status, metrics)",
       "SELECT 1"}};
  return migrations;
}

ModelRegistry::ModelRegistry(Database& db, ArtifactStore& artifacts) : ModelRegistry(db, artifacts, Options{}) {}

ModelRegistry::ModelRegistry(Database& db, ArtifactStore& artifacts, Options options)
    : db_(db), artifacts_(artifacts), user_(std::move(options.user)) {
  if (user_.empty()) {
    const char* env = std::getenv("USER");
    user_ = env && *env ? env : "unknown";
  }
  Migrate(db_, "registry", Migrations());
}

void ModelRegistry::CreateGroup(const std::string& name, const std::string& description) {
  CheckGroupName(name);
  db_.Execute(
      "INSERT INTO model_package_groups (name, description, created_at) VALUES (?, ?, ?) "
      "ON CONFLICT (name) DO NOTHING",
      {name, description, UtcTimestamp()});
}

ModelVersion ModelRegistry::Register(const RegisterRequest& request) {
  CheckGroupName(request.group);
  std::error_code ec;
  if (!fs::is_directory(request.model_dir, ec)) throw NotFound("model folder not found: " + request.model_dir.string());
  if (!fs::exists(request.model_dir / "manifest.json", ec)) {
    throw InvalidInput(request.model_dir.string() + " is not a model bundle (no manifest.json)");
  }
  CheckStringMap(request.tags, "tag");
  if (!request.input_data_hashes.is_object()) throw InvalidInput("input data hashes must be a JSON object");
  if (!request.evaluation_report.is_object()) throw InvalidInput("the evaluation report must be a JSON object");
  const Json leaderboard = request.leaderboard.is_null() ? ReadLeaderboard(request.model_dir) : request.leaderboard;
  const Json metrics = request.metrics.is_null() ? MetricsSummary(request.evaluation_report) : request.metrics;

  // The bundle is complete in the artifact store before any row names it.
  const std::string hash = artifacts_.PutDirectory(request.model_dir);
  const std::string status = ToString(request.status);
  int64_t version = 0;
  // SQLite's BEGIN IMMEDIATE already serializes writers. On PostgreSQL two
  // registrations can both read the same MAX(version); the loser hits the
  // primary key (Conflict) or a serialization failure (retried inside
  // Transaction) and here simply takes the next number.
  constexpr int kAttempts = 20;
  for (int attempt = 1;; ++attempt) {
    try {
      db_.Transaction([&] {
        const std::string now = UtcTimestamp();
        db_.Execute(
            "INSERT INTO model_package_groups (name, description, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO NOTHING",
            {request.group, request.group_description, now});
        version = db_.Query("SELECT COALESCE(MAX(version), 0) + 1 FROM model_package_versions WHERE group_name = ?",
                            {request.group})
                      .at(0)
                      .Int(0);
        db_.Execute(std::string("INSERT INTO model_package_versions (") + kVersionColumns +
                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    {request.group, version, hash, status, request.execution_id, request.description, now, now,
                     request.evaluation_report.dump(), leaderboard.dump(), request.input_data_hashes.dump(),
                     metrics.dump(), request.tags.dump()});
        db_.Execute(
            "INSERT INTO model_package_approvals (group_name, version, changed_by, changed_at, old_status, "
            "new_status, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
            {request.group, version, user_, now, std::string(), status, request.comment});
      });
      break;
    } catch (const Conflict&) {
      if (attempt == kAttempts) throw;
    }
  }
  return Describe(request.group, version);
}

std::vector<ModelPackageGroup> ModelRegistry::ListGroups() {
  std::vector<ModelPackageGroup> out;
  for (const SqlRow& r :
       db_.Query("SELECT g.name, g.description, g.created_at, COUNT(v.version), COALESCE(MAX(v.version), 0), "
                 "COALESCE(MAX(CASE WHEN v.approval_status = 'Approved' THEN v.version END), 0) "
                 "FROM model_package_groups g LEFT JOIN model_package_versions v ON v.group_name = g.name "
                 "GROUP BY g.name, g.description, g.created_at ORDER BY g.name")) {
    out.push_back({r.Text(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4), r.Int(5)});
  }
  return out;
}

ModelPackageGroup ModelRegistry::GetGroup(const std::string& group) {
  for (ModelPackageGroup& g : ListGroups()) {
    if (g.name == group) return std::move(g);
  }
  throw NotFound("model package group '" + group + "' does not exist");
}

std::vector<ModelVersion> ModelRegistry::ListVersions(const std::string& group) {
  auto rows = db_.Query(std::string("SELECT ") + kVersionColumns +
                            " FROM model_package_versions WHERE group_name = ? ORDER BY version DESC",
                        {group});
  if (rows.empty()) GetGroup(group);  // throws NotFound for an unknown group
  std::vector<ModelVersion> out;
  for (const SqlRow& r : rows) out.push_back(FromRow(r, artifacts_));
  return out;
}

ModelRegistry::VersionPage ModelRegistry::ListVersionPage(const std::string& group, int64_t offset, int64_t limit) {
  VersionPage page;
  page.total = db_.Query("SELECT COUNT(*) FROM model_package_versions WHERE group_name = ?", {group})[0].Int(0);
  if (page.total == 0) GetGroup(group);  // throws NotFound for an unknown group
  // The listing's columns, the two large JSON ones replaced by empty values.
  auto rows = db_.Query(
      "SELECT group_name, version, artifact_hash, approval_status, execution_id, description, created_at, "
      "updated_at, '{}', '[]', input_data_hashes, metrics, tags FROM model_package_versions WHERE group_name = ? "
      "ORDER BY version DESC LIMIT ? OFFSET ?",
      {group, std::max<int64_t>(0, limit), std::max<int64_t>(0, offset)});
  for (const SqlRow& r : rows) page.versions.push_back(FromRow(r, artifacts_));
  return page;
}

std::vector<ModelRegistry::VersionMetrics> ModelRegistry::ListVersionMetrics(const std::string& group, int64_t limit) {
  auto rows = db_.Query(
      "SELECT version, approval_status, metrics FROM model_package_versions WHERE group_name = ? "
      "ORDER BY version LIMIT ?",
      {group, std::max<int64_t>(0, limit)});
  if (rows.empty()) GetGroup(group);  // throws NotFound for an unknown group
  std::vector<VersionMetrics> out;
  out.reserve(rows.size());
  for (const SqlRow& r : rows) {
    out.push_back({r.Int(0), ParseApprovalStatus(r.Text(1)), ParseStored(r.Text(2), "metrics")});
  }
  return out;
}

ModelVersion ModelRegistry::Describe(const std::string& group, int64_t version) {
  auto rows = db_.Query(
      std::string("SELECT ") + kVersionColumns + " FROM model_package_versions WHERE group_name = ? AND version = ?",
      {group, version});
  if (rows.empty()) {
    GetGroup(group);
    throw NotFound("model package group '" + group + "' has no version " + std::to_string(version));
  }
  ModelVersion v = FromRow(rows[0], artifacts_);
  for (const SqlRow& r : db_.Query("SELECT changed_by, changed_at, old_status, new_status, comment "
                                   "FROM model_package_approvals WHERE group_name = ? AND version = ? ORDER BY id",
                                   {group, version})) {
    v.audit.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)});
  }
  return v;
}

ModelVersion ModelRegistry::UpdateApprovalStatus(const std::string& group, int64_t version, ApprovalStatus status,
                                                 const std::string& comment) {
  const std::string new_status = ToString(status);
  // Approving is what makes a version deployable: its bytes are re-hashed
  // first, so a copy changed in a shared store is never approved.
  if (status == ApprovalStatus::kApproved) artifacts_.VerifiedPath(Describe(group, version).artifact_hash);
  bool found = false;
  db_.Transaction([&] {
    auto rows = db_.Query("SELECT approval_status FROM model_package_versions WHERE group_name = ? AND version = ?",
                          {group, version});
    found = !rows.empty();
    if (!found) return;
    const std::string now = UtcTimestamp();
    db_.Execute(
        "UPDATE model_package_versions SET approval_status = ?, updated_at = ? "
        "WHERE group_name = ? AND version = ?",
        {new_status, now, group, version});
    db_.Execute(
        "INSERT INTO model_package_approvals (group_name, version, changed_by, changed_at, old_status, "
        "new_status, comment) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {group, version, user_, now, rows[0].Text(0), new_status, comment});
  });
  if (!found) {
    GetGroup(group);
    throw NotFound("model package group '" + group + "' has no version " + std::to_string(version));
  }
  return Describe(group, version);
}

std::optional<ModelVersion> ModelRegistry::LatestApproved(const std::string& group) {
  auto rows = db_.Query(std::string("SELECT ") + kVersionColumns +
                            " FROM model_package_versions WHERE group_name = ? AND approval_status = 'Approved' "
                            "ORDER BY version DESC LIMIT 1",
                        {group});
  if (rows.empty()) {
    GetGroup(group);
    return std::nullopt;
  }
  return FromRow(rows[0], artifacts_);
}

}  // namespace tabpilot
