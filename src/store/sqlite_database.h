// The SQLite implementation of Database: one file, shared safely between
// processes. The file runs in WAL mode (readers never block the writer),
// with foreign keys on and a busy timeout; write transactions start with
// BEGIN IMMEDIATE so two writers queue instead of deadlocking.
//
// This file and sqlite_database.cpp are the only places that know SQLite.
// Thread safety: one thread at a time per object (open one per thread).
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

struct sqlite3;

namespace tabpilot {

class SqliteDatabase final : public Database {
 public:
  // Opens (creating the file and its parent folders if missing) and checks the
  // file. Throws InvalidInput("store PATH is corrupt: ...") for a file that is
  // not a healthy SQLite database, IoError when it cannot be opened or stays
  // locked past options.busy_timeout.
  static std::unique_ptr<SqliteDatabase> Open(const std::string& path, const DatabaseOptions& options);

  // Use Open(); the key keeps construction inside this class.
  class Key {
    friend class SqliteDatabase;
    Key() = default;
  };
  SqliteDatabase(Key, std::string path, sqlite3* db, const DatabaseOptions& options);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  std::string dialect() const override { return "sqlite"; }
  void Execute(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  std::vector<SqlRow> Query(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  void Transaction(const std::function<void()>& body) override;

  // Runs SQLite's full `PRAGMA integrity_check`; throws InvalidInput naming
  // the first problem. Open() already runs the cheaper quick_check.
  void CheckIntegrity();

 private:
  std::vector<SqlRow> Run(std::string_view sql, const std::vector<SqlValue>& params, bool want_rows);
  void CheckPragma(const char* pragma);
  [[noreturn]] void Fail(int code, std::string_view sql);

  std::string path_;
  sqlite3* db_;  // owned; closed in the destructor
  DatabaseOptions options_;
  bool in_transaction_ = false;
};

}  // namespace tabpilot
