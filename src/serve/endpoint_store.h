// Endpoint configurations in the metadata store: which model a named
// real-time endpoint serves, the history of every change, and the status the
// server last reported for it.
//
// An endpoint names a model source: a bundle folder, one registered version
// of a model package group, or a group's latest Approved version (followed as
// approvals change, as SageMaker deploys on approval). Every change bumps the
// endpoint's `generation`; a server watching the store compares generations
// to notice a changed configuration without comparing sources. Generations
// never repeat for a name, even across delete and re-create, so a server that
// remembers "generation 3 of endpoint X" can never mistake a new
// configuration for the one it loaded.
//
// Ownership and threads: an EndpointStore borrows a Database and a
// ModelRegistry (both must outlive it; the registry checks that groups and
// versions exist) and, like them, is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "registry/model_registry.h"
#include "store/database.h"

namespace tabpilot {

enum class ModelSourceKind {
  kBundle,          // a model bundle folder
  kGroupVersion,    // one version of a model package group
  kLatestApproved,  // the group's highest-numbered Approved version, whenever asked
};

// "bundle", "group_version", "latest_approved".
std::string ToString(ModelSourceKind kind);
// Parses the names above; InvalidInput listing them otherwise.
ModelSourceKind ParseModelSourceKind(std::string_view text);

// Where an endpoint's model comes from. Build one with the factories; the
// fields a kind does not use stay empty / 0.
struct EndpointSource {
  ModelSourceKind kind = ModelSourceKind::kBundle;
  std::filesystem::path bundle;  // kBundle: the bundle folder (absolute once stored)
  std::string group;             // kGroupVersion, kLatestApproved
  int64_t version = 0;           // kGroupVersion

  static EndpointSource Bundle(std::filesystem::path folder);
  static EndpointSource GroupVersion(std::string group, int64_t version);
  static EndpointSource LatestApproved(std::string group);

  bool operator==(const EndpointSource&) const = default;
};

// {"kind": "bundle", "path": P} / {"kind": "group_version", "group": G,
// "version": N} / {"kind": "latest_approved", "group": G}.
Json ToJson(const EndpointSource& source);
// The inverse; InvalidInput for anything else (unknown kind or key, wrong types).
EndpointSource EndpointSourceFromJson(const Json& json);
// One line for people: "bundle /models/m", "group G version 3",
// "group G latest Approved version".
std::string DescribeSource(const EndpointSource& source);

enum class EndpointState { kLoading, kServing, kFailed };

// "loading", "serving", "failed".
std::string ToString(EndpointState state);
// Parses the names above; InvalidInput listing them otherwise.
EndpointState ParseEndpointState(std::string_view text);

// What a server last said about an endpoint (one per endpoint, replaced by
// each report).
struct EndpointStatus {
  EndpointState state = EndpointState::kLoading;
  // The model actually loaded (or being loaded), e.g. ResolvedModel::description.
  std::string model;
  // The endpoint generation this status is for; lower than the endpoint's
  // own while the server has not caught up with a change.
  int64_t generation = 0;
  std::string message;      // e.g. the load error when failed; may be empty
  std::string reported_at;  // ISO 8601 UTC; set by ReportStatus
};

struct EndpointConfig {
  std::string name;
  EndpointSource source;
  int64_t generation = 0;                // see the file comment
  std::string created_at;                // ISO 8601 UTC
  std::string updated_at;                // the last create or update
  std::optional<EndpointStatus> status;  // none until a server reports
};

// One row of an endpoint's history: created, updated or deleted.
struct EndpointEvent {
  std::string action;      // "create", "update" or "delete"
  int64_t generation = 0;  // the generation created (for delete: the last one)
  EndpointSource source;   // the new source (for delete: the one removed)
  std::string changed_by;  // $USER of the process, or "unknown"
  std::string changed_at;  // ISO 8601 UTC
};

Json ToJson(const EndpointConfig& config);
Json ToJson(const EndpointStatus& status);
Json ToJson(const EndpointEvent& event);

class EndpointStore {
 public:
  struct Options {
    // Who appears in the history; empty means the registry's ($USER, else "unknown").
    std::string user;
  };

  // Applies the endpoints' schema migrations (idempotent).
  EndpointStore(Database& db, ModelRegistry& registry, Options options);
  EndpointStore(Database& db, ModelRegistry& registry);

  // The schema, for Migrate(db, "endpoints", ...).
  static const std::vector<Migration>& Migrations();

  // Creates an endpoint at a generation above any the name had before (1 for
  // a new name). Names follow CheckResourceName. The source is checked first:
  // a bundle folder must exist (NotFound) and hold manifest.json (InvalidInput)
  // and is stored as an absolute path; a group must exist and a version be in
  // it (NotFound); a followed group need not have an Approved version yet.
  // Conflict("endpoint 'N' already exists") if the name is taken.
  EndpointConfig Create(const std::string& name, const EndpointSource& source);
  // Replaces the source (checked as in Create) and bumps the generation, even
  // when the source is unchanged: that is how to make servers reload.
  // NotFound("endpoint 'N' does not exist").
  EndpointConfig Update(const std::string& name, const EndpointSource& source);
  // What Put did.
  enum class PutAction { kCreated, kUpdated, kUnchanged };
  struct PutResult {
    EndpointConfig config;
    PutAction action = PutAction::kCreated;
  };
  // Makes the endpoint serve `source` (checked as in Create): creates it,
  // updates it when it serves another source, and leaves it alone (no new
  // generation, so servers do not reload) when it already serves this one.
  // The pipeline's deploy step and the server's admin PUT.
  PutResult Put(const std::string& name, const EndpointSource& source);
  // Removes the endpoint and its status; its history stays. NotFound as above.
  void Delete(const std::string& name);

  // One endpoint with its last status. NotFound as above.
  EndpointConfig Get(const std::string& name);
  // All endpoints, by name, with their statuses.
  std::vector<EndpointConfig> List();
  // Every create, update and delete of the name, oldest first, including those
  // of deleted endpoints. NotFound when the name never existed.
  std::vector<EndpointEvent> History(const std::string& name);

  // Replaces the endpoint's status (reported_at = now) and returns it as
  // stored. NotFound for an unknown endpoint; InvalidInput for a generation
  // the endpoint has not reached (below 1 or above its current one).
  EndpointStatus ReportStatus(const std::string& name, const EndpointStatus& status);

  const std::string& user() const { return user_; }

 private:
  // The source as stored (bundle path made absolute) after checking it.
  EndpointSource CheckedSource(const EndpointSource& source);

  Database& db_;
  ModelRegistry& registry_;
  std::string user_;
};

// An endpoint's model, resolved to a bundle folder to load.
struct ResolvedModel {
  std::filesystem::path bundle;  // the folder to load
  // "AutoMLModelPackageGroup v3", or the bundle folder's path.
  std::string description;
  std::string group;    // "" for a bundle source
  int64_t version = 0;  // 0 for a bundle source
  // For registry sources, the stored copy's content hash: pass it to
  // ArtifactStore::VerifiedPath right before loading (it re-hashes every byte,
  // too slow for a watcher polling this function). "" for a bundle source.
  std::string artifact_hash;
};

// Resolves a source now: a bundle folder as given (NotFound if gone,
// InvalidInput without manifest.json); a group version's or the latest
// Approved version's artifact in the registry (the registry's NotFound for an
// unknown group or version; NotFound("model package group 'G' has no Approved
// version") when nothing is Approved). Cheap: one or two queries and a stat,
// no hashing, so a server may call it on every poll to notice an approval.
ResolvedModel ResolveEndpointModel(const EndpointSource& source, ModelRegistry& registry);

}  // namespace tabpilot
