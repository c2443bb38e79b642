// tabpilot export: a slim deployment copy of a model bundle holding one form
// only (e.g. the full form: one model per member instead of k), itself a
// bundle whose default is that form.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/version.h"
#include "learners/learner_registry.h"
#include "model/bundle_export.h"

namespace tabpilot::cli {
namespace {

struct ExportArgs {
  std::string model;
  std::string form = "default";
  std::string output;
  std::string signing_key;
  std::string verify_key;
  bool quiet = false;
};

int RunExport(const ExportArgs& a) {
  const BundleForm form = ParseBundleForm(a.form, "--form");
  CheckModelOutputPath(a.output);
  SaveOptions save;
  save.producer_version = TABPILOT_VERSION;
  if (!a.signing_key.empty()) save.signing_key = ReadSigningKey(a.signing_key);
  BundleLoadOptions load = BundleLoading(a.verify_key);
  load.form = form;
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const BundleForm written = ExportBundle(a.model, a.output, learners, load, save);
  if (!a.quiet) {
    std::cout << "exported the " << BundleFormName(written) << " form of " << a.model << " to " << a.output
              << (save.signing_key.empty() ? "" : " (signed)") << "\n";
  }
  return 0;
}

}  // namespace

Runner AddExportCommand(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* sub =
      app.add_subcommand("export", "Write a deployment copy of a model bundle holding one form only (e.g. full)");
  sub->add_option("--model,-m", args->model, "Model bundle directory to read")->required();
  sub->add_option("--form", args->form,
                  "Form to keep: default (the bundle's), bagged (every fold model) or full (the members refit on all "
                  "rows)")
      ->capture_default_str();
  sub->add_option("--output,-o", args->output, "Bundle directory to write (replaced atomically)")->required();
  sub->add_option("--signing-key,--sign-key", args->signing_key,
                  "Key file (at least 32 random bytes) to sign the copy with; predict --verify-key checks it");
  sub->add_option("--verify-key", args->verify_key, "Key file the source bundle must be signed with");
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunExport(*args); };
}

}  // namespace tabpilot::cli
