// tabpilot registry: list, inspect, register, approve and reject model versions.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "registry/model_registry.h"
#include "store/postgres_database.h"
#include "store/store_location.h"

namespace tabpilot::cli {
namespace {
namespace fs = std::filesystem;

struct RegistryArgs {
  std::string store;
  std::string group;
  int64_t version = 0;
  std::string comment;
  // register
  std::string model;
  std::string report;
  std::string status = "PendingManualApproval";
  std::string description;
  std::string execution_id;
  std::vector<std::string> tags;
  std::vector<std::string> inputs;
  // which subcommand was given
  CLI::App* groups = nullptr;
  CLI::App* versions = nullptr;
  CLI::App* describe = nullptr;
  CLI::App* approve = nullptr;
  CLI::App* reject = nullptr;
  CLI::App* register_ = nullptr;
  CLI::App* latest = nullptr;
};

std::pair<std::string, std::string> SplitKeyValue(const std::string& kv, const char* flag) {
  const size_t eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InvalidInput(std::string(flag) + " '" + kv + "' must look like key=value");
  }
  return {kv.substr(0, eq), kv.substr(eq + 1)};
}

Json ReadJsonFile(const std::string& path, const char* what) {
  try {
    return Json::parse(ReadFile(path));
  } catch (const Json::exception& e) {
    throw InvalidInput(std::string(what) + " " + path + " is not valid JSON: " + e.what());
  }
}

// The headline metrics for the versions table (describe shows all of them).
std::string MetricsText(const Json& metrics) {
  static const char* kHeadline[] = {"f1", "auc", "accuracy", "f1_macro", "logloss", "rmse", "mae", "r2"};
  std::string out;
  for (const char* name : kHeadline) {
    if (!metrics.contains(name)) continue;
    const Json& value = metrics.at(name);
    if (!value.is_number()) continue;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s=%.4g", name, value.get<double>());
    out += (out.empty() ? "" : " ") + std::string(buf);
  }
  return out.empty() ? "-" : out;
}

// The forms of the model a stored bundle holds and the one it serves by
// default, from its verified manifest; null when the artifact is not a
// loadable bundle (or was changed since it was stored).
Json ArtifactForms(const ArtifactStore& artifacts, const ModelVersion& v, bool verified) {
  if (!verified) return nullptr;
  try {
    const Json manifest = ReadManifest(artifacts.Path(v.artifact_hash));
    const BundleForms forms = BundleForms::FromManifest(manifest, manifest.at("format_version").get<int>());
    return Json{{"available", forms.NamesJson()}, {"default", BundleFormName(forms.default_form)}};
  } catch (const Error&) {
    return nullptr;
  } catch (const Json::exception&) {
    return nullptr;
  }
}

// The reports a stored bundle carries (reports/<name>.json: data,
// model_quality, explainability), name -> path; empty when unverified.
Json ArtifactReports(const ArtifactStore& artifacts, const ModelVersion& v, bool verified) {
  Json out = Json::object();
  if (!verified) return out;
  try {
    const Json manifest = ReadManifest(artifacts.Path(v.artifact_hash));
    for (const auto& [rel, facts] : manifest.at("files").items()) {
      if (rel.rfind("reports/", 0) != 0 || rel.size() <= 13) continue;
      out[rel.substr(8, rel.size() - 13)] = (artifacts.Path(v.artifact_hash) / rel).string();
    }
  } catch (const Error&) {
    return Json::object();
  } catch (const Json::exception&) {
    return Json::object();
  }
  return out;
}

Json DescribeJson(const ModelVersion& v, bool artifact_present, bool artifact_verified, const Json& forms,
                  const Json& reports) {
  return {{"model_package_group", v.group},
          {"version", v.version},
          {"approval_status", ToString(v.status)},
          {"description", v.description},
          {"created_at", v.created_at},
          {"updated_at", v.updated_at},
          {"artifact",
           {{"hash", v.artifact_hash},
            {"path", v.artifact_path.string()},
            {"present", artifact_present},
            {"verified", artifact_verified},
            {"forms", forms},
            {"reports", reports}}},
          {"metrics", v.metrics},
          {"tags", v.tags},
          {"lineage", {{"execution_id", v.execution_id}, {"input_data_hashes", v.input_data_hashes}}},
          {"audit", AuditJson(v.audit)},
          {"evaluation_report", v.evaluation_report},
          {"leaderboard", v.leaderboard}};
}

int RunRegistry(const RegistryArgs& a) {
  Store store = OpenStore(a.store);
  ModelRegistry registry(*store.db, store.artifacts);

  if (a.groups->parsed()) {
    auto groups = registry.ListGroups();
    if (groups.empty()) {
      std::cout << "no model package groups in " << RedactUrl(store.location.database) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"GROUP", "VERSIONS", "LATEST", "LATEST_APPROVED", "CREATED"}};
    for (const auto& g : groups) {
      rows.push_back({g.name, std::to_string(g.version_count),
                      g.latest_version ? std::to_string(g.latest_version) : "-",
                      g.latest_approved ? std::to_string(g.latest_approved) : "-", g.created_at});
    }
    PrintTable(rows);
    return 0;
  }
  if (a.versions->parsed()) {
    auto versions = registry.ListVersions(a.group);
    if (versions.empty()) {
      std::cout << "model package group '" << a.group << "' has no versions\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"VERSION", "STATUS", "METRICS", "CREATED", "EXECUTION"}};
    for (const auto& v : versions) {
      rows.push_back({std::to_string(v.version), ToString(v.status), MetricsText(v.metrics), v.created_at,
                      v.execution_id.empty() ? "-" : v.execution_id});
    }
    PrintTable(rows);
    return 0;
  }
  if (a.describe->parsed()) {
    ModelVersion v = registry.Describe(a.group, a.version);
    const bool verified = store.artifacts.Verify(v.artifact_hash);
    const Json forms = ArtifactForms(store.artifacts, v, verified);
    const Json reports = ArtifactReports(store.artifacts, v, verified);
    std::cout << DescribeJson(v, store.artifacts.Exists(v.artifact_hash), verified, forms, reports).dump(2) << "\n";
    return 0;
  }
  if (a.approve->parsed() || a.reject->parsed()) {
    const ApprovalStatus status = a.approve->parsed() ? ApprovalStatus::kApproved : ApprovalStatus::kRejected;
    ModelVersion v = registry.UpdateApprovalStatus(a.group, a.version, status, a.comment);
    const ApprovalEvent& last = v.audit.back();
    std::cout << a.group << " version " << v.version << ": " << last.old_status << " -> " << last.new_status << " (by "
              << last.changed_by << ")\n";
    return 0;
  }
  if (a.latest->parsed()) {
    std::optional<ModelVersion> v = registry.LatestApproved(a.group);
    if (!v) throw NotFound("model package group '" + a.group + "' has no Approved version");
    // What a deployment reads next: re-hashed, so a changed copy is not handed out.
    std::cout << "version " << v->version << "\n"
              << "artifact " << store.artifacts.VerifiedPath(v->artifact_hash).string() << "\n";
    return 0;
  }
  // register
  RegisterRequest req;
  req.group = a.group;
  req.model_dir = a.model;
  req.status = ParseApprovalStatus(a.status);
  req.description = a.description;
  req.execution_id = a.execution_id;
  req.comment = a.comment;
  for (const auto& kv : a.tags) {
    auto [k, val] = SplitKeyValue(kv, "--tag");
    req.tags[k] = val;
  }
  for (const auto& kv : a.inputs) {
    auto [name, path] = SplitKeyValue(kv, "--input");
    req.input_data_hashes[name] = ArtifactStore::HashFile(path);
  }
  if (!a.report.empty()) {
    req.evaluation_report = ReadJsonFile(a.report, "--report");
    if (!req.evaluation_report.is_object()) throw InvalidInput("--report " + a.report + " must hold a JSON object");
  }
  ModelVersion v = registry.Register(req);
  std::cout << "registered " << v.group << " version " << v.version << " (" << ToString(v.status) << ")\n"
            << "artifact " << v.artifact_path.string() << "\n";
  return 0;
}

}  // namespace

Runner AddRegistryCommand(CLI::App& app) {
  auto a = std::make_shared<RegistryArgs>();
  CLI::App* sub = app.add_subcommand("registry", "Model registry: groups, versions, approval");
  sub->require_subcommand(1);
  sub->fallthrough();
  AddStoreOption(sub, &a->store);
  a->groups = sub->add_subcommand("groups", "List model package groups");
  a->versions = sub->add_subcommand("versions", "List the versions of a group, newest first");
  a->versions->add_option("group", a->group, "Model package group")->required();
  a->describe = sub->add_subcommand("describe", "Show one version: status, audit trail, lineage, metrics, report");
  a->describe->add_option("group", a->group, "Model package group")->required();
  a->describe->add_option("version", a->version, "Version number")->required();
  a->approve = sub->add_subcommand("approve", "Set a version's status to Approved");
  a->reject = sub->add_subcommand("reject", "Set a version's status to Rejected");
  for (CLI::App* s : {a->approve, a->reject}) {
    s->add_option("group", a->group, "Model package group")->required();
    s->add_option("version", a->version, "Version number")->required();
    s->add_option("--comment", a->comment, "Why (kept in the audit trail)");
  }
  a->latest = sub->add_subcommand("latest", "Show the latest Approved version of a group");
  a->latest->add_option("group", a->group, "Model package group")->required();
  a->register_ = sub->add_subcommand("register", "Register a model bundle as the group's next version");
  a->register_->add_option("group", a->group, "Model package group (created if missing)")->required();
  a->register_->add_option("--model,-m", a->model, "Model bundle directory")->required();
  a->register_->add_option("--report", a->report, "Evaluation report JSON (from 'tabpilot evaluate')");
  a->register_->add_option("--status", a->status, "PendingManualApproval | Approved | Rejected")->capture_default_str();
  a->register_->add_option("--tag", a->tags, "key=value (repeatable)");
  a->register_->add_option("--input", a->inputs, "name=FILE: record the file's content hash as lineage (repeatable)");
  a->register_->add_option("--description", a->description, "Free text");
  a->register_->add_option("--execution-id", a->execution_id, "Producing pipeline execution");
  a->register_->add_option("--comment", a->comment, "Kept in the audit trail");
  return [a] { return RunRegistry(*a); };
}

}  // namespace tabpilot::cli
