#include "model/bundle.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/sha256.h"
#include "model/bundle_files.h"

namespace tabpilot {
namespace fs = std::filesystem;

namespace {

std::string HexHash(std::string_view bytes) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(Fnv1a64(bytes)));
  return buf;
}

// Writes a file into the staging folder and records it in `files`.
void StageFile(const fs::path& staging, const std::string& rel, std::string_view bytes, Json& files) {
  fs::path p = staging / rel;
  fs::create_directories(p.parent_path());
  WriteFileAtomic(p, bytes);
  files[rel] = Json{{"size", bytes.size()}, {"sha256", Sha256Hex(bytes)}};
}

constexpr const char* kDigestFormat = "tabpilot-model-digest";
constexpr uint64_t kMaxDigestBytes = 4096;
constexpr size_t kMinKeyBytes = 32;
constexpr uint64_t kMaxKeyBytes = 4096;

// A short public name for a key: which key signed a bundle, without the key.
std::string KeyId(const std::string& key) { return Sha256Hex(key).substr(0, 16); }

Json DigestJson(std::string_view manifest_bytes, const std::string& signing_key) {
  Json d{{"format", kDigestFormat}, {"manifest_sha256", Sha256Hex(manifest_bytes)}};
  if (!signing_key.empty()) {
    d["hmac_sha256"] = HmacSha256Hex(signing_key, manifest_bytes);
    d["key_id"] = KeyId(signing_key);
  }
  return d;
}

bool IsHexDigest(const Json& j) {
  if (!j.is_string() || j.get_ref<const std::string&>().size() != 64) return false;
  for (char c : j.get_ref<const std::string&>()) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Checks the digest (and the signature, when a key is required) of
// manifest.json's bytes, before anything parses them.
void CheckDigest(const fs::path& dir, std::string_view manifest_bytes, const std::string& digest_bytes,
                 const std::string& verify_key) {
  const std::string where = "model bundle " + dir.string() + ": ";
  Json d;
  try {
    d = Json::parse(digest_bytes);
  } catch (const Json::exception&) {
    throw InvalidInput(where + "digest.json is not valid JSON");
  }
  if (!d.is_object() || d.value("format", "") != kDigestFormat || !d.contains("manifest_sha256") ||
      !IsHexDigest(d["manifest_sha256"])) {
    throw InvalidInput(where + "digest.json is not a tabpilot bundle digest");
  }
  if (!ConstantTimeEqual(Sha256Hex(manifest_bytes), d["manifest_sha256"].get<std::string>())) {
    throw InvalidInput(where + "manifest.json does not match digest.json (the bundle was changed or is corrupt)");
  }
  if (verify_key.empty()) return;
  if (!d.contains("hmac_sha256") || !IsHexDigest(d["hmac_sha256"])) {
    throw InvalidInput(where + "the bundle is not signed, and a signed bundle is required");
  }
  const std::string key_id = d.value("key_id", "");
  if (key_id != KeyId(verify_key)) {
    throw InvalidInput(where + "the bundle is signed with another key (key id '" + key_id + "', expected '" +
                       KeyId(verify_key) + "')");
  }
  if (!ConstantTimeEqual(HmacSha256Hex(verify_key, manifest_bytes), d["hmac_sha256"].get<std::string>())) {
    throw InvalidInput(where + "the signature does not verify (the bundle was changed after signing)");
  }
}

// manifest.json's bytes, checked against digest.json when there is one
// (`has_digest` says whether there was).
std::string VerifiedManifestBytes(const fs::path& dir, const BundleLoadOptions& options, bool* has_digest) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw NotFound("model not found: " + dir.string() + " is not a directory");
  std::string bytes;
  try {
    bytes = ReadBundleFileUpTo(dir, "manifest.json", options.limits.bundle_manifest_bytes);
  } catch (const NotFound&) {
    throw NotFound("not a tabpilot model: " + dir.string() + " has no manifest.json");
  } catch (const InvalidInput& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": manifest.json: " + e.what());
  }
  std::string digest;
  try {
    digest = ReadBundleFileUpTo(dir, "digest.json", kMaxDigestBytes);
  } catch (const NotFound&) {
    *has_digest = false;
    if (!options.verify_key.empty()) {
      throw InvalidInput("model bundle " + dir.string() +
                         ": the bundle is not signed (no digest.json), and a signed bundle is required");
    }
    return bytes;
  } catch (const InvalidInput& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": digest.json: " + e.what());
  }
  CheckDigest(dir, bytes, digest, options.verify_key);
  *has_digest = true;
  return bytes;
}

// The manifest's file table, checked against the layout and the limits
// before any listed file is read.
void CheckFileTable(const Json& files, int version, const InputLimits& limits) {
  if (!files.is_object()) throw InvalidInput("'files' is not an object");
  if (files.size() > limits.bundle_files) {
    throw InvalidInput("lists " + std::to_string(files.size()) + " files, more than the limit of " +
                       std::to_string(limits.bundle_files));
  }
  uint64_t total = 0;
  for (auto it = files.begin(); it != files.end(); ++it) {
    const std::string& rel = it.key();
    if (!IsBundleFileName(rel) || rel == "manifest.json" || rel == "digest.json") {
      throw InvalidInput("lists '" + rel + "', not a file name a bundle may hold");
    }
    const Json& f = it.value();
    if (!f.is_object() || !f.contains("size") || !f["size"].is_number_unsigned()) {
      throw InvalidInput("'" + rel + "' has no valid size");
    }
    const uint64_t size = f["size"].get<uint64_t>();
    if (size > limits.bundle_file_bytes) {
      throw InvalidInput("'" + rel + "' has " + std::to_string(size) + " bytes, more than the limit of " +
                         std::to_string(limits.bundle_file_bytes));
    }
    total += size;
    if (total > limits.bundle_bytes) {
      throw InvalidInput("the files add up to more than the limit of " + std::to_string(limits.bundle_bytes) +
                         " bytes");
    }
    const bool hashed = version >= 2 ? IsHexDigest(f.value("sha256", Json())) : f.value("fnv1a64", Json()).is_string();
    if (!hashed) throw InvalidInput("'" + rel + "' has no valid " + (version >= 2 ? "sha256" : "fnv1a64"));
  }
}

// Reads the files the manifest lists, each at most once, checking size and hash.
class ListedFiles {
 public:
  ListedFiles(const fs::path& dir, const Json& files, int version) : dir_(dir), files_(files), version_(version) {}

  std::string Read(const std::string& rel) {
    if (!files_.contains(rel)) throw InvalidInput("file is not listed in the manifest");
    if (!used_.insert(rel).second) throw InvalidInput("file is used twice in the manifest");
    const Json& f = files_.at(rel);
    std::string bytes;
    try {
      bytes = ReadBundleFile(dir_, rel, f.at("size").get<uint64_t>());
    } catch (const NotFound&) {
      throw InvalidInput("file is missing");
    }
    const bool ok = version_ >= 2 ? ConstantTimeEqual(Sha256Hex(bytes), f.at("sha256").get<std::string>())
                                  : HexHash(bytes) == f.at("fnv1a64").get<std::string>();
    if (!ok) throw InvalidInput("checksum mismatch");
    return bytes;
  }

 private:
  const fs::path& dir_;
  const Json& files_;
  int version_;
  std::set<std::string> used_;
};

Json ProblemToJson(const ProblemInfo& p) {
  Json j{{"task", TaskName(p.task)}, {"target", p.target}, {"metric", p.metric}};
  if (IsClassification(p.task)) {
    j["class_labels"] = p.class_labels;
    if (p.task == Task::kBinary) {
      j["positive_label"] = p.class_labels.at(static_cast<size_t>(p.positive_class));
      j["positive_class"] = p.positive_class;
      j["decision_threshold"] = p.threshold;
    }
  }
  return j;
}

ProblemInfo ProblemFromJson(const Json& j) {
  ProblemInfo p;
  p.task = ParseTask(j.at("task").get<std::string>());
  p.target = j.at("target").get<std::string>();
  p.metric = j.at("metric").get<std::string>();
  if (IsClassification(p.task)) {
    p.class_labels = j.at("class_labels").get<std::vector<std::string>>();
    if (p.class_labels.size() < 2) throw InvalidInput("fewer than 2 class labels");
    if (p.task == Task::kBinary) {
      if (p.class_labels.size() != 2) throw InvalidInput("binary problem must have 2 class labels");
      p.positive_class = JsonInteger<int>(j.at("positive_class"), "positive_class");
      if (p.positive_class != 0 && p.positive_class != 1) throw InvalidInput("positive_class must be 0 or 1");
      p.threshold = j.at("decision_threshold").get<double>();
    }
  }
  return p;
}

std::string SafeName(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  return out;
}

// The model a member serves in the full form when it has one of its own
// (refit on all rows), else null: it then serves its fold models.
const Model* FullModel(const BundleMember& m) {
  if (m.full) return m.full.get();
  return m.folds_are_full && !m.folds.empty() ? m.folds[0].get() : nullptr;
}

// Stages member `m`'s model files for the forms the bundle holds and returns
// its manifest entry: "folds" (the bagged form, and the full form of a
// member that was not refit) and "full" (its model refit on all rows).
Json StageMember(const BundleMember& m, const BundleForms& forms, const fs::path& staging, Json& files) {
  const std::string prefix = "members/" + SafeName(m.name) + "/";
  const Model* full = forms.full ? FullModel(m) : nullptr;
  if (forms.bagged && m.folds_are_full) {
    throw Internal("member " + m.name + " holds only its full model; the bagged form cannot be saved");
  }
  Json entry{{"name", m.name},
             {"family", m.family},
             {"params", m.params},
             {"feature_pipeline", m.pipeline},
             {"weight", m.weight},
             {"level", m.level},
             {"stack_inputs", m.stack_inputs}};
  Json fold_files = Json::array();
  if (forms.bagged || full == nullptr) {
    if (m.folds.empty()) throw Internal("member " + m.name + " has no fold models to save");
    for (size_t k = 0; k < m.folds.size(); ++k) {
      std::string rel = prefix + "fold_" + std::to_string(k) + ".bin";
      StageFile(staging, rel, m.folds[k]->Serialize(), files);
      fold_files.push_back(rel);
    }
    if (m.stack_input_folds > 0) entry["stack_input_folds"] = m.stack_input_folds;
  }
  entry["folds"] = fold_files;
  if (full != nullptr) {
    const std::string rel = prefix + "full.bin";
    StageFile(staging, rel, full->Serialize(), files);
    entry["full"] = rel;
    const Json& params = m.folds_are_full ? m.params : m.full_params;
    if (!params.is_null()) entry["full_params"] = params;
  }
  return entry;
}

}  // namespace

void SaveBundle(const Bundle& bundle, const fs::path& dir, const SaveOptions& options) {
  bundle.forms.Check();
  AtomicDirectory out(dir);
  Json files = Json::object();
  Json manifest;
  manifest["format"] = "tabpilot-model";
  manifest["format_version"] = kBundleFormatVersion;
  manifest["producer"] = Json{{"name", "tabpilot"}, {"version", options.producer_version}};
  manifest["problem"] = ProblemToJson(bundle.problem);
  manifest["input_schema"] = bundle.input_schema.ToJson();
  manifest["forms"] = bundle.forms.NamesJson();
  manifest["default_form"] = BundleFormName(bundle.forms.default_form);

  Json pipelines = Json::object();
  for (const auto& [id, pipeline] : bundle.pipelines) {
    std::string rel = "features/" + SafeName(id) + ".json";
    StageFile(out.staging(), rel, pipeline.ToJson().dump(), files);
    pipelines[id] = rel;
  }
  manifest["feature_pipelines"] = pipelines;

  Json members = Json::array();
  for (const BundleMember& m : bundle.members) members.push_back(StageMember(m, bundle.forms, out.staging(), files));
  manifest["members"] = members;
  manifest["training"] = bundle.training;

  if (!bundle.leaderboard.empty()) StageFile(out.staging(), "leaderboard.json", bundle.leaderboard.dump(2), files);
  if (!bundle.leaderboard_csv.empty()) StageFile(out.staging(), "leaderboard.csv", bundle.leaderboard_csv, files);
  if (!bundle.background_csv.empty()) StageFile(out.staging(), "background.csv", bundle.background_csv, files);
  for (const auto& [name, report] : bundle.reports) {
    if (!IsBundleFileName("reports/" + name + ".json")) throw Internal("report name '" + name + "' is not a file name");
    StageFile(out.staging(), "reports/" + name + ".json", report.dump(2), files);
  }
  manifest["files"] = files;
  const std::string manifest_bytes = manifest.dump(2);
  WriteFileAtomic(out.staging() / "manifest.json", manifest_bytes);
  WriteFileAtomic(out.staging() / "digest.json", DigestJson(manifest_bytes, options.signing_key).dump(2));
  out.Commit();
}

namespace {

// Parses verified manifest bytes and checks the format and its version.
Json ParseManifest(const fs::path& dir, const std::string& bytes, bool has_digest) {
  const std::string path = (dir / "manifest.json").string();
  Json manifest;
  try {
    manifest = Json::parse(bytes);
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle: " + path + " is not valid JSON (" + e.what() + ")");
  }
  if (!manifest.is_object() || manifest.value("format", "") != "tabpilot-model" ||
      !manifest.contains("format_version") || !manifest["format_version"].is_number_integer()) {
    throw InvalidInput("corrupt model bundle: " + path + " is not a tabpilot model manifest");
  }
  const int64_t version = manifest["format_version"].get<int64_t>();
  if (version > kBundleFormatVersion) {
    throw InvalidInput("model bundle " + dir.string() + " has format version " + std::to_string(version) +
                       ", newer than this tabpilot supports (" + std::to_string(kBundleFormatVersion) +
                       "); upgrade tabpilot");
  }
  if (version < 1) throw InvalidInput("corrupt model bundle: bad format_version in " + path);
  if (version >= 2 && !has_digest)
    throw InvalidInput("corrupt model bundle " + dir.string() + ": digest.json is missing");
  return manifest;
}

void CheckProblem(const ProblemInfo& p) {
  if (!std::isfinite(p.threshold) || p.threshold < 0 || p.threshold > 1) {
    throw InvalidInput("the decision threshold is not a probability");
  }
}

BundleMember MemberFromJson(const Json& jm, const Bundle& b) {
  BundleMember m;
  m.name = jm.at("name").get<std::string>();
  m.family = jm.at("family").get<std::string>();
  m.params = jm.at("params");
  m.pipeline = jm.at("feature_pipeline").get<std::string>();
  m.weight = jm.at("weight").get<double>();
  if (!std::isfinite(m.weight) || m.weight < 0) throw InvalidInput("member " + m.name + " has a bad weight");
  m.level = jm.contains("level") ? JsonInteger<int>(jm["level"], "member " + m.name + " level") : 1;
  if (m.level < 1 || m.level > 2) throw InvalidInput("member " + m.name + " has a bad level");
  m.stack_inputs = jm.value("stack_inputs", std::vector<std::string>{});
  for (const std::string& input : m.stack_inputs) {
    bool earlier = false;
    for (const BundleMember& prev : b.members) earlier = earlier || (prev.name == input && prev.level < m.level);
    if (!earlier) throw InvalidInput("member " + m.name + " stacks on unknown member '" + input + "'");
  }
  m.stack_input_folds = jm.contains("stack_input_folds")
                            ? JsonInteger<int>(jm["stack_input_folds"], "member " + m.name + " stack_input_folds")
                            : 0;
  if (m.stack_input_folds < 0 || m.stack_input_folds > kMaxStackInputFolds ||
      (m.stack_input_folds > 0 && m.stack_inputs.empty())) {
    throw InvalidInput("member " + m.name + " has a bad stack_input_folds");
  }
  if (!b.pipelines.count(m.pipeline)) throw InvalidInput("member " + m.name + " names an unknown feature pipeline");
  return m;
}

// The model files member `jm` serves in `form` (kBagged or kFull): its full
// model in the full form when it has one (then `m` takes its params and sees
// its stack inputs' served predictions, not fold-aligned ones), else its fold
// models.
std::vector<std::string> MemberModelFiles(const Json& jm, BundleForm form, BundleMember& m) {
  if (form == BundleForm::kFull && jm.contains("full")) {
    m.folds_are_full = true;
    m.stack_input_folds = 0;
    if (jm.contains("full_params")) {
      if (!jm["full_params"].is_object()) throw InvalidInput("member " + m.name + " has bad full_params");
      m.params = jm["full_params"];
    }
    return {jm["full"].get<std::string>()};
  }
  std::vector<std::string> files;
  for (const Json& f : jm.at("folds")) files.push_back(f.get<std::string>());
  return files;
}

}  // namespace

Json ReadManifest(const fs::path& dir, const BundleLoadOptions& options) {
  bool has_digest = false;
  const std::string bytes = VerifiedManifestBytes(dir, options, &has_digest);
  return ParseManifest(dir, bytes, has_digest);
}

Bundle LoadBundle(const fs::path& dir, const LearnerRegistry& learners, const BundleLoadOptions& options) {
  const Json manifest = ReadManifest(dir, options);
  const int version = manifest["format_version"].get<int>();
  Bundle b;
  try {
    b.forms = BundleForms::FromManifest(manifest, version);
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": manifest.json: " + e.what());
  } catch (const InvalidInput& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": manifest.json: " + e.what());
  }
  try {
    b.form = b.forms.Resolve(options.form);
  } catch (const InvalidInput& e) {
    throw InvalidInput("model bundle " + dir.string() + " " + e.what());
  }
  std::string current = "manifest.json";
  try {
    const Json& files = manifest.at("files");
    CheckFileTable(files, version, options.limits);
    ListedFiles listed(dir, files, version);
    auto read = [&](const std::string& rel) {
      current = rel;
      return listed.Read(rel);
    };
    b.problem = ProblemFromJson(manifest.at("problem"));
    CheckProblem(b.problem);
    b.input_schema = Schema::FromJson(manifest.at("input_schema"));
    b.training = manifest.value("training", Json::object());
    for (auto it = manifest.at("feature_pipelines").begin(); it != manifest.at("feature_pipelines").end(); ++it) {
      const std::string bytes = read(it.value().get<std::string>());
      b.pipelines.emplace(it.key(), FeaturePipeline::FromJson(Json::parse(bytes)));
    }
    FitOptions load_options;
    load_options.task = b.problem.task;
    load_options.num_classes = b.problem.num_outputs();
    for (const Json& jm : manifest.at("members")) {
      current = "manifest.json";
      BundleMember m = MemberFromJson(jm, b);
      const std::vector<std::string> model_files = MemberModelFiles(jm, b.form, m);
      auto learner = learners.Create(m.family, m.params);
      for (const std::string& rel : model_files) {
        std::unique_ptr<Model> model = learner->Load(read(rel), load_options);
        if (model->num_outputs() != b.problem.num_outputs()) {
          throw InvalidInput("the model predicts " + std::to_string(model->num_outputs()) +
                             " values per row, the problem needs " + std::to_string(b.problem.num_outputs()));
        }
        m.folds.push_back(std::move(model));
      }
      if (m.folds.empty()) throw InvalidInput("member " + m.name + " has no fold models");
      b.members.push_back(std::move(m));
    }
    if (b.members.empty()) throw InvalidInput("the bundle has no ensemble members");
    current = "leaderboard.json";
    if (files.contains("leaderboard.json")) b.leaderboard = Json::parse(read("leaderboard.json"));
    if (files.contains("leaderboard.csv")) b.leaderboard_csv = read("leaderboard.csv");
    current = "background.csv";
    if (files.contains("background.csv")) b.background_csv = read("background.csv");
    for (const auto& [rel, facts] : files.items()) {
      if (rel.rfind("reports/", 0) != 0) continue;
      current = rel;
      b.reports[rel.substr(8, rel.size() - 8 - 5)] = Json::parse(read(rel));
    }
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": " + current + ": " + e.what());
  } catch (const InvalidInput& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": " + current + ": " + e.what());
  }
  return b;
}

void WriteBundleDigest(const fs::path& dir, const std::string& signing_key, const InputLimits& limits) {
  std::string bytes;
  try {
    bytes = ReadBundleFileUpTo(dir, "manifest.json", limits.bundle_manifest_bytes);
  } catch (const NotFound&) {
    throw NotFound("not a tabpilot model: " + dir.string() + " has no manifest.json");
  }
  WriteFileAtomic(dir / "digest.json", DigestJson(bytes, signing_key).dump(2));
}

std::string ReadSigningKey(const fs::path& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw NotFound("signing key not found: " + path.string());
  if (!fs::is_regular_file(st)) throw InvalidInput("signing key " + path.string() + " is not a regular file");
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxKeyBytes) {
    throw InvalidInput("signing key " + path.string() + " is larger than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  std::string key = ReadFile(path);
  if (key.size() < kMinKeyBytes) {
    throw InvalidInput("signing key " + path.string() + " has " + std::to_string(key.size()) + " bytes; use at least " +
                       std::to_string(kMinKeyBytes) + " random bytes (e.g. head -c 32 /dev/urandom > key)");
  }
  return key;
}

}  // namespace tabpilot
