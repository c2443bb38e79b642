#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "store/artifact_store.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

fs::path MakeBundle(const testing::TempDir& dir, const std::string& name, const std::string& member) {
  fs::create_directories(dir / name / "members" / "xgb");
  fs::create_directories(dir / name / "empty");
  dir.Write(name + "/manifest.json", "{\"format\": \"tabpilot-model\"}\n");
  dir.Write(name + "/members/xgb/fold_0.bin", member);
  return dir / name;
}

bool HasStagingLeftovers(const fs::path& root) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  }
  return false;
}

TEST(ArtifactStore, PutDirectoryCopiesAndNamesByContent) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  const fs::path bundle = MakeBundle(dir, "model", "weights-1");
  const std::string hash = store.PutDirectory(bundle);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, ArtifactStore::HashDirectory(bundle));
  EXPECT_TRUE(store.Exists(hash));
  EXPECT_TRUE(store.Verify(hash));
  const fs::path stored = store.Path(hash);
  EXPECT_EQ(stored, dir / "artifacts" / hash.substr(0, 2) / hash);
  EXPECT_EQ(ReadFile(stored / "members/xgb/fold_0.bin"), "weights-1");
  EXPECT_TRUE(fs::is_directory(stored / "empty"));
  // Stored files are read-only.
  EXPECT_EQ(fs::status(stored / "manifest.json").permissions() & fs::perms::owner_write, fs::perms::none);
  // Same content again: same hash, no second copy, no leftovers.
  EXPECT_EQ(store.PutDirectory(bundle), hash);
  EXPECT_FALSE(HasStagingLeftovers(dir / "artifacts"));
}

TEST(ArtifactStore, HashCoversNamesAndBytes) {
  testing::TempDir dir;
  const std::string a = ArtifactStore::HashDirectory(MakeBundle(dir, "a", "weights"));
  EXPECT_EQ(a, ArtifactStore::HashDirectory(MakeBundle(dir, "b", "weights")));  // folder name itself does not count
  EXPECT_NE(a, ArtifactStore::HashDirectory(MakeBundle(dir, "c", "weightz")));
  fs::path d = MakeBundle(dir, "d", "weights");
  fs::rename(d / "members/xgb/fold_0.bin", d / "members/xgb/fold_1.bin");
  EXPECT_NE(a, ArtifactStore::HashDirectory(d));
  fs::path e = MakeBundle(dir, "e", "weights");
  fs::remove(e / "empty");
  EXPECT_NE(a, ArtifactStore::HashDirectory(e));
}

TEST(ArtifactStore, PutFileAndStreamingHash) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i % 251);
  const fs::path file = dir.Write("data.csv", big);
  const std::string hash = ArtifactStore::HashFile(file);
  EXPECT_EQ(hash, Sha256Hex(big));
  EXPECT_EQ(store.PutFile(file), hash);
  EXPECT_EQ(ReadFile(store.Path(hash)), big);
  EXPECT_TRUE(store.Verify(hash));
  EXPECT_FALSE(HasStagingLeftovers(dir / "artifacts"));
}

TEST(ArtifactStore, TamperingIsDetectedByVerify) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  const std::string hash = store.PutDirectory(MakeBundle(dir, "m", "w"));
  const fs::path member = store.Path(hash) / "members/xgb/fold_0.bin";
  fs::permissions(member, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(member) << "changed";
  EXPECT_FALSE(store.Verify(hash));
  EXPECT_FALSE(store.Verify(std::string(64, '0')));
}

TEST(ArtifactStore, BadInputs) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  EXPECT_THROW(store.PutDirectory(dir / "missing"), NotFound);
  EXPECT_THROW(store.PutDirectory(dir.Write("f.txt", "x")), InvalidInput);
  EXPECT_THROW(store.PutFile(dir / "missing.csv"), NotFound);
  EXPECT_THROW(store.PutFile(dir.path()), InvalidInput);
  EXPECT_THROW(store.Path("../../etc/passwd"), InvalidInput);
  EXPECT_THROW(store.Path(std::string(64, 'A')), InvalidInput);
  EXPECT_THROW(ArtifactStore::HashFile(dir / "missing"), NotFound);
  // A folder holding the store itself cannot be stored (it would copy its own copy).
  EXPECT_THROW(store.PutDirectory(dir.path()), InvalidInput);
}

TEST(ArtifactStore, ConcurrentPutsOfTheSameContentAgree) {
  testing::TempDir dir;
  const fs::path bundle = MakeBundle(dir, "m", std::string(200000, 'q'));
  std::vector<std::string> hashes(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < hashes.size(); ++i) {
    threads.emplace_back([&, i] { hashes[i] = ArtifactStore(dir / "artifacts").PutDirectory(bundle); });
  }
  for (auto& t : threads) t.join();
  for (const auto& h : hashes) EXPECT_EQ(h, hashes[0]);
  ArtifactStore store(dir / "artifacts");
  EXPECT_TRUE(store.Verify(hashes[0]));
  EXPECT_FALSE(HasStagingLeftovers(dir / "artifacts"));
}

// Holes found in review: links were followed when copying a bundle in (a link
// to a private key got copied into a shared store), and nothing re-hashed an
// artifact when it was used.
bool StoreHoldsBytes(const fs::path& root, const std::string& bytes) {
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (content.find(bytes) != std::string::npos) return true;
  }
  return false;
}

TEST(ArtifactStore, LinksInsideABundleAreRefusedNotFollowed) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  fs::create_directories(dir / "home/.ssh");
  const fs::path secret = dir.Write("home/.ssh/id_ed25519", "PRIVATE-KEY-BYTES");
  const fs::path bundle = MakeBundle(dir, "m", "w");
  fs::create_symlink(secret, bundle / "members/xgb/fold_1.bin");
  try {
    store.PutDirectory(bundle);
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  // A linked folder is refused too (it used to be walked into).
  fs::remove(bundle / "members/xgb/fold_1.bin");
  fs::create_directory_symlink(secret.parent_path(), bundle / "keys");
  EXPECT_THROW(store.PutDirectory(bundle), InvalidInput);
  // So is a bundle folder that is itself a link, and a single linked file.
  fs::remove(bundle / "keys");
  fs::create_directory_symlink(bundle, dir / "link-to-m");
  EXPECT_THROW(store.PutDirectory(dir / "link-to-m"), InvalidInput);
  fs::create_symlink(secret, dir / "report.json");
  EXPECT_THROW(store.PutFile(dir / "report.json"), InvalidInput);
  if (fs::exists(dir / "artifacts")) {
    EXPECT_FALSE(StoreHoldsBytes(dir / "artifacts", "PRIVATE-KEY-BYTES"));
    EXPECT_FALSE(HasStagingLeftovers(dir / "artifacts"));
  }
  // Hashing a user's own input (lineage) still follows a link to a file.
  EXPECT_EQ(ArtifactStore::HashFile(dir / "report.json"), ArtifactStore::HashFile(secret));
}

TEST(ArtifactStore, AFifoInsideABundleIsRefusedWithoutBlocking) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  const fs::path bundle = MakeBundle(dir, "m", "w");
  ASSERT_EQ(::mkfifo((bundle / "members/pipe").c_str(), 0600), 0);
  EXPECT_THROW(store.PutDirectory(bundle), InvalidInput);
  EXPECT_THROW(store.PutFile(bundle / "members/pipe"), InvalidInput);
}

TEST(ArtifactStore, VerifiedPathRehashesBeforeUse) {
  testing::TempDir dir;
  ArtifactStore store(dir / "artifacts");
  const std::string hash = store.PutDirectory(MakeBundle(dir, "m", "w"));
  EXPECT_EQ(store.VerifiedPath(hash), store.Path(hash));
  EXPECT_THROW(store.VerifiedPath(std::string(64, '0')), NotFound);
  // Changed bytes under the old name.
  const fs::path member = store.Path(hash) / "members/xgb/fold_0.bin";
  fs::permissions(member, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(member) << "changed";
  EXPECT_THROW(store.VerifiedPath(hash), InvalidInput);
  // A link put in place of a stored artifact, even to identical content.
  const std::string file_hash = store.PutFile(dir.Write("r.json", "{}"));
  const fs::path stored = store.Path(file_hash);
  fs::permissions(stored.parent_path(), fs::perms::owner_all, fs::perm_options::add);
  fs::remove(stored);
  fs::create_symlink(dir / "r.json", stored);
  EXPECT_FALSE(store.Verify(file_hash));
  EXPECT_THROW(store.VerifiedPath(file_hash), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
