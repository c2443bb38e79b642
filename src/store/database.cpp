#include "store/database.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "store/postgres_database.h"
#include "store/sqlite_database.h"
#include "store/timestamp.h"

namespace tabpilot {
namespace {

const char* KindName(const SqlValue& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "integer";
    case 2:
      return "real";
    default:
      return "text";
  }
}

}  // namespace

int64_t SqlRow::Int(size_t i) const {
  const SqlValue& v = values.at(i);
  if (const auto* p = std::get_if<int64_t>(&v)) return *p;
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d) && *d == std::trunc(*d) && std::fabs(*d) < 9.2e18) return static_cast<int64_t>(*d);
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    try {
      size_t used = 0;
      long long n = std::stoll(*s, &used);
      if (used == s->size()) return n;
    } catch (const std::exception&) {
    }
  }
  throw Internal("SQL column " + std::to_string(i) + ": expected an integer, got " + KindName(v));
}

double SqlRow::Real(size_t i) const {
  const SqlValue& v = values.at(i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (const auto* s = std::get_if<std::string>(&v)) {
    try {
      size_t used = 0;
      double d = std::stod(*s, &used);
      if (used == s->size()) return d;
    } catch (const std::exception&) {
    }
  }
  throw Internal("SQL column " + std::to_string(i) + ": expected a number, got " + KindName(v));
}

std::string SqlRow::Text(size_t i) const {
  const SqlValue& v = values.at(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* p = std::get_if<int64_t>(&v)) return std::to_string(*p);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  throw Internal("SQL column " + std::to_string(i) + ": expected text, got NULL");
}

bool IsPostgresUrl(std::string_view path_or_url) {
  return path_or_url.starts_with("postgresql://") || path_or_url.starts_with("postgres://");
}

std::unique_ptr<Database> OpenDatabase(const std::string& path_or_url) {
  return OpenDatabase(path_or_url, DatabaseOptions{});
}

std::unique_ptr<Database> OpenDatabase(const std::string& path_or_url, const DatabaseOptions& options) {
  if (path_or_url.empty()) throw InvalidInput("store: empty path or URL");
  if (IsPostgresUrl(path_or_url)) return PostgresDatabase::Open(path_or_url, options);
  return SqliteDatabase::Open(path_or_url, options);
}

void Migrate(Database& db, const std::string& component, const std::vector<Migration>& migrations) {
  // Several processes may migrate the same fresh store at once. SQLite
  // serializes the transactions; on PostgreSQL the loser of a race on the
  // catalog gets a unique violation (Conflict) and simply tries again, by which
  // time the winner's rows are visible and nothing is left to do.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      db.Transaction([&] {
        db.Execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "component TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, "
            "PRIMARY KEY (component, version))");
      });
      for (const Migration& m : migrations) {
        db.Transaction([&] {
          auto rows = db.Query("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?",
                               {component, int64_t{m.version}});
          if (!rows.empty()) return;
          const std::string& sql =
              db.dialect() == "postgresql" && !m.postgres_sql.empty() ? m.postgres_sql : m.sqlite_sql;
          db.Execute(sql);
          db.Execute("INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
                     {component, int64_t{m.version}, UtcTimestamp()});
        });
      }
      return;
    } catch (const Conflict&) {
      if (attempt == kAttempts) throw;
    }
  }
}

std::string RewriteSql(std::string sql,
                       std::initializer_list<std::pair<std::string_view, std::string_view>> replacements) {
  for (const auto& [from, to] : replacements) {
    for (size_t p = 0; (p = sql.find(from, p)) != std::string::npos; p += to.size()) sql.replace(p, from.size(), to);
  }
  return sql;
}

}  // namespace tabpilot
