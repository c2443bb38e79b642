#include "store/sqlite_database.h"

#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/error.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

// Thrown when the database stayed busy past the timeout. It is an IoError for
// callers; Transaction() catches it to retry while time is left.
class SqliteBusy : public IoError {
 public:
  using IoError::IoError;
};

struct StatementCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementCloser>;

bool OnlySpaceOrSemicolons(const char* p, const char* end) {
  for (; p < end; ++p) {
    if (!std::isspace(static_cast<unsigned char>(*p)) && *p != ';') return false;
  }
  return true;
}

std::string LockedMessage(const std::string& path, std::chrono::milliseconds timeout) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.3g", static_cast<double>(timeout.count()) / 1000.0);
  return "store " + path + " is locked by another process (gave up after " + secs + " s)";
}

}  // namespace

SqliteDatabase::SqliteDatabase(Key, std::string path, sqlite3* db, const DatabaseOptions& options)
    : path_(std::move(path)), db_(db), options_(options) {}

SqliteDatabase::~SqliteDatabase() { sqlite3_close_v2(db_); }

std::unique_ptr<SqliteDatabase> SqliteDatabase::Open(const std::string& path, const DatabaseOptions& options) {
  const fs::path file(path);
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw InvalidInput("store " + path + " is a directory, not a database file");
  if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec) throw IoError("cannot create the store folder " + file.parent_path().string() + ": " + ec.message());
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  // Own the handle first: sqlite3_open_v2 may hand one back even on failure.
  auto db = std::make_unique<SqliteDatabase>(Key(), path, raw, options);
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) db->Fail(rc, "");
    throw IoError("cannot open store " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));
  // The first statement reads the header: a file that is not a database fails here.
  db->Run("PRAGMA journal_mode=WAL", {}, true);
  // FULL: a committed record survives a power cut, not just a killed process.
  db->Execute("PRAGMA synchronous=FULL");
  db->Execute("PRAGMA foreign_keys=ON");
  db->CheckPragma("PRAGMA quick_check");
  return db;
}

void SqliteDatabase::CheckIntegrity() { CheckPragma("PRAGMA integrity_check"); }

void SqliteDatabase::CheckPragma(const char* pragma) {
  std::vector<SqlRow> rows = Run(pragma, {}, true);
  if (rows.empty() || rows[0].IsNull(0)) throw InvalidInput("store " + path_ + " is corrupt: " + pragma + " failed");
  std::string first = rows[0].Text(0);
  if (first != "ok") throw InvalidInput("store " + path_ + " is corrupt: " + first);
}

void SqliteDatabase::Fail(int code, std::string_view sql) {
  const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw SqliteBusy(LockedMessage(path_, options_.busy_timeout));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      throw InvalidInput("store " + path_ + " is corrupt: " + message);
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_NOTNULL || code == SQLITE_CONSTRAINT_CHECK) {
        throw Internal("store " + path_ + ": " + message + " (in: " + std::string(sql) + ")");
      }
      throw Conflict("store " + path_ + ": " + message);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw IoError("store " + path_ + ": " + message);
    default:
      throw Internal("store " + path_ + ": SQL error: " + message + " (in: " + std::string(sql) + ")");
  }
}

std::vector<SqlRow> SqliteDatabase::Run(std::string_view sql, const std::vector<SqlValue>& params, bool want_rows) {
  std::vector<SqlRow> rows;
  const char* p = sql.data();
  const char* end = sql.data() + sql.size();
  while (p < end && !OnlySpaceOrSemicolons(p, end)) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, p, static_cast<int>(end - p), &raw, &tail);
    Statement stmt(raw);
    if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_), std::string_view(p, end - p));
    const std::string_view text(p, tail - p);
    p = tail;
    if (!stmt) continue;  // a comment or empty statement
    const int expected = sqlite3_bind_parameter_count(stmt.get());
    if (expected != static_cast<int>(params.size()) || (!params.empty() && !OnlySpaceOrSemicolons(p, end))) {
      throw Internal("store: statement takes " + std::to_string(expected) + " parameters, got " +
                     std::to_string(params.size()) + " (in: " + std::string(sql) + ")");
    }
    for (int i = 0; i < expected; ++i) {
      const SqlValue& v = params[static_cast<size_t>(i)];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        rc = sqlite3_bind_null(stmt.get(), i + 1);
      } else if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(stmt.get(), i + 1, *n);
      } else if (const auto* d = std::get_if<double>(&v)) {
        rc = sqlite3_bind_double(stmt.get(), i + 1, *d);
      } else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text64(stmt.get(), i + 1, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) Fail(sqlite3_extended_errcode(db_), text);
    }
    for (;;) {
      rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) Fail(sqlite3_extended_errcode(db_), text);
      if (!want_rows) continue;
      SqlRow row;
      const int columns = sqlite3_column_count(stmt.get());
      row.values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt.get(), c)) {
          case SQLITE_NULL: row.values.emplace_back(nullptr); break;
          case SQLITE_INTEGER: row.values.emplace_back(int64_t{sqlite3_column_int64(stmt.get(), c)}); break;
          case SQLITE_FLOAT: row.values.emplace_back(sqlite3_column_double(stmt.get(), c)); break;
          default: {
            const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), c));
            const int n = sqlite3_column_bytes(stmt.get(), c);
            row.values.emplace_back(std::string(bytes ? bytes : "", static_cast<size_t>(n)));
          }
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void SqliteDatabase::Execute(std::string_view sql, const std::vector<SqlValue>& params) { Run(sql, params, false); }

std::vector<SqlRow> SqliteDatabase::Query(std::string_view sql, const std::vector<SqlValue>& params) {
  return Run(sql, params, true);
}

void SqliteDatabase::Transaction(const std::function<void()>& body) {
  if (in_transaction_) throw Internal("store: Database::Transaction is not re-entrant");
  // The busy handler already waits up to busy_timeout inside each statement;
  // this loop only covers busy errors SQLite reports without waiting (e.g. a
  // WAL snapshot that went stale), within the same overall time budget.
  const auto deadline = std::chrono::steady_clock::now() + options_.busy_timeout;
  for (int attempt = 0;; ++attempt) {
    Execute("BEGIN IMMEDIATE");
    in_transaction_ = true;
    try {
      body();
      Execute("COMMIT");
      in_transaction_ = false;
      return;
    } catch (const SqliteBusy&) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      in_transaction_ = false;
      if (std::chrono::steady_clock::now() >= deadline) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 << std::min(attempt, 5), 100)));
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      in_transaction_ = false;
      throw;
    }
  }
}

}  // namespace tabpilot
