#include "hub/hub_package.h"

#include <fstream>
#include <sstream>

#include "core/error.h"
#include "hub/chat_template.h"

namespace tabpilot {
namespace {

namespace fs = std::filesystem;

// A hard link when the file system allows one (no copy of gigabytes), else a copy.
void LinkOrCopy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput("cannot read the license file " + path.string());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Json WriteHubPackage(const fs::path& model_path, const LanguageModel& model, const HubPackageOptions& options,
                     const fs::path& out) {
  fs::create_directories(out);
  std::string inside;
  if (fs::is_directory(model_path)) {
    inside = "checkpoint";
    fs::create_directories(out / inside);
    for (const auto& entry : fs::directory_iterator(model_path)) {
      if (entry.is_regular_file()) LinkOrCopy(entry.path(), out / inside / entry.path().filename());
    }
  } else {
    inside = "model.gguf";
    LinkOrCopy(model_path, out / inside);
  }
  const LanguageModelInfo& i = model.info();
  Json license = {{"id", options.license.empty() ? i.license : options.license}};
  if (!options.license_file.empty()) {
    const std::string text = ReadAll(options.license_file);
    std::ofstream(out / "LICENSE", std::ios::binary) << text;
    license["file"] = "LICENSE";
  }
  if (!options.usage_terms.empty()) license["usage_terms"] = options.usage_terms;
  const TransformerConfig& c = model.transformer().config();
  Json manifest = {
      {"format", kHubPackageFormat},
      {"format_version", 1},
      {"kind", "text-generation"},
      {"model", inside},
      {"source", model_path.filename().string()},
      {"info",
       {{"name", i.name},
        {"architecture", i.architecture},
        {"parameters", i.parameters},
        {"precision", i.precision},
        {"file_bytes", i.file_bytes},
        {"context", i.context},
        {"vocabulary", i.vocab},
        {"layers", c.layers},
        {"embedding", c.embedding},
        {"heads", c.heads},
        {"kv_heads", c.kv_heads},
        {"chat_format", ChatFormatName(DetectChatFormat(model.tokenizer().vocabulary()))}}},
      {"license", license},
  };
  std::ofstream(out / "manifest.json") << manifest.dump(2) << "\n";
  return manifest;
}

bool IsHubPackage(const fs::path& folder) {
  std::ifstream in(folder / "manifest.json");
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  try {
    const Json j = Json::parse(s.str());
    return j.is_object() && j.value("format", "") == kHubPackageFormat;
  } catch (const Json::exception&) {
    return false;
  }
}

Json ReadHubManifest(const fs::path& folder) {
  if (!IsHubPackage(folder)) throw InvalidInput(folder.string() + " is not a text-generation model package");
  std::ifstream in(folder / "manifest.json");
  std::stringstream s;
  s << in.rdbuf();
  return Json::parse(s.str());
}

fs::path HubPackageModel(const fs::path& folder) {
  const Json manifest = ReadHubManifest(folder);
  const std::string inside = manifest.value("model", "");
  if (inside != "model.gguf" && inside != "checkpoint") {
    throw InvalidInput(folder.string() + ": the package's model entry '" + inside + "' is not one this version writes");
  }
  return folder / inside;
}

}  // namespace tabpilot
