// Each subcommand lives in its own file and registers itself on the CLI11 app
// through one of these functions (called from main.cpp). The returned runner
// executes the command after parsing and returns the process exit code;
// errors are thrown as tabpilot::Error and mapped to exit codes by main.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "model/bundle.h"

namespace tabpilot::cli {

using Runner = std::function<int()>;

Runner AddTrainCommand(CLI::App& app);
Runner AddPredictCommand(CLI::App& app);
Runner AddEvaluateCommand(CLI::App& app);
Runner AddExplainCommand(CLI::App& app);
Runner AddLeaderboardCommand(CLI::App& app);
Runner AddLearnersCommand(CLI::App& app);
Runner AddPipelineCommand(CLI::App& app);
Runner AddRegistryCommand(CLI::App& app);
Runner AddSignCommand(CLI::App& app);
Runner AddExportCommand(CLI::App& app);
Runner AddEndpointCommand(CLI::App& app);
Runner AddServeCommand(CLI::App& app);
Runner AddUiCommand(CLI::App& app);
Runner AddHubCommand(CLI::App& app);

// The bearer token in `path` (surrounding whitespace dropped), or "" when
// no file is given. InvalidInput for an empty token. (--auth-token-file)
std::string ReadAuthToken(const std::string& path);

// True for localhost, ::1 and 127.x.y.z: where a server may listen without a token.
bool IsLoopback(const std::string& host);

// 0 -> all hardware threads; negative -> InvalidInput.
int ResolveThreads(int requested);

// The input limits: defaults overridden by the TABPILOT_LIMIT_* environment
// variables (read here, once per command, and passed down as values).
InputLimits LimitsFromEnvironment();

// Refuses to let a command replace a folder that is not a tabpilot model
// (the user may have pointed --output at something precious): throws
// InvalidInput unless `out` is missing, an empty folder or a bundle.
void CheckModelOutputPath(const std::filesystem::path& out);

// How commands load bundles: the input limits (defaults overridden by the
// TABPILOT_LIMIT_* environment variables) and, when `verify_key_path` is not
// empty, the key a bundle must be signed with.
BundleLoadOptions BundleLoading(const std::string& verify_key_path);

// What predict and evaluate share about loading a model: --verify-key,
// --form and --reference.
struct ModelLoadingArgs {
  std::string verify_key;
  std::string form = "default";
  bool reference = false;
  // BundleLoading(verify_key) with the form (a bad --form is InvalidInput,
  // checked before the key file is read).
  BundleLoadOptions Options() const;
};
void AddModelLoadingOptions(CLI::App* sub, ModelLoadingArgs* args);

// --store PATH_OR_URL on `sub` (the metadata store: store_location.h).
void AddStoreOption(CLI::App* sub, std::string* store);

// Prints rows (the first is the header) as left-aligned columns two spaces
// apart, on stdout; every row has the header's number of cells.
void PrintTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace tabpilot::cli
