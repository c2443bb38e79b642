// The PostgreSQL implementation of Database, for teams sharing one registry.
// Write transactions run at SERIALIZABLE isolation and are retried (the body
// runs again) on serialization failures and deadlocks; unique violations
// become Conflict. `?` placeholders are rewritten to $1, $2, ...
//
// This file and postgres_database.cpp are the only places that know libpqxx.
// Thread safety: one thread at a time per object (open one per thread).
#pragma once

#include <memory>
#include <string>

#include "store/database.h"

namespace tabpilot {

class PostgresDatabase final : public Database {
 public:
  // Connects to `url` ("postgresql://user@host:port/db"). Throws IoError when
  // the server cannot be reached; the message never shows the password.
  static std::unique_ptr<PostgresDatabase> Open(const std::string& url, const DatabaseOptions& options);

  struct Impl;  // the pqxx connection and the open transaction
  explicit PostgresDatabase(std::unique_ptr<Impl> impl);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  std::string dialect() const override { return "postgresql"; }
  void Execute(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  std::vector<SqlRow> Query(std::string_view sql, const std::vector<SqlValue>& params = {}) override;
  void Transaction(const std::function<void()>& body) override;

 private:
  std::vector<SqlRow> Run(std::string_view sql, const std::vector<SqlValue>& params);

  std::unique_ptr<Impl> impl_;
};

// Rewrites `?` placeholders to $1, $2, ... in order, leaving any `?` inside
// '...' string literals, "..." identifiers and -- comments alone.
std::string RewritePlaceholders(std::string_view sql);

// `url` with any password replaced by "***", for messages.
std::string RedactUrl(const std::string& url);

}  // namespace tabpilot
