#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"
#include "core/parallel.h"
#include "data/file_bytes.h"

namespace tabpilot::cli {

int ResolveThreads(int requested) {
  if (requested < 0) throw InvalidInput("--threads must be 0 (all cores) or a positive number");
  return requested == 0 ? HardwareThreads() : requested;
}

InputLimits LimitsFromEnvironment() {
  return InputLimits::FromEnvironment([](const char* name) { return std::getenv(name); });
}

void CheckModelOutputPath(const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(out, ec)) return;
  if (!fs::is_directory(out, ec)) throw InvalidInput("--output " + out.string() + " exists and is not a directory");
  if (fs::is_empty(out, ec) || fs::exists(out / "manifest.json", ec)) return;
  throw InvalidInput("--output " + out.string() + " exists and is not a tabpilot model; refusing to overwrite it");
}

BundleLoadOptions BundleLoading(const std::string& verify_key_path) {
  BundleLoadOptions options;
  options.limits = LimitsFromEnvironment();
  if (!verify_key_path.empty()) options.verify_key = ReadSigningKey(verify_key_path);
  return options;
}

BundleLoadOptions ModelLoadingArgs::Options() const {
  const BundleForm parsed = ParseBundleForm(form, "--form");
  BundleLoadOptions options = BundleLoading(verify_key);
  options.form = parsed;
  return options;
}

void AddModelLoadingOptions(CLI::App* sub, ModelLoadingArgs* args) {
  sub->add_option("--verify-key", args->verify_key,
                  "Key file the bundle must be signed with (see 'tabpilot sign'); unsigned or tampered bundles fail");
  sub->add_option("--form", args->form,
                  "Which form of the ensemble to load: default (the bundle's), bagged (every fold model) or full "
                  "(the members refit on all rows)")
      ->capture_default_str();
  sub->add_flag("--reference", args->reference,
                "Predict with each model family's own code (XGBoost's predict, the forest's walk) instead of the "
                "compiled trees: the reference the compiled trees are checked against, much slower");
}

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(rows.at(0).size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  for (const auto& cells : rows) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      line += cells[i];
      if (i + 1 < cells.size()) line += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    std::cout << line << "\n";
  }
}

void AddStoreOption(CLI::App* sub, std::string* store) {
  sub->add_option(
      "--store", *store,
      "Metadata store: SQLite file or postgresql:// URL (default $TABPILOT_STORE, else .tabpilot/metadata.db)");
}

std::string ReadAuthToken(const std::string& path) {
  if (path.empty()) return "";
  std::string token = ReadFileBytes(path);
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  size_t start = 0;
  while (start < token.size() && std::isspace(static_cast<unsigned char>(token[start]))) ++start;
  token.erase(0, start);
  if (token.empty()) throw InvalidInput("--auth-token-file " + path + " holds no token");
  return token;
}

bool IsLoopback(const std::string& host) { return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0; }

}  // namespace tabpilot::cli
