#include "store/store_location.h"

#include <cstdlib>

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

StoreLocation ResolveStoreLocation(const std::string& flag) {
  std::string db = flag;
  if (db.empty()) db = Env("TABPILOT_STORE");
  if (db.empty()) db = ".tabpilot/metadata.db";
  StoreLocation loc;
  if (IsPostgresUrl(db)) {
    loc.database = db;
    std::string artifacts = Env("TABPILOT_ARTIFACTS");
    loc.artifacts = artifacts.empty() ? fs::path(".tabpilot/artifacts") : fs::path(artifacts);
    return loc;
  }
  std::error_code ec;
  fs::path file(db);
  if (db.back() == '/' || fs::is_directory(file, ec)) file /= "metadata.db";
  loc.database = file.string();
  loc.artifacts = (file.has_parent_path() ? file.parent_path() : fs::path(".")) / "artifacts";
  return loc;
}

Store OpenStore(const std::string& flag, const DatabaseOptions& options) {
  StoreLocation loc = ResolveStoreLocation(flag);
  auto db = OpenDatabase(loc.database, options);
  ArtifactStore artifacts(loc.artifacts);
  return Store{std::move(loc), std::move(db), std::move(artifacts)};
}

}  // namespace tabpilot
