// The Database contract, run against SQLite and a real PostgreSQL server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/error.h"
#include "store/database.h"
#include "store_test_support.h"

namespace tabpilot {
namespace {

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  testing::TestStore store_{GetParam()};
};

TEST_P(DatabaseTest, CrudWithEveryValueKind) {
  auto db = store_.Open();
  EXPECT_EQ(db->dialect(), GetParam());
  db->Execute("CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION, note TEXT)");
  db->Execute("INSERT INTO items (id, name, score, note) VALUES (?, ?, ?, ?)",
              {int64_t{1}, std::string("alpha"), 0.25, nullptr});
  db->Execute("INSERT INTO items (id, name, score, note) VALUES (?, ?, ?, ?)",
              {int64_t{2}, std::string("it's \"quoted\" ?"), -1.5, std::string("x")});
  auto rows = db->Query("SELECT id, name, score, note FROM items ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Int(0), 1);
  EXPECT_EQ(rows[0].Text(1), "alpha");
  EXPECT_DOUBLE_EQ(rows[0].Real(2), 0.25);
  EXPECT_TRUE(rows[0].IsNull(3));
  EXPECT_EQ(rows[1].Text(1), "it's \"quoted\" ?");
  EXPECT_DOUBLE_EQ(rows[1].Real(2), -1.5);
  EXPECT_EQ(rows[1].Text(3), "x");

  db->Execute("UPDATE items SET name = ? WHERE id = ?", {std::string("beta"), int64_t{1}});
  EXPECT_EQ(db->Query("SELECT name FROM items WHERE id = ?", {int64_t{1}}).at(0).Text(0), "beta");
  db->Execute("DELETE FROM items WHERE id = ?", {int64_t{2}});
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM items").at(0).Int(0), 1);
  // A literal '?' inside a quoted string is not a placeholder.
  auto lit = db->Query("SELECT '?', name FROM items WHERE id = ?", {int64_t{1}});
  EXPECT_EQ(lit.at(0).Text(0), "?");
  EXPECT_EQ(lit.at(0).Text(1), "beta");
}

TEST_P(DatabaseTest, UniqueViolationIsConflict) {
  auto db = store_.Open();
  db->Execute("CREATE TABLE t (k TEXT PRIMARY KEY)");
  db->Execute("INSERT INTO t (k) VALUES (?)", {std::string("a")});
  EXPECT_THROW(db->Execute("INSERT INTO t (k) VALUES (?)", {std::string("a")}), Conflict);
  // Also inside a transaction, which is then rolled back as a whole.
  EXPECT_THROW(db->Transaction([&] {
    db->Execute("INSERT INTO t (k) VALUES (?)", {std::string("b")});
    db->Execute("INSERT INTO t (k) VALUES (?)", {std::string("a")});
  }),
               Conflict);
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM t").at(0).Int(0), 1);
}

TEST_P(DatabaseTest, TransactionCommitsOrRollsBack) {
  auto db = store_.Open();
  db->Execute("CREATE TABLE t (k BIGINT)");
  db->Transaction([&] { db->Execute("INSERT INTO t (k) VALUES (?)", {int64_t{1}}); });
  EXPECT_THROW(db->Transaction([&] {
    db->Execute("INSERT INTO t (k) VALUES (?)", {int64_t{2}});
    throw InvalidInput("stop");
  }),
               InvalidInput);
  auto rows = db->Query("SELECT k FROM t");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 1);
  // Another connection sees the committed row only.
  EXPECT_EQ(store_.Open()->Query("SELECT COUNT(*) FROM t").at(0).Int(0), 1);
  // Nested transactions are a programming error.
  EXPECT_THROW(db->Transaction([&] { db->Transaction([] {}); }), Internal);
  // The connection is still usable afterwards.
  db->Transaction([&] { db->Execute("INSERT INTO t (k) VALUES (?)", {int64_t{3}}); });
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM t").at(0).Int(0), 2);
}

TEST_P(DatabaseTest, MigrationsAreIdempotentAndIncremental) {
  auto db = store_.Open();
  std::vector<Migration> v1 = {{1, "CREATE TABLE a (x INTEGER); CREATE TABLE b (y TEXT);", ""}};
  Migrate(*db, "demo", v1);
  Migrate(*db, "demo", v1);  // a second run changes nothing (CREATE TABLE would fail)
  Migrate(*store_.Open(), "demo", v1);
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM schema_migrations WHERE component = ?", {std::string("demo")}).at(0).Int(0),
            1);
  std::vector<Migration> v2 = v1;
  v2.push_back({2, "ALTER TABLE a ADD COLUMN z TEXT", ""});
  Migrate(*db, "demo", v2);
  Migrate(*db, "demo", v2);
  db->Execute("INSERT INTO a (x, z) VALUES (?, ?)", {int64_t{1}, std::string("ok")});
  auto versions = db->Query("SELECT version FROM schema_migrations WHERE component = ? ORDER BY version",
                            {std::string("demo")});
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[1].Int(0), 2);
  // Components are independent.
  Migrate(*db, "other", {{1, "CREATE TABLE c (x INTEGER)", ""}});
  EXPECT_EQ(db->Query("SELECT COUNT(*) FROM schema_migrations").at(0).Int(0), 3);
  // A failing migration is rolled back and not recorded.
  EXPECT_ANY_THROW(Migrate(*db, "broken", {{1, "CREATE TABLE d (x INTEGER); CREATE TABLE d (x INTEGER);", ""}}));
  EXPECT_TRUE(
      db->Query("SELECT 1 FROM schema_migrations WHERE component = ?", {std::string("broken")}).empty());
}

TEST_P(DatabaseTest, ConcurrentReadModifyWriteLosesNothing) {
  {
    auto db = store_.Open();
    db->Execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)");
    db->Execute("INSERT INTO counter (id, n) VALUES (1, 0)");
  }
  constexpr int kThreads = 4, kIncrements = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        auto db = store_.Open();
        for (int i = 0; i < kIncrements; ++i) {
          db->Transaction([&] {
            int64_t n = db->Query("SELECT n FROM counter WHERE id = 1").at(0).Int(0);
            db->Execute("UPDATE counter SET n = ? WHERE id = 1", {n + 1});
          });
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store_.Open()->Query("SELECT n FROM counter WHERE id = 1").at(0).Int(0), kThreads * kIncrements);
}

TEST_P(DatabaseTest, LockedPastTimeoutIsAClearIoError) {
  auto holder = store_.Open();
  holder->Execute("CREATE TABLE t (k BIGINT)");
  std::mutex m;
  std::condition_variable cv;
  bool locked = false, done = false;
  std::thread hold([&] {
    holder->Transaction([&] {
      if (holder->dialect() == "postgresql") holder->Execute("LOCK TABLE t IN EXCLUSIVE MODE");
      holder->Execute("INSERT INTO t (k) VALUES (1)");
      std::unique_lock<std::mutex> lock(m);
      locked = true;
      cv.notify_all();
      cv.wait(lock, [&] { return done; });
    });
  });
  {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return locked; });
  }
  DatabaseOptions quick;
  quick.busy_timeout = std::chrono::milliseconds(300);
  auto waiter = store_.Open(quick);
  const auto start = std::chrono::steady_clock::now();
  try {
    waiter->Transaction([&] { waiter->Execute("INSERT INTO t (k) VALUES (2)"); });
    ADD_FAILURE() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is locked by another process"), std::string::npos) << e.what();
  }
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(waited, 0.25);
  EXPECT_LT(waited, 5.0);
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  cv.notify_all();
  hold.join();
  // Once the lock is gone the same connection writes fine.
  waiter->Transaction([&] { waiter->Execute("INSERT INTO t (k) VALUES (3)"); });
  EXPECT_EQ(waiter->Query("SELECT COUNT(*) FROM t").at(0).Int(0), 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::ValuesIn(testing::StoreBackends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(SqlRow, AccessorsConvertLosslesslyOnly) {
  SqlRow r{{int64_t{12}, 2.0, std::string("34"), std::string("abc"), nullptr, 2.5}};
  EXPECT_EQ(r.Int(0), 12);
  EXPECT_EQ(r.Int(1), 2);
  EXPECT_EQ(r.Int(2), 34);
  EXPECT_DOUBLE_EQ(r.Real(0), 12.0);
  EXPECT_DOUBLE_EQ(r.Real(2), 34.0);
  EXPECT_EQ(r.Text(0), "12");
  EXPECT_THROW(r.Int(3), Internal);
  EXPECT_THROW(r.Int(5), Internal);
  EXPECT_THROW(r.Real(3), Internal);
  EXPECT_THROW(r.Text(4), Internal);
  EXPECT_TRUE(r.IsNull(4));
}

}  // namespace
}  // namespace tabpilot
