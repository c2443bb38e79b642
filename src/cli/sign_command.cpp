// tabpilot sign: verify a model bundle and sign it with a key, so that
// `predict --verify-key` (and, later, serving) accepts only bundles signed
// with that key.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "learners/learner_registry.h"
#include "model/bundle.h"

namespace tabpilot::cli {
namespace {

struct SignArgs {
  std::string model;
  std::string key;
  std::string verify_key;
  bool quiet = false;
};

// Loads every form the bundle holds, so that every file the manifest lists
// for a model is read, checked and loaded (a load reads only its form's
// files). Returns the bundle in its default form.
Bundle LoadEveryForm(const std::string& dir, const LearnerRegistry& learners, const BundleLoadOptions& options) {
  Bundle bundle = LoadBundle(dir, learners, options);
  for (BundleForm form : {BundleForm::kBagged, BundleForm::kFull}) {
    if (form == bundle.form || !bundle.forms.Has(form)) continue;
    BundleLoadOptions other = options;
    other.form = form;
    LoadBundle(dir, learners, other);
  }
  return bundle;
}

int RunSign(const SignArgs& a) {
  const std::string key = ReadSigningKey(a.key);
  // Sign only what verifies: every file of every form against the manifest,
  // every model loadable (and the old signature, when --verify-key is given).
  const BundleLoadOptions load = BundleLoading(a.verify_key);
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  const Bundle verified = LoadEveryForm(a.model, learners, load);
  const Json manifest = ReadManifest(a.model, load);
  if (manifest.at("format_version").get<int>() < 2) {
    throw InvalidInput("model bundle " + a.model + " has format version 1, which cannot be signed; retrain it");
  }
  WriteBundleDigest(a.model, key, load.limits);
  // The signature must cover what was verified: load it again with the key.
  BundleLoadOptions check = load;
  check.verify_key = key;
  LoadEveryForm(a.model, learners, check);
  if (!a.quiet) std::cout << "signed " << a.model << " (" << verified.members.size() << " members)\n";
  return 0;
}

}  // namespace

Runner AddSignCommand(CLI::App& app) {
  auto args = std::make_shared<SignArgs>();
  CLI::App* sub = app.add_subcommand("sign", "Verify a model bundle and sign it with a key file");
  sub->add_option("--model,-m", args->model, "Model bundle directory")->required();
  sub->add_option("--key", args->key, "Key file to sign with (at least 32 random bytes)")->required();
  sub->add_option("--verify-key", args->verify_key, "Key the bundle must already be signed with (re-signing)");
  sub->add_flag("--quiet,-q", args->quiet, "Print only errors");
  return [args] { return RunSign(*args); };
}

}  // namespace tabpilot::cli
