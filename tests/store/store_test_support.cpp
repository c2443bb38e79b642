#include "store_test_support.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace tabpilot::testing {
namespace {

// A server started by this process; stopped (and its folder removed) at exit.
class OwnedServer {
 public:
  OwnedServer() {
    CommandResult r = RunCommand(std::string(TABPILOT_SOURCE_DIR) + "/scripts/postgres.sh start");
    // The URL and the folder are the last two lines (an attempt on a port
    // taken meanwhile may have printed pg_ctl's complaint before them).
    std::istringstream lines(r.output);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("postgresql://", 0) == 0) {
        url_ = line;
        std::getline(lines, dir_);
      }
    }
    if (r.exit_code != 0 || url_.empty() || dir_.empty()) {
      throw std::runtime_error("scripts/postgres.sh start failed:\n" + r.output);
    }
  }
  ~OwnedServer() { RunCommand(std::string(TABPILOT_SOURCE_DIR) + "/scripts/postgres.sh stop " + dir_); }
  OwnedServer(const OwnedServer&) = delete;
  OwnedServer& operator=(const OwnedServer&) = delete;
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::string dir_;
};

// url with its database name replaced.
std::string WithDatabase(const std::string& url, const std::string& name) {
  const size_t query = url.find('?');
  const std::string base = url.substr(0, query);
  const std::string rest = query == std::string::npos ? "" : url.substr(query);
  const size_t slash = base.find('/', base.find("://") + 3);
  return (slash == std::string::npos ? base : base.substr(0, slash)) + "/" + name + rest;
}

}  // namespace

std::string PostgresServerUrl() {
  if (const char* env = std::getenv("TABPILOT_TEST_POSTGRES_URL"); env && *env) return env;
  static OwnedServer server;  // started on first use, stopped at exit
  return server.url();
}

TestStore::TestStore(const std::string& backend) : backend_(backend) {
  if (backend == "sqlite") {
    location_ = (dir_.path() / ".tabpilot" / "metadata.db").string();
    return;
  }
  static std::atomic<int> counter{0};
  database_name_ = "tabpilot_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
                   std::to_string(std::random_device{}() % 100000);
  const std::string server = PostgresServerUrl();
  OpenDatabase(server)->Execute("CREATE DATABASE " + database_name_);
  location_ = WithDatabase(server, database_name_);
}

TestStore::~TestStore() {
  if (database_name_.empty()) return;
  try {
    OpenDatabase(PostgresServerUrl())->Execute("DROP DATABASE IF EXISTS " + database_name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // Best effort: a leftover test database on a throwaway server is harmless.
  }
}

std::unique_ptr<Database> TestStore::Open(const DatabaseOptions& options) const {
  return OpenDatabase(location_, options);
}

}  // namespace tabpilot::testing
