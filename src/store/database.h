// A minimal SQL database interface with two implementations: SQLite (the
// default, an embedded file under .tabpilot/) and PostgreSQL (a shared server
// for teams). Registry and pipeline records are written in SQL that both
// dialects accept; where they differ, a Migration carries one text per dialect.
//
// Placeholders are written `?` in every dialect; the PostgreSQL implementation
// rewrites them to $1, $2, ... . A Database object is used by one thread at a
// time (open one per thread); separate processes may share the same store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tabpilot {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

struct SqlRow {
  std::vector<SqlValue> values;
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(values.at(i)); }
  // Typed accessors; they convert between int/double/text where lossless and
  // throw Internal otherwise (a schema bug, not user input).
  int64_t Int(size_t i) const;
  double Real(size_t i) const;
  std::string Text(size_t i) const;
};

class Database {
 public:
  virtual ~Database() = default;
  // "sqlite" or "postgresql".
  virtual std::string dialect() const = 0;
  // Runs one statement. Throws Conflict on a unique-constraint violation,
  // IoError when the database is unreachable/locked past the busy timeout,
  // InvalidInput for a corrupt database file.
  virtual void Execute(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  virtual std::vector<SqlRow> Query(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  // Runs `body` in a write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL:
  // SERIALIZABLE). Commits when it returns, rolls back when it throws. A
  // serialization failure or busy database is retried (the body runs again),
  // so the body must only touch the database. Not re-entrant.
  virtual void Transaction(const std::function<void()>& body) = 0;
};

// Opens a store: "postgresql://..." / "postgres://..." URLs go to PostgreSQL,
// anything else is a SQLite file path (created if missing, parent folders too).
std::unique_ptr<Database> OpenDatabase(const std::string& path_or_url);

// Tuning for OpenDatabase; every field has a working default.
struct DatabaseOptions {
  // How long a statement waits for another connection's lock (SQLite) or a
  // transaction keeps retrying serialization failures (PostgreSQL) before
  // IoError("store ... is locked by another process").
  std::chrono::milliseconds busy_timeout{10000};
};
std::unique_ptr<Database> OpenDatabase(const std::string& path_or_url, const DatabaseOptions& options);

// True for "postgresql://..." and "postgres://..." (what OpenDatabase sends to PostgreSQL).
bool IsPostgresUrl(std::string_view path_or_url);

// One schema change. Applied in version order, each in its own transaction,
// recorded in a schema_migrations(component, version) table.
struct Migration {
  int version = 0;
  std::string sqlite_sql;    // may hold several statements separated by ';'
  std::string postgres_sql;  // empty = same as sqlite_sql
};

// `sql` with every occurrence of each `from` replaced by its `to`, in order:
// the PostgreSQL text of a migration written for SQLite (e.g.
// "INTEGER PRIMARY KEY AUTOINCREMENT" -> "BIGSERIAL PRIMARY KEY").
std::string RewriteSql(std::string sql,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> replacements);

// Applies the not-yet-applied migrations of `component` ("registry", "pipeline").
void Migrate(Database& db, const std::string& component, const std::vector<Migration>& migrations);

}  // namespace tabpilot
