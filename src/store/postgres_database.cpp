#include "store/postgres_database.h"

#include <algorithm>
#include <chrono>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "core/error.h"

namespace tabpilot {
namespace {

// A failure the transaction loop retries: serialization failure (40001) or a
// deadlock (40P01).
class RetryableError : public IoError {
 public:
  using IoError::IoError;
};

// PostgreSQL type OIDs (pg_type.h) we map to numbers; everything else is text.
constexpr pqxx::oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700;

std::string ParamText(const SqlValue& v) {
  if (const auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return std::get<std::string>(v);
}

}  // namespace

struct PostgresDatabase::Impl {
  std::string url;  // redacted, for messages
  DatabaseOptions options;
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<pqxx::transaction<pqxx::isolation_level::serializable>> transaction;

  [[noreturn]] void Rethrow(std::string_view sql) {
    try {
      throw;
    } catch (const pqxx::unique_violation& e) {
      throw Conflict("store " + url + ": " + FirstLine(e.what()));
    } catch (const pqxx::serialization_failure& e) {
      throw RetryableError("store " + url + ": " + FirstLine(e.what()));
    } catch (const pqxx::deadlock_detected& e) {
      throw RetryableError("store " + url + ": " + FirstLine(e.what()));
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() == "55P03" || e.sqlstate() == "57014") {  // lock_not_available, query_canceled
        throw IoError("store " + url + " is locked by another process (" + FirstLine(e.what()) + ")");
      }
      if (e.sqlstate().rfind("23", 0) == 0) throw Conflict("store " + url + ": " + FirstLine(e.what()));
      throw Internal("store " + url + ": SQL error: " + FirstLine(e.what()) + " (in: " + std::string(sql) + ")");
    } catch (const pqxx::broken_connection& e) {
      throw IoError("store " + url + " is unreachable: " + FirstLine(e.what()));
    } catch (const pqxx::in_doubt_error& e) {
      throw IoError("store " + url + ": connection lost during commit, outcome unknown: " + FirstLine(e.what()));
    } catch (const pqxx::failure& e) {
      throw IoError("store " + url + ": " + FirstLine(e.what()));
    }
  }

  static std::string FirstLine(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    if (line.rfind("ERROR:  ", 0) == 0) line = line.substr(8);
    return line;
  }
};

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;  // ' or " while inside a literal / identifier
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote re-enters on the next char
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      if (end == std::string_view::npos) end = sql.size();
      out.append(sql.substr(i, end - i));
      i = end - 1;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

std::string RedactUrl(const std::string& url) {
  std::string out = url;
  // postgresql://user:PASSWORD@host/... (userinfo ends at the first '@' after the scheme).
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t at = out.find('@', scheme + 3);
    const size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out = out.substr(0, colon + 1) + "***" + out.substr(at);
    }
  }
  // ...?password=PASSWORD&... in a URL, or password=PASSWORD in libpq's
  // "key=value key=value" form (value possibly quoted).
  for (size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    const bool starts_key = pos == 0 || out[pos - 1] == '?' || out[pos - 1] == '&' || out[pos - 1] == ' ';
    pos += 9;
    if (!starts_key) continue;
    size_t end = pos;
    if (end < out.size() && out[end] == '\'') {
      for (++end; end < out.size() && out[end] != '\''; ++end) {
        if (out[end] == '\\') ++end;
      }
      end = std::min(end + 1, out.size());
    } else {
      while (end < out.size() && out[end] != '&' && out[end] != ' ' && out[end] != '#') ++end;
    }
    out.replace(pos, end - pos, "***");
  }
  return out;
}

PostgresDatabase::PostgresDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresDatabase::~PostgresDatabase() = default;

std::unique_ptr<PostgresDatabase> PostgresDatabase::Open(const std::string& url, const DatabaseOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->url = RedactUrl(url);
  impl->options = options;
  try {
    impl->connection = std::make_unique<pqxx::connection>(url);
    pqxx::nontransaction setup(*impl->connection);
    // A row lock held by another session fails after the timeout instead of
    // waiting forever; notices (e.g. "relation already exists") stay quiet.
    setup.exec("SET lock_timeout = " + std::to_string(options.busy_timeout.count()));
    setup.exec("SET client_min_messages = warning");
  } catch (const pqxx::broken_connection& e) {
    throw IoError("cannot connect to store " + impl->url + ": " + Impl::FirstLine(e.what()));
  } catch (const pqxx::failure&) {
    impl->Rethrow("connect");
  }
  return std::make_unique<PostgresDatabase>(std::move(impl));
}

std::vector<SqlRow> PostgresDatabase::Run(std::string_view sql, const std::vector<SqlValue>& params) {
  // Keep the texts alive while libpq reads the pointers; nullptr means NULL.
  std::vector<std::string> texts;
  std::vector<const char*> pointers;
  texts.reserve(params.size());
  for (const SqlValue& v : params) texts.push_back(std::holds_alternative<std::nullptr_t>(v) ? "" : ParamText(v));
  for (size_t i = 0; i < params.size(); ++i) {
    pointers.push_back(std::holds_alternative<std::nullptr_t>(params[i]) ? nullptr : texts[i].c_str());
  }
  pqxx::result result;
  try {
    auto run = [&](pqxx::transaction_base& t) {
      // Without parameters use the simple protocol, which accepts several
      // statements separated by ';' (migrations).
      if (params.empty()) return t.exec(std::string(sql));
      return t.exec_params(RewritePlaceholders(sql), pqxx::prepare::make_dynamic_params(pointers));
    };
    if (impl_->transaction) {
      result = run(*impl_->transaction);
    } else {
      pqxx::nontransaction autocommit(*impl_->connection);
      result = run(autocommit);
    }
  } catch (const pqxx::failure&) {
    impl_->Rethrow(sql);
  }
  std::vector<SqlRow> rows;
  rows.reserve(result.size());
  const auto columns = result.columns();
  std::vector<pqxx::oid> types;
  for (pqxx::row::size_type c = 0; c < columns; ++c) types.push_back(result.column_type(c));
  for (const auto& r : result) {
    SqlRow row;
    row.values.reserve(columns);
    for (pqxx::row::size_type c = 0; c < columns; ++c) {
      const pqxx::field f = r[c];
      if (f.is_null()) {
        row.values.emplace_back(nullptr);
        continue;
      }
      switch (types[c]) {
        case kInt2:
        case kInt4:
        case kInt8:
          row.values.emplace_back(int64_t{f.as<long long>()});
          break;
        case kBool:
          row.values.emplace_back(int64_t{f.c_str()[0] == 't' ? 1 : 0});
          break;
        case kFloat4:
        case kFloat8:
        case kNumeric:
          row.values.emplace_back(f.as<double>());
          break;
        default:
          row.values.emplace_back(std::string(f.c_str(), f.size()));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void PostgresDatabase::Execute(std::string_view sql, const std::vector<SqlValue>& params) { Run(sql, params); }

std::vector<SqlRow> PostgresDatabase::Query(std::string_view sql, const std::vector<SqlValue>& params) {
  return Run(sql, params);
}

void PostgresDatabase::Transaction(const std::function<void()>& body) {
  if (impl_->transaction) throw Internal("store: Database::Transaction is not re-entrant");
  const auto deadline = std::chrono::steady_clock::now() + impl_->options.busy_timeout;
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    try {
      try {
        impl_->transaction =
            std::make_unique<pqxx::transaction<pqxx::isolation_level::serializable>>(*impl_->connection);
      } catch (const pqxx::failure&) {
        impl_->Rethrow("BEGIN");
      }
      body();
      try {
        impl_->transaction->commit();
      } catch (const pqxx::failure&) {
        impl_->Rethrow("COMMIT");
      }
      impl_->transaction.reset();
      return;
    } catch (const RetryableError&) {
      impl_->transaction.reset();  // aborts
      if (std::chrono::steady_clock::now() >= deadline) {
        throw IoError("store " + impl_->url + " is locked by another process (serialization retries gave up)");
      }
      // Exponential backoff with jitter so colliding writers spread out.
      const int cap = std::min(2 << std::min(attempt, 6), 100);
      std::this_thread::sleep_for(
          std::chrono::milliseconds(1 + static_cast<int>(jitter() % static_cast<unsigned>(cap))));
    } catch (...) {
      impl_->transaction.reset();
      throw;
    }
  }
}

}  // namespace tabpilot
