// SQLite specifics: the file, WAL, corrupt and unusable files.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/atomic_file.h"
#include "core/error.h"
#include "store/sqlite_database.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

std::string MessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(SqliteDatabase, CreatesFileAndFoldersInWalMode) {
  testing::TempDir dir;
  const fs::path path = dir / "a/b/.tabpilot/metadata.db";
  auto db = OpenDatabase(path.string());
  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(db->Query("PRAGMA journal_mode").at(0).Text(0), "wal");
  EXPECT_EQ(db->Query("PRAGMA foreign_keys").at(0).Int(0), 1);
}

TEST(SqliteDatabase, GarbageFileIsReportedCorrupt) {
  testing::TempDir dir;
  const fs::path path = dir.Write("metadata.db", std::string(8192, 'x') + "this is not a database");
  const std::string message = MessageOf([&] { OpenDatabase(path.string()); });
  EXPECT_NE(message.find("store " + path.string() + " is corrupt"), std::string::npos) << message;
  EXPECT_THROW(OpenDatabase(path.string()), InvalidInput);
}

TEST(SqliteDatabase, DamagedPagesAreReportedCorrupt) {
  testing::TempDir dir;
  const fs::path path = dir / "metadata.db";
  {
    auto db = OpenDatabase(path.string());
    db->Execute("PRAGMA journal_mode=DELETE");  // keep everything in the main file
    db->Execute("CREATE TABLE t (k TEXT)");
    for (int i = 0; i < 200; ++i) db->Execute("INSERT INTO t VALUES (?)", {std::string(100, 'a' + i % 26)});
  }
  // Keep the header, scribble over the pages after it.
  std::string bytes = ReadFile(path);
  ASSERT_GT(bytes.size(), 8192u);
  for (size_t i = 4096 + 16; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(0xA5);
  dir.Write("metadata.db", bytes);
  const std::string message = MessageOf([&] {
    auto db = OpenDatabase(path.string());
    db->Query("SELECT COUNT(*) FROM t");
  });
  EXPECT_NE(message.find("is corrupt"), std::string::npos) << message;
}

TEST(SqliteDatabase, DirectoryInsteadOfFileIsInvalidInput) {
  testing::TempDir dir;
  EXPECT_THROW(OpenDatabase(dir.path().string()), InvalidInput);
}

TEST(SqliteDatabase, IntegrityCheckPassesOnHealthyFile) {
  testing::TempDir dir;
  auto db = SqliteDatabase::Open((dir / "m.db").string(), DatabaseOptions{});
  db->Execute("CREATE TABLE t (k TEXT)");
  EXPECT_NO_THROW(db->CheckIntegrity());
}

TEST(SqliteDatabase, WrongParameterCountIsInternal) {
  testing::TempDir dir;
  auto db = OpenDatabase((dir / "m.db").string());
  db->Execute("CREATE TABLE t (k TEXT)");
  EXPECT_THROW(db->Execute("INSERT INTO t VALUES (?)"), Internal);
  EXPECT_THROW(db->Execute("INSERT INTO t VALUES (?)", {std::string("a"), std::string("b")}), Internal);
}

}  // namespace
}  // namespace tabpilot
