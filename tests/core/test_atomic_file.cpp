#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
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

// A reader never finds the folder missing while it is replaced: the new one
// is swapped in with one rename (RENAME_EXCHANGE), not moved in after the old
// one was moved out.
TEST(AtomicDirectory, ReplacingNeverLeavesAMomentWithoutTheFolder) {
  testing::TempDir dir;
  const fs::path target = dir / "bundle";
  {
    AtomicDirectory first(target);
    WriteFileAtomic(first.staging() / "manifest.json", "0");
    first.Commit();
  }
  std::atomic<bool> done{false};
  std::atomic<int> missing{0};
  std::atomic<int> looks{0};
  std::thread reader([&] {
    while (!done) {
      std::error_code ec;
      if (!fs::exists(target / "manifest.json", ec)) ++missing;
      ++looks;
    }
  });
  for (int i = 1; i <= 300; ++i) {
    AtomicDirectory next(target);
    WriteFileAtomic(next.staging() / "manifest.json", std::to_string(i));
    next.Commit();
  }
  done = true;
  reader.join();
  EXPECT_GT(looks.load(), 0);
  EXPECT_EQ(missing.load(), 0) << "of " << looks.load() << " looks";
  EXPECT_EQ(ReadFile(target / "manifest.json"), "300");
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);  // no staging or old folder left
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
