#include "core/atomic_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

TEST(AtomicFile, WritesAndReplaces) {
  testing::TempDir dir;
  fs::path p = dir / "out.txt";
  WriteFileAtomic(p, "first");
  EXPECT_EQ(ReadFile(p), "first");
  WriteFileAtomic(p, "second");
  EXPECT_EQ(ReadFile(p), "second");
  // No temp files are left beside it.
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++n;
  EXPECT_EQ(n, 1);
}

TEST(AtomicFile, ReadMissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_THROW(ReadFile(dir / "nope"), NotFound);
}

TEST(AtomicDirectory, UncommittedLeavesNothing) {
  testing::TempDir dir;
  {
    AtomicDirectory d(dir / "bundle");
    WriteFileAtomic(d.staging() / "a.txt", "x");
  }
  EXPECT_FALSE(fs::exists(dir / "bundle"));
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(AtomicDirectory, CommitReplacesOldDirectory) {
  testing::TempDir dir;
  for (const char* content : {"one", "two"}) {
    AtomicDirectory d(dir / "bundle");
    WriteFileAtomic(d.staging() / "a.txt", content);
    d.Commit();
  }
  EXPECT_EQ(ReadFile(dir / "bundle" / "a.txt"), "two");
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++n;
  EXPECT_EQ(n, 1);
}

TEST(AtomicOutputFile, UncommittedRemovesTemp) {
  testing::TempDir dir;
  {
    AtomicOutputFile f(dir / "preds.csv");
    std::ofstream(f.path()) << "partial";
    EXPECT_TRUE(fs::exists(f.path()));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace tabpilot
