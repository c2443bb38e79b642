// Test helpers for code on top of the store: a fresh database per test on
// either backend. The PostgreSQL backend uses $TABPILOT_TEST_POSTGRES_URL,
// or else starts a throwaway server with scripts/postgres.sh once per test
// process (stopped when the process exits); each TestStore gets its own
// database on that server, dropped at the end.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/database.h"
#include "support/test_support.h"

namespace tabpilot::testing {

// The backends the store tests run against.
inline std::vector<std::string> StoreBackends() { return {"sqlite", "postgresql"}; }

// URL of the PostgreSQL server for tests (see above). Throws if it cannot start.
std::string PostgresServerUrl();

class TestStore {
 public:
  explicit TestStore(const std::string& backend);
  ~TestStore();
  TestStore(const TestStore&) = delete;
  TestStore& operator=(const TestStore&) = delete;

  // A new connection to this test's database.
  std::unique_ptr<Database> Open(const DatabaseOptions& options = {}) const;
  // The SQLite file path or PostgreSQL URL.
  const std::string& location() const { return location_; }
  const std::string& backend() const { return backend_; }
  // A scratch folder for this test (artifacts, bundles).
  const TempDir& dir() const { return dir_; }

 private:
  std::string backend_;
  TempDir dir_;
  std::string location_;
  std::string database_name_;  // PostgreSQL only
};

}  // namespace tabpilot::testing
