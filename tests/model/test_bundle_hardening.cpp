// A bundle is untrusted input: crafted, tampered, oversized or unsigned
// bundles give one clear error (exit code 2) and never reach a parser or a
// buffer with bytes the manifest did not vouch for.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bundle_test_data.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/sha256.h"
#include "model/bundle.h"
#include "model/bundle_files.h"
#include "predict/predictor.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

const std::string kKey(32, 'k');
const std::string kOtherKey(32, 'o');

class BundleHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = testing::MakeTable(120);
    SaveBundle(testing::MakeBundle(table_), model(), SaveOptions{"test", ""});
  }
  fs::path model() const { return dir_ / "model"; }
  Json Manifest() const { return Json::parse(ReadFile(model() / "manifest.json")); }
  // Rewrites manifest.json and a matching digest, as anyone who can write
  // the folder can.
  void Rewrite(const Json& manifest, const std::string& key = "") const {
    WriteFileAtomic(model() / "manifest.json", manifest.dump(2));
    WriteBundleDigest(model(), key);
  }
  std::string Error(const BundleLoadOptions& options = {}) const {
    try {
      Predictor::Options p;
      p.load = options;
      Predictor::Load(model(), p);
    } catch (const tabpilot::Error& e) {
      EXPECT_EQ(ExitCodeFor(e.kind()), 2) << e.what();
      return e.what();
    }
    return "";
  }
  void ExpectLoadError(const std::string& fragment, const BundleLoadOptions& options = {}) const {
    const std::string message = Error(options);
    EXPECT_NE(message.find(fragment), std::string::npos) << "expected '" << fragment << "', got '" << message << "'";
  }
  testing::TempDir dir_;
  Table table_;
};

TEST_F(BundleHardening, AFreshBundleLoadsAndListsEveryFileWithItsSha256) {
  EXPECT_EQ(Error(), "");
  const Json files = Manifest().at("files");
  ASSERT_FALSE(files.empty());
  for (auto it = files.begin(); it != files.end(); ++it) {
    EXPECT_TRUE(IsBundleFileName(it.key())) << it.key();
    EXPECT_EQ(it.value().at("sha256"), Sha256Hex(ReadFile(model() / it.key()))) << it.key();
  }
  const Json digest = Json::parse(ReadFile(model() / "digest.json"));
  EXPECT_EQ(digest.at("manifest_sha256"), Sha256Hex(ReadFile(model() / "manifest.json")));
  EXPECT_FALSE(digest.contains("hmac_sha256"));
}

TEST_F(BundleHardening, AnEditedManifestWithoutItsDigestIsRejectedBeforeParsing) {
  std::string text = ReadFile(model() / "manifest.json");
  text.replace(text.find("\"binary\""), 8, "\"regress\"");
  WriteFileAtomic(model() / "manifest.json", text);
  ExpectLoadError("does not match digest.json");
  fs::remove(model() / "digest.json");
  ExpectLoadError("digest.json is missing");
}

// The predictor sizes its buffers from the problem; a member writing more
// values per row than that would overflow them.
TEST_F(BundleHardening, AModelWhoseOutputCountDiffersFromTheProblemIsRejected) {
  Json m = Manifest();
  m["problem"]["task"] = "regression";
  Rewrite(m);
  ExpectLoadError("values per row");
  m["problem"]["task"] = "multiclass";
  m["problem"]["class_labels"] = Json::array({"a", "b", "c"});
  Rewrite(m);
  ExpectLoadError("values per row");
  // An in-memory bundle gets the same check.
  Bundle b = testing::MakeBundle(table_);
  b.problem.task = Task::kRegression;
  EXPECT_THROW(Predictor::FromBundle(std::move(b), Predictor::Options{}), InvalidInput);
}

TEST_F(BundleHardening, MemberPathsCannotLeaveTheBundleLayout) {
  const Json good = Manifest();
  const std::string fold = good["members"][0]["folds"][0];
  const Json entry = good["files"][fold];
  // A copy outside the bundle with the right size and hash.
  WriteFileAtomic(dir_ / "outside.bin", ReadFile(model() / fold));
  for (const std::string& bad :
       std::vector<std::string>{"../outside.bin", (dir_ / "outside.bin").string(), "members/../../outside.bin",
                                "members/a/fold_0.bin/../../../outside.bin", "/dev/zero", "members/a b/fold_0.bin",
                                "members/a/fold_x.bin", "features/../manifest.json"}) {
    Json m = good;
    m["files"][bad] = entry;
    m["members"][0]["folds"][0] = bad;
    Rewrite(m);
    ExpectLoadError("not a file name a bundle may hold");
    EXPECT_FALSE(IsBundleFileName(bad)) << bad;
  }
}

TEST_F(BundleHardening, SymlinksDevicesAndFifosAreNotRead) {
  const Json m = Manifest();
  const std::string fold = m["members"][1]["folds"][0];
  const fs::path file = model() / fold;
  // The same bytes, behind a symlink.
  fs::rename(file, dir_ / "real.bin");
  fs::create_symlink(dir_ / "real.bin", file);
  ExpectLoadError("symbolic link");
  fs::remove(file);
  // A symlinked folder on the way.
  const fs::path folder = file.parent_path();
  fs::rename(folder, dir_ / "real_folder");
  fs::create_directories(dir_ / "real_folder");
  fs::rename(dir_ / "real.bin", dir_ / "real_folder" / file.filename());
  fs::create_directory_symlink(dir_ / "real_folder", folder);
  ExpectLoadError("symbolic link");
  fs::remove(folder);
  fs::create_directories(folder);
  // A FIFO: opening it must not wait for a writer.
  ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);
  ExpectLoadError("not a regular file");
}

TEST_F(BundleHardening, SizesAreCheckedAgainstTheLimitsBeforeReading) {
  BundleLoadOptions small;
  small.limits.bundle_file_bytes = 64;
  ExpectLoadError("more than the limit", small);
  BundleLoadOptions total;
  total.limits.bundle_bytes = 1000;
  ExpectLoadError("more than the limit", total);
  BundleLoadOptions manifest;
  manifest.limits.bundle_manifest_bytes = 100;
  ExpectLoadError("more than the limit", manifest);
  BundleLoadOptions files;
  files.limits.bundle_files = 2;
  ExpectLoadError("more than the limit", files);
  // A size the manifest claims but the file does not have fails before the
  // file is read; a size that is not a count fails as such.
  Json m = Manifest();
  const std::string fold = m["members"][0]["folds"][0];
  m["files"][fold]["size"] = 1e300;
  Rewrite(m);
  ExpectLoadError("no valid size");
  m["files"][fold]["size"] = -1;
  Rewrite(m);
  ExpectLoadError("no valid size");
}

TEST_F(BundleHardening, AFileUsedTwiceIsRejected) {
  Json m = Manifest();
  m["members"][1]["folds"].push_back(m["members"][1]["folds"][0]);
  Rewrite(m);
  ExpectLoadError("used twice");
}

TEST_F(BundleHardening, SignedBundlesVerifyOnlyWithTheirKey) {
  BundleLoadOptions with_key;
  with_key.verify_key = kKey;
  ExpectLoadError("not signed", with_key);
  SaveBundle(testing::MakeBundle(table_), model(), SaveOptions{"test", kKey});
  EXPECT_EQ(Error(with_key), "");
  EXPECT_EQ(Error(), "");  // a signed bundle loads without a key as well
  BundleLoadOptions other;
  other.verify_key = kOtherKey;
  ExpectLoadError("signed with another key", other);
  // Changed after signing, with a recomputed SHA-256 but the old signature.
  const Json digest = Json::parse(ReadFile(model() / "digest.json"));
  Json m = Manifest();
  m["problem"]["decision_threshold"] = 0.01;
  WriteFileAtomic(model() / "manifest.json", m.dump(2));
  Json forged = digest;
  forged["manifest_sha256"] = Sha256Hex(ReadFile(model() / "manifest.json"));
  WriteFileAtomic(model() / "digest.json", forged.dump());
  ExpectLoadError("signature does not verify", with_key);
  // A member file swapped after signing fails its hash.
  Rewrite(m, kKey);
  EXPECT_EQ(Error(with_key), "");
  const std::string fold = m["members"][0]["folds"][0];
  std::string bytes = ReadFile(model() / fold);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  WriteFileAtomic(model() / fold, bytes);
  ExpectLoadError("checksum mismatch", with_key);
}

TEST_F(BundleHardening, FormatOneBundlesStillLoadUnsigned) {
  Json m = Manifest();
  m["format_version"] = 1;
  for (auto it = m["files"].begin(); it != m["files"].end(); ++it) {
    const std::string bytes = ReadFile(model() / it.key());
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a64(bytes)));
    it.value() = Json{{"size", bytes.size()}, {"fnv1a64", hex}};
  }
  WriteFileAtomic(model() / "manifest.json", m.dump(2));
  fs::remove(model() / "digest.json");
  EXPECT_EQ(Error(), "");
  BundleLoadOptions with_key;
  with_key.verify_key = kKey;
  ExpectLoadError("not signed", with_key);
}

TEST_F(BundleHardening, ABadThresholdWeightOrLevelIsRejected) {
  const Json good = Manifest();
  Json m = good;
  m["problem"]["decision_threshold"] = 7;
  Rewrite(m);
  ExpectLoadError("threshold");
  m = good;
  m["members"][0]["weight"] = -1;
  Rewrite(m);
  ExpectLoadError("bad weight");
  m = good;
  m["members"][0]["level"] = 9;
  Rewrite(m);
  ExpectLoadError("bad level");
}

// The full form's files get every check the fold files get: listed with
// size and SHA-256, names within the layout, regular files, read once.
class FullFormHardening : public BundleHardening {
 protected:
  void SetUp() override {
    table_ = testing::MakeTable(120);
    SaveBundle(testing::MakeTwoFormBundle(table_), model(), SaveOptions{"test", ""});
  }
  static BundleLoadOptions Form(BundleForm form) {
    BundleLoadOptions options;
    options.form = form;
    return options;
  }
  const std::string kFull = "members/xgboost_1/full.bin";
  std::string Prefix() const { return "corrupt model bundle " + model().string() + ": "; }
};

TEST_F(FullFormHardening, ATamperedFullModelFailsItsHashInTheFullFormOnly) {
  EXPECT_EQ(Error(), "");
  std::string bytes = ReadFile(model() / kFull);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  WriteFileAtomic(model() / kFull, bytes);
  EXPECT_EQ(Error(Form(BundleForm::kFull)), Prefix() + kFull + ": checksum mismatch");
  EXPECT_EQ(Error(), Prefix() + kFull + ": checksum mismatch");  // the default form is full
  EXPECT_EQ(Error(Form(BundleForm::kBagged)), "");               // the bagged form does not read it
  // Another size: caught before the file is read.
  bytes.push_back('x');
  WriteFileAtomic(model() / kFull, bytes);
  ExpectLoadError("file is truncated or changed", Form(BundleForm::kFull));
}

TEST_F(FullFormHardening, AMissingOrRenamedFullModelIsNamed) {
  fs::rename(model() / kFull, model() / "members/xgboost_1/full2.bin");
  EXPECT_EQ(Error(Form(BundleForm::kFull)), Prefix() + kFull + ": file is missing");
  fs::remove(model() / "members/xgboost_1/full2.bin");
  EXPECT_EQ(Error(Form(BundleForm::kFull)), Prefix() + kFull + ": file is missing");
  EXPECT_EQ(Error(Form(BundleForm::kBagged)), "");
}

TEST_F(FullFormHardening, AFullModelNamedOutsideTheLayoutOrUnlistedIsRejected) {
  const Json good = Manifest();
  const Json entry = good["files"][kFull];
  WriteFileAtomic(dir_ / "outside.bin", ReadFile(model() / kFull));
  for (const std::string& bad :
       std::vector<std::string>{"../outside.bin", (dir_ / "outside.bin").string(), "members/xgboost_1/full.model",
                                "members/xgboost_1/../../outside.bin", "members/xgboost_1/full.bin/.."}) {
    Json m = good;
    m["files"].erase(kFull);
    m["files"][bad] = entry;
    m["members"][0]["full"] = bad;
    Rewrite(m);
    // The file table is checked before any file is read, whichever the form.
    ExpectLoadError("not a file name a bundle may hold", Form(BundleForm::kBagged));
    ExpectLoadError("not a file name a bundle may hold", Form(BundleForm::kFull));
  }
  // A name within the layout that the file table does not list.
  Json m = good;
  m["members"][0]["full"] = "members/linear_1/full.bin";
  Rewrite(m);
  EXPECT_EQ(Error(Form(BundleForm::kFull)), Prefix() + "members/linear_1/full.bin: file is not listed in the manifest");
  // One file serving two members: read twice in the full form.
  m = good;
  m["members"][1]["folds"] = Json::array({kFull});
  Rewrite(m);
  ExpectLoadError("used twice", Form(BundleForm::kFull));
}

TEST_F(FullFormHardening, ASymlinkedOrFifoFullModelIsNotRead) {
  const fs::path file = model() / kFull;
  fs::rename(file, dir_ / "real.bin");
  fs::create_symlink(dir_ / "real.bin", file);
  ExpectLoadError("symbolic link", Form(BundleForm::kFull));
  fs::remove(file);
  ASSERT_EQ(::mkfifo(file.c_str(), 0600), 0);
  ExpectLoadError("not a regular file", Form(BundleForm::kFull));
}

TEST_F(FullFormHardening, TheSignatureCoversTheFormsAndTheFullModels) {
  SaveBundle(testing::MakeTwoFormBundle(table_), model(), SaveOptions{"test", kKey});
  BundleLoadOptions with_key = Form(BundleForm::kFull);
  with_key.verify_key = kKey;
  EXPECT_EQ(Error(with_key), "");
  // Serving the bagged form by default instead, with a recomputed SHA-256
  // but the old signature.
  const Json digest = Json::parse(ReadFile(model() / "digest.json"));
  Json m = Manifest();
  m["default_form"] = "bagged";
  WriteFileAtomic(model() / "manifest.json", m.dump(2));
  Json forged = digest;
  forged["manifest_sha256"] = Sha256Hex(ReadFile(model() / "manifest.json"));
  WriteFileAtomic(model() / "digest.json", forged.dump());
  with_key.form = BundleForm::kDefault;
  ExpectLoadError("signature does not verify", with_key);
  // A full model swapped after signing fails its hash.
  SaveBundle(testing::MakeTwoFormBundle(table_), model(), SaveOptions{"test", kKey});
  WriteFileAtomic(model() / kFull, ReadFile(model() / "members/xgboost_1/fold_0.bin"));
  with_key.form = BundleForm::kFull;
  ExpectLoadError("file is truncated or changed", with_key);
}

TEST(BundleFileName, FollowsTheLayout) {
  for (const char* ok :
       {"manifest.json", "digest.json", "leaderboard.json", "leaderboard.csv", "features/tree.json",
        "features/tree_onehot64.json", "members/XGBoost_2-L2/fold_12.bin", "members/XGBoost_2-L2/full.bin"}) {
    EXPECT_TRUE(IsBundleFileName(ok)) << ok;
  }
  for (const char* bad :
       {"", "/manifest.json", "features/.json", "features/a/b.json", "features/a.json.bak", "members/a/fold_.bin",
        "members/a/fold_1234567.bin", "members//fold_0.bin", "members/a/b/fold_0.bin", "members/./fold_0.bin",
        "other.txt", "members/full.bin", "members/a/full_0.bin", "members/a/Full.bin", "members/a/full.bin.bak",
        "members/a/b/full.bin", "members//full.bin"}) {
    EXPECT_FALSE(IsBundleFileName(bad)) << bad;
  }
}

TEST(SigningKey, MustBeLongEnoughAndAFile) {
  testing::TempDir dir;
  WriteFileAtomic(dir / "short", "secret");
  EXPECT_THROW(ReadSigningKey(dir / "short"), InvalidInput);
  EXPECT_THROW(ReadSigningKey(dir / "none"), NotFound);
  EXPECT_THROW(ReadSigningKey(dir.path()), InvalidInput);
  WriteFileAtomic(dir / "good", kKey);
  EXPECT_EQ(ReadSigningKey(dir / "good"), kKey);
}

TEST(InputLimits, EnvironmentOverridesAndRejectsNonsense) {
  const InputLimits defaults;
  auto env = [](const char* value) {
    return [value](const char* name) -> const char* {
      return std::string(name) == "TABPILOT_LIMIT_BUNDLE_FILES" ? value : nullptr;
    };
  };
  EXPECT_EQ(InputLimits::FromEnvironment(env("12")).bundle_files, 12u);
  EXPECT_EQ(InputLimits::FromEnvironment(env("12")).bundle_bytes, defaults.bundle_bytes);
  for (const char* bad : {"", "0", "-3", "12x", "1e6", "99999999999999999999999"}) {
    EXPECT_THROW(InputLimits::FromEnvironment(env(bad)), InvalidInput) << bad;
  }
}

}  // namespace
}  // namespace tabpilot
