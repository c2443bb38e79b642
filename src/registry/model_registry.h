// The model registry: model package groups, numbered versions of registered
// model bundles, approval status with an audit trail, and lineage.
//
// A version holds an immutable copy of the bundle in the artifact store (by
// content hash), the evaluation report, the leaderboard, the producing
// pipeline execution and the hashes of its input data. Versions are numbered
// 1, 2, 3, ... per group inside one write transaction, with
// UNIQUE(group, version) as a backstop, so concurrent registrations from
// several processes get distinct numbers.
//
// Ownership and threads: a ModelRegistry borrows a Database and an
// ArtifactStore (both must outlive it) and, like the Database, is used by one
// thread at a time; open one Database + ModelRegistry per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "store/artifact_store.h"
#include "store/database.h"

namespace tabpilot {

enum class ApprovalStatus { kPendingManualApproval, kApproved, kRejected };

// "PendingManualApproval", "Approved", "Rejected" (SageMaker's spelling).
std::string ToString(ApprovalStatus status);
// Parses the names above (exact spelling); InvalidInput listing them otherwise.
ApprovalStatus ParseApprovalStatus(std::string_view text);

struct ModelPackageGroup {
  std::string name;
  std::string description;
  std::string created_at;  // ISO 8601 UTC
  int64_t version_count = 0;
  int64_t latest_version = 0;   // 0 when the group has no version
  int64_t latest_approved = 0;  // 0 when none is Approved
};

// One row of the approval audit trail. The registration itself is the first
// row, with an empty old_status.
struct ApprovalEvent {
  std::string changed_by;  // $USER of the process, or "unknown"
  std::string changed_at;  // ISO 8601 UTC
  std::string old_status;  // "" for the registration
  std::string new_status;
  std::string comment;
};

struct ModelVersion {
  std::string group;
  int64_t version = 0;
  std::string artifact_hash;            // the bundle's copy in the artifact store
  std::filesystem::path artifact_path;  // where that copy is (ArtifactStore::Path)
  ApprovalStatus status = ApprovalStatus::kPendingManualApproval;
  std::string execution_id;  // producing pipeline execution; may be empty
  std::string description;
  std::string created_at;
  std::string updated_at;                   // last approval change (= created_at at first)
  Json evaluation_report = Json::object();  // SageMaker model-quality shape
  Json leaderboard = Json::array();
  Json input_data_hashes = Json::object();  // lineage: input name -> content hash
  Json metrics = Json::object();            // summary, e.g. {"f1": 0.71, "accuracy": 0.85}
  Json tags = Json::object();               // free-form string -> string
  std::vector<ApprovalEvent> audit;         // filled by Describe() only, oldest first
};

// What Register() needs. Only `group` and `model_dir` are required.
struct RegisterRequest {
  std::string group;
  // Used only when the group does not exist yet and is created here.
  std::string group_description;
  // A model bundle folder (must hold manifest.json). Copied into the artifact store.
  std::filesystem::path model_dir;
  std::string description;
  Json evaluation_report = Json::object();
  // null: read leaderboard.json from the bundle if present, else [].
  Json leaderboard = nullptr;
  std::string execution_id;
  Json input_data_hashes = Json::object();
  Json tags = Json::object();
  // null: derived from evaluation_report (every "<x>_metrics.<name>.value" number).
  Json metrics = nullptr;
  ApprovalStatus status = ApprovalStatus::kPendingManualApproval;
  std::string comment;  // recorded in the audit trail with the registration
};

class ModelRegistry {
 public:
  struct Options {
    // Who appears in the audit trail; empty means $USER, else "unknown".
    std::string user;
  };

  // Applies the registry's schema migrations (idempotent).
  ModelRegistry(Database& db, ArtifactStore& artifacts, Options options);
  ModelRegistry(Database& db, ArtifactStore& artifacts);

  // The registry's schema, for Migrate(db, "registry", ...).
  static const std::vector<Migration>& Migrations();

  // Creates the group if missing (idempotent; an existing description is kept).
  // Names: 1-63 characters of letters, digits, '-', '_' and '.', starting
  // with a letter or digit; InvalidInput otherwise.
  void CreateGroup(const std::string& name, const std::string& description);

  // Copies the bundle into the artifact store, then records the next version
  // of the group (creating the group if needed) in one transaction. The
  // artifact is complete before any row refers to it, so a crash leaves at
  // worst an unreferenced artifact, never a version without its bundle.
  ModelVersion Register(const RegisterRequest& request);

  // All groups, by name.
  std::vector<ModelPackageGroup> ListGroups();
  // NotFound("model package group 'G' does not exist") for an unknown group.
  ModelPackageGroup GetGroup(const std::string& group);
  // The group's versions, newest first (without audit trails).
  std::vector<ModelVersion> ListVersions(const std::string& group);
  // One page of the group's versions, newest first (`limit` from `offset`),
  // without their evaluation reports and leaderboards (left empty): what a
  // listing shows, cheap on groups of thousands. `total`: the group's count.
  struct VersionPage {
    int64_t total = 0;
    std::vector<ModelVersion> versions;
  };
  VersionPage ListVersionPage(const std::string& group, int64_t offset, int64_t limit);
  // Every version's number, status and metrics summary, oldest first (the
  // first `limit`): a metric across versions, one light query.
  struct VersionMetrics {
    int64_t version = 0;
    ApprovalStatus status = ApprovalStatus::kPendingManualApproval;
    Json metrics;
  };
  std::vector<VersionMetrics> ListVersionMetrics(const std::string& group, int64_t limit);
  // One version with its audit trail. NotFound("model package group 'G' has no
  // version 7") for an unknown version, or the unknown-group message.
  ModelVersion Describe(const std::string& group, int64_t version);

  // Changes the approval status and appends an audit row, in one transaction.
  // Setting the current status again is allowed and audited too. Approving
  // re-hashes the version's artifact first (ArtifactStore::VerifiedPath): a
  // missing or changed artifact is NotFound / InvalidInput, and nothing changes.
  ModelVersion UpdateApprovalStatus(const std::string& group, int64_t version, ApprovalStatus status,
                                    const std::string& comment);

  // The highest-numbered Approved version (one query), or nullopt when the
  // group has none. NotFound for an unknown group.
  std::optional<ModelVersion> LatestApproved(const std::string& group);

  const std::string& user() const { return user_; }

 private:
  Database& db_;
  ArtifactStore& artifacts_;
  std::string user_;
};

// One audit row as JSON: changed_at, changed_by, old_status (null for the
// registration), new_status, comment; and a whole trail, oldest first.
Json ToJson(const ApprovalEvent& event);
Json AuditJson(const std::vector<ApprovalEvent>& audit);

// The metrics summary Register() derives from an evaluation report.
Json MetricsSummary(const Json& evaluation_report);

// The naming rule of model package groups, shared by everything named in the
// store beside them (endpoints): 1-63 characters of letters, digits, '-', '_'
// and '.', starting with a letter or digit. Throws InvalidInput("invalid
// <what> name 'N': use ...") otherwise; `what` is e.g. "model package group".
void CheckResourceName(const std::string& name, const std::string& what);

}  // namespace tabpilot
