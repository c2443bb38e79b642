#include "model/bundle.h"

#include <cctype>
#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hash.h"

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
  files[rel] = Json{{"size", bytes.size()}, {"fnv1a64", HexHash(bytes)}};
}

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
      p.positive_class = j.at("positive_class").get<int>();
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

}  // namespace

void SaveBundle(const Bundle& bundle, const fs::path& dir, const SaveOptions& options) {
  AtomicDirectory out(dir);
  Json files = Json::object();
  Json manifest;
  manifest["format"] = "tabpilot-model";
  manifest["format_version"] = kBundleFormatVersion;
  manifest["producer"] = Json{{"name", "tabpilot"}, {"version", options.producer_version}};
  manifest["problem"] = ProblemToJson(bundle.problem);
  manifest["input_schema"] = bundle.input_schema.ToJson();

  Json pipelines = Json::object();
  for (const auto& [id, pipeline] : bundle.pipelines) {
    std::string rel = "features/" + SafeName(id) + ".json";
    StageFile(out.staging(), rel, pipeline.ToJson().dump(), files);
    pipelines[id] = rel;
  }
  manifest["feature_pipelines"] = pipelines;

  Json members = Json::array();
  for (const BundleMember& m : bundle.members) {
    Json fold_files = Json::array();
    for (size_t k = 0; k < m.folds.size(); ++k) {
      std::string rel = "members/" + SafeName(m.name) + "/fold_" + std::to_string(k) + ".bin";
      StageFile(out.staging(), rel, m.folds[k]->Serialize(), files);
      fold_files.push_back(rel);
    }
    members.push_back(Json{{"name", m.name},
                           {"family", m.family},
                           {"params", m.params},
                           {"feature_pipeline", m.pipeline},
                           {"weight", m.weight},
                           {"level", m.level},
                           {"stack_inputs", m.stack_inputs},
                           {"folds", fold_files}});
    if (m.stack_input_folds > 0) members.back()["stack_input_folds"] = m.stack_input_folds;
  }
  manifest["members"] = members;
  manifest["training"] = bundle.training;

  if (!bundle.leaderboard.empty()) StageFile(out.staging(), "leaderboard.json", bundle.leaderboard.dump(2), files);
  if (!bundle.leaderboard_csv.empty()) StageFile(out.staging(), "leaderboard.csv", bundle.leaderboard_csv, files);
  manifest["files"] = files;
  WriteFileAtomic(out.staging() / "manifest.json", manifest.dump(2));
  out.Commit();
}

Json ReadManifest(const fs::path& dir) {
  fs::path path = dir / "manifest.json";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw NotFound("model not found: " + dir.string() + " is not a directory");
  if (!fs::exists(path, ec)) throw NotFound("not a tabpilot model: " + dir.string() + " has no manifest.json");
  Json manifest;
  try {
    manifest = Json::parse(ReadFile(path));
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle: " + path.string() + " is not valid JSON (" + e.what() + ")");
  }
  if (!manifest.is_object() || manifest.value("format", "") != "tabpilot-model" ||
      !manifest.contains("format_version") || !manifest["format_version"].is_number_integer()) {
    throw InvalidInput("corrupt model bundle: " + path.string() + " is not a tabpilot model manifest");
  }
  int version = manifest["format_version"].get<int>();
  if (version > kBundleFormatVersion) {
    throw InvalidInput("model bundle " + dir.string() + " has format version " + std::to_string(version) +
                       ", newer than this tabpilot supports (" + std::to_string(kBundleFormatVersion) +
                       "); upgrade tabpilot");
  }
  if (version < 1) throw InvalidInput("corrupt model bundle: bad format_version in " + path.string());
  return manifest;
}

Bundle LoadBundle(const fs::path& dir, const LearnerRegistry& learners) {
  Json manifest = ReadManifest(dir);
  Bundle b;
  std::string current = "manifest.json";
  try {
    const Json& files = manifest.at("files");
    // Reads a listed file and checks its size and checksum.
    auto read_checked = [&](const std::string& rel) {
      current = rel;
      if (!files.contains(rel)) throw InvalidInput("file is not listed in the manifest");
      std::string bytes;
      try {
        bytes = ReadFile(dir / rel);
      } catch (const NotFound&) {
        throw InvalidInput("file is missing");
      }
      const Json& f = files.at(rel);
      if (bytes.size() != f.at("size").get<size_t>()) {
        throw InvalidInput("file is truncated or changed (" + std::to_string(bytes.size()) + " bytes, expected " +
                           std::to_string(f.at("size").get<size_t>()) + ")");
      }
      if (HexHash(bytes) != f.at("fnv1a64").get<std::string>()) throw InvalidInput("checksum mismatch");
      return bytes;
    };

    b.problem = ProblemFromJson(manifest.at("problem"));
    b.input_schema = Schema::FromJson(manifest.at("input_schema"));
    b.training = manifest.value("training", Json::object());
    for (auto it = manifest.at("feature_pipelines").begin(); it != manifest.at("feature_pipelines").end(); ++it) {
      std::string bytes = read_checked(it.value().get<std::string>());
      b.pipelines.emplace(it.key(), FeaturePipeline::FromJson(Json::parse(bytes)));
    }
    FitOptions load_options;
    load_options.task = b.problem.task;
    load_options.num_classes = b.problem.num_outputs();
    for (const Json& jm : manifest.at("members")) {
      current = "manifest.json";
      BundleMember m;
      m.name = jm.at("name").get<std::string>();
      m.family = jm.at("family").get<std::string>();
      m.params = jm.at("params");
      m.pipeline = jm.at("feature_pipeline").get<std::string>();
      m.weight = jm.at("weight").get<double>();
      m.level = jm.value("level", 1);
      m.stack_inputs = jm.value("stack_inputs", std::vector<std::string>{});
      for (const std::string& input : m.stack_inputs) {
        bool earlier = false;
        for (const BundleMember& prev : b.members) earlier = earlier || (prev.name == input && prev.level < m.level);
        if (!earlier) throw InvalidInput("member " + m.name + " stacks on unknown member '" + input + "'");
      }
      m.stack_input_folds = jm.value("stack_input_folds", 0);
      if (m.stack_input_folds < 0 || m.stack_input_folds > kMaxStackInputFolds ||
          (m.stack_input_folds > 0 && m.stack_inputs.empty())) {
        throw InvalidInput("member " + m.name + " has a bad stack_input_folds");
      }
      if (!b.pipelines.count(m.pipeline)) throw InvalidInput("member " + m.name + " names an unknown feature pipeline");
      auto learner = learners.Create(m.family, m.params);
      for (const Json& jf : jm.at("folds")) {
        std::string bytes = read_checked(jf.get<std::string>());
        m.folds.push_back(learner->Load(bytes, load_options));
      }
      if (m.folds.empty()) throw InvalidInput("member " + m.name + " has no fold models");
      b.members.push_back(std::move(m));
    }
    if (b.members.empty()) throw InvalidInput("the bundle has no ensemble members");
    current = "leaderboard.json";
    if (files.contains("leaderboard.json")) b.leaderboard = Json::parse(read_checked("leaderboard.json"));
    if (files.contains("leaderboard.csv")) b.leaderboard_csv = read_checked("leaderboard.csv");
  } catch (const Json::exception& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": " + current + ": " + e.what());
  } catch (const InvalidInput& e) {
    throw InvalidInput("corrupt model bundle " + dir.string() + ": " + current + ": " + e.what());
  }
  return b;
}

}  // namespace tabpilot
