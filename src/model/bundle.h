// The model bundle: a directory MODEL/ holding manifest.json, one JSON file per
// fitted feature pipeline, one binary file per member fold model and one per
// member refit on all rows.
//
//   MODEL/manifest.json            format version, problem, input schema, forms, members, files
//   MODEL/digest.json              SHA-256 of manifest.json; with a key, its HMAC-SHA256
//   MODEL/features/<id>.json       FeaturePipeline::ToJson()
//   MODEL/members/<name>/fold_<k>.bin   Model::Serialize() (the bagged form)
//   MODEL/members/<name>/full.bin       Model::Serialize() (the full form, when refit)
//   MODEL/leaderboard.{csv,json}   every candidate tried (written by the trainer)
//
// A bundle holds the bagged form, the full form or both (model/bundle_form.h)
// and names the one a load serves by default; a load reads only the files of
// the form it serves.
//
// A bundle is untrusted input (it may come from a shared registry): loading
// checks digest.json against manifest.json's bytes (and the HMAC when a key
// is required) before parsing it; every file is listed in the manifest with
// its size and SHA-256, names follow the layout above, files are regular
// (no symlinks, devices or FIFOs) and their sizes are checked against the
// manifest and the InputLimits before they are read; every fold model's
// output count must match the problem. Bundles are written through an
// AtomicDirectory: a reader sees the old bundle or the new one, never half.
// Format 1 bundles (FNV-1a checksums, no digest.json) still load, unsigned;
// format 1 and 2 bundles hold the bagged form only.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/input_limits.h"
#include "core/json.h"
#include "data/schema.h"
#include "data/task.h"
#include "features/feature_pipeline.h"
#include "learners/learner.h"
#include "learners/learner_registry.h"
#include "model/bundle_form.h"

namespace tabpilot {

// Bundles written by this version; loading a newer one is an error.
inline constexpr int kBundleFormatVersion = 3;
// Largest BundleMember::stack_input_folds a bundle may declare.
inline constexpr int kMaxStackInputFolds = 1000;

struct ProblemInfo {
  Task task = Task::kBinary;
  std::string target;
  std::vector<std::string> class_labels;  // index = class id; binary: [negative, positive]
  int positive_class = 1;                 // binary only
  double threshold = 0.5;                 // binary: predict positive when p >= threshold
  std::string metric;                     // objective metric name
  int num_outputs() const { return task == Task::kRegression ? 1 : static_cast<int>(class_labels.size()); }
};

// One ensemble member: a bagged model (one fitted model per fold, averaged)
// and, when it was refit, its one model fitted on all rows.
struct BundleMember {
  std::string name;      // e.g. "XGBoost_2"
  std::string family;    // learner registry name
  Json params;           // complete validated params
  std::string pipeline;  // id of the feature pipeline it consumes
  double weight = 0;     // ensemble weight (members sum to 1); 0 = only a stack input
  int level = 1;         // 1 = base model; 2 = stacked on level-1 predictions
  // Level 2: the members whose predictions are appended to the features (see model/stacking.h).
  std::vector<std::string> stack_inputs;
  // Level 2, when > 0 (the folds per bag): fold model j sees each input's
  // predictions from that input's fold models with index j % stack_input_folds
  // (averaged over the input's bags), not the input's bagged prediction. Its
  // training rows saw out-of-fold predictions, one model per bag; the bagged
  // average of 8 models is smoother and would shift the stack columns. An
  // input whose fold count is not a multiple of it (a refitted model) gives
  // its bagged prediction. 0 = every fold sees bagged predictions.
  int stack_input_folds = 0;
  // The models the predictor averages: a trained bundle's fold models (the
  // bagged form); a loaded bundle's models of the form it serves.
  std::vector<std::unique_ptr<Model>> folds;
  // The full form of a trained bundle: the member refit on every training
  // row, with the params it was fitted with; null when it was not refit (it
  // then serves `folds` in both forms). A loaded bundle leaves it null.
  std::unique_ptr<Model> full;
  Json full_params;
  // Set by a full-form load of a refit member: `folds` holds its one full
  // model and `params` its full_params (so saving it writes full.bin again).
  bool folds_are_full = false;
};

struct Bundle {
  ProblemInfo problem;
  // The forms the bundle holds (saved to the manifest) and, for a loaded
  // bundle, the one its members' `folds` hold.
  BundleForms forms;
  BundleForm form = BundleForm::kBagged;
  Schema input_schema;  // the columns a prediction request must have
  std::map<std::string, FeaturePipeline> pipelines;
  std::vector<BundleMember> members;
  Json training = Json::object();    // metrics and facts about training (OOF scores, time, rows)
  Json leaderboard = Json::array();  // rows as written by the trainer
  std::string leaderboard_csv;
  // A CSV of training rows (the input columns, up to a few hundred) that
  // explanations measure from (explain/); empty when the bundle has none.
  std::string background_csv;
  // Reports the trainer writes (reports/<name>.json: "data", "model_quality",
  // "explainability"); names are letters, digits, '_' and '-'.
  std::map<std::string, Json> reports;
};

struct SaveOptions {
  // Written to the manifest (so a loader can say what produced a bundle).
  std::string producer_version;
  // When set, digest.json also carries the manifest's HMAC-SHA256 under this
  // key (see ReadSigningKey).
  std::string signing_key = {};
};

struct BundleLoadOptions {
  InputLimits limits;
  // When set, the bundle must carry a valid HMAC-SHA256 under this key.
  std::string verify_key;
  // The form to load: the bundle's default, bagged or full. Only that form's
  // files are read (and verified).
  BundleForm form = BundleForm::kDefault;
};

// Writes `bundle` to `dir` atomically (replacing an existing bundle there).
void SaveBundle(const Bundle& bundle, const std::filesystem::path& dir, const SaveOptions& options);

// Loads a bundle in the form options.form asks for. Throws NotFound if `dir`
// has no manifest, InvalidInput naming the file for a corrupt, truncated,
// tampered, unsigned (when a key is required) or newer-format bundle, and
// InvalidInput when the bundle does not hold the form asked for.
Bundle LoadBundle(const std::filesystem::path& dir, const LearnerRegistry& learners,
                  const BundleLoadOptions& options = {});

// Reads only manifest.json, verified against digest.json (and the key, when
// options.verify_key is set) and checked for its format version.
Json ReadManifest(const std::filesystem::path& dir, const BundleLoadOptions& options = {});

// Rewrites digest.json for the bundle's current manifest.json, with an
// HMAC-SHA256 under `signing_key` when it is not empty. Only for a bundle
// that LoadBundle has just verified (SignBundle in the CLI does both).
void WriteBundleDigest(const std::filesystem::path& dir, const std::string& signing_key,
                       const InputLimits& limits = {});

// Reads a signing key file: at least 32 bytes (e.g. `head -c 32 /dev/urandom
// > key`), at most 4 KiB, a regular file. Throws InvalidInput otherwise.
std::string ReadSigningKey(const std::filesystem::path& path);

}  // namespace tabpilot
