// Where the metadata store and the artifacts live, and opening both.
//
// The database is `--store PATH_OR_URL` if given, else $TABPILOT_STORE, else
// .tabpilot/metadata.db in the working directory. A PATH naming an existing
// folder (or ending in '/') means PATH/metadata.db. Artifacts live in an
// `artifacts` folder next to a SQLite file; for PostgreSQL (whose server
// cannot hold files) in $TABPILOT_ARTIFACTS, else .tabpilot/artifacts in the
// working directory.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "store/artifact_store.h"
#include "store/database.h"

namespace tabpilot {

struct StoreLocation {
  std::string database;              // SQLite file path or postgresql:// URL
  std::filesystem::path artifacts;   // artifact store root
};

// Resolves the location; `flag` is the --store value ("" when not given).
// Reads the environment (thread-safe as long as nobody calls setenv meanwhile).
StoreLocation ResolveStoreLocation(const std::string& flag);

// An opened store: a database connection and the artifact store beside it.
// Move-only; one thread at a time (the Database's contract).
struct Store {
  StoreLocation location;
  std::unique_ptr<Database> db;
  ArtifactStore artifacts;
};

// Resolves and opens (see OpenDatabase for the errors).
Store OpenStore(const std::string& flag, const DatabaseOptions& options = {});

}  // namespace tabpilot
