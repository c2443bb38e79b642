#include <gtest/gtest.h>

#include <cstdlib>

#include "store/store_location.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

// setenv/unsetenv are process-wide; each test restores what it changed.
class StoreLocationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("TABPILOT_STORE");
    ::unsetenv("TABPILOT_ARTIFACTS");
  }
  void TearDown() override { SetUp(); }
};

TEST_F(StoreLocationTest, DefaultIsDotTabpilotInTheWorkingDirectory) {
  StoreLocation loc = ResolveStoreLocation("");
  EXPECT_EQ(loc.database, ".tabpilot/metadata.db");
  EXPECT_EQ(loc.artifacts, ".tabpilot/artifacts");
}

TEST_F(StoreLocationTest, FlagBeatsEnvironment) {
  ::setenv("TABPILOT_STORE", "/env/store.db", 1);
  EXPECT_EQ(ResolveStoreLocation("").database, "/env/store.db");
  EXPECT_EQ(ResolveStoreLocation("").artifacts, "/env/artifacts");
  StoreLocation loc = ResolveStoreLocation("/flag/x/meta.db");
  EXPECT_EQ(loc.database, "/flag/x/meta.db");
  EXPECT_EQ(loc.artifacts, "/flag/x/artifacts");
}

TEST_F(StoreLocationTest, FolderMeansMetadataDbInside) {
  testing::TempDir dir;
  StoreLocation loc = ResolveStoreLocation(dir.path().string());
  EXPECT_EQ(loc.database, (dir / "metadata.db").string());
  EXPECT_EQ(loc.artifacts, dir / "artifacts");
  EXPECT_EQ(ResolveStoreLocation("some/new/").database, "some/new/metadata.db");
}

TEST_F(StoreLocationTest, PostgresArtifactsComeFromEnvOrWorkingDirectory) {
  StoreLocation loc = ResolveStoreLocation("postgresql://u@h/db");
  EXPECT_EQ(loc.database, "postgresql://u@h/db");
  EXPECT_EQ(loc.artifacts, ".tabpilot/artifacts");
  ::setenv("TABPILOT_ARTIFACTS", "/shared/artifacts", 1);
  EXPECT_EQ(ResolveStoreLocation("postgres://u@h/db").artifacts, "/shared/artifacts");
}

TEST_F(StoreLocationTest, OpenStoreOpensBoth) {
  testing::TempDir dir;
  Store store = OpenStore((dir / "s/metadata.db").string());
  EXPECT_EQ(store.db->dialect(), "sqlite");
  EXPECT_EQ(store.artifacts.root(), dir / "s/artifacts");
}

}  // namespace
}  // namespace tabpilot
