// A slim deployment copy of a bundle: one form's files only (e.g. the full
// form, one model per member instead of k), written as a bundle of its own
// whose default is that form.
#pragma once

#include <filesystem>

#include "learners/learner_registry.h"
#include "model/bundle.h"

namespace tabpilot {

// Loads `source` in load.form (the bundle's default form for kDefault),
// which reads and verifies only that form's files and every model in them,
// and writes to `dest` atomically (SaveBundle: a reader sees the old folder
// or the new one) a bundle holding that form alone, signed when
// save.signing_key is set. `dest` must not be `source`. Returns the form
// written. Throws what LoadBundle throws, and InvalidInput when `dest` is
// `source`.
BundleForm ExportBundle(const std::filesystem::path& source, const std::filesystem::path& dest,
                        const LearnerRegistry& learners, const BundleLoadOptions& load, const SaveOptions& save);

}  // namespace tabpilot
