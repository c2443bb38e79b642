// A text-generation model as the registry stores it: a folder with
// manifest.json ({"format": "tabpilot-hub-model", "format_version": 1,
// "kind": "text-generation", "model": <file or folder in the package>,
// "info": {...}, "license": {...}}), the model (a GGUF file, or a Hugging
// Face folder as "checkpoint/"), and the license text when one was given.
// The registry copies the folder into its content-addressed artifacts like a
// tabular bundle; a server tells the two apart by the manifest's format.
#pragma once

#include <filesystem>
#include <string>

#include "core/json.h"
#include "hub/language_model.h"

namespace tabpilot {

inline constexpr const char* kHubPackageFormat = "tabpilot-hub-model";

struct HubPackageOptions {
  std::filesystem::path license_file;  // optional: copied as LICENSE
  std::string license;                 // optional: an identifier ("apache-2.0"); default: the model's own
  std::string usage_terms;             // optional: shown with the model in the UI
};

// Writes the package for `model_path` (opened already as `model`) into the
// empty folder `out`: the model is hard-linked where the file system allows,
// else copied. InvalidInput for a license file that cannot be read.
Json WriteHubPackage(const std::filesystem::path& model_path, const LanguageModel& model,
                     const HubPackageOptions& options, const std::filesystem::path& out);

// Whether `folder` holds a hub package (its manifest says so).
bool IsHubPackage(const std::filesystem::path& folder);
// The package's manifest; InvalidInput when it is not one.
Json ReadHubManifest(const std::filesystem::path& folder);
// The model inside a package (the file or folder LanguageModel::Open takes).
std::filesystem::path HubPackageModel(const std::filesystem::path& folder);

}  // namespace tabpilot
