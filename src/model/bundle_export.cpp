#include "model/bundle_export.h"

#include "core/error.h"

namespace tabpilot {
namespace fs = std::filesystem;

BundleForm ExportBundle(const fs::path& source, const fs::path& dest, const LearnerRegistry& learners,
                        const BundleLoadOptions& load, const SaveOptions& save) {
  std::error_code ec;
  if (fs::exists(dest, ec) && fs::equivalent(source, dest, ec)) {
    throw InvalidInput("cannot export model bundle " + source.string() + " onto itself; choose another output");
  }
  Bundle bundle = LoadBundle(source, learners, load);
  // The loaded members hold the chosen form's models (a refit member's
  // full model marked folds_are_full), which SaveBundle writes back under
  // their own names.
  BundleForms only;
  only.bagged = bundle.form == BundleForm::kBagged;
  only.full = bundle.form == BundleForm::kFull;
  only.default_form = bundle.form;
  bundle.forms = only;
  SaveBundle(bundle, dest, save);
  return bundle.form;
}

}  // namespace tabpilot
