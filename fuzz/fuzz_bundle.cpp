// A model bundle's manifest.json -> LoadBundle -> Predict, in both forms. The
// fuzz input replaces the manifest of a real two-member bundle holding both
// forms (the bundle tests' MakeTwoFormBundle: xgboost on tree features with
// two fold models and a full model, linear on dense ones) with a matching
// digest, so the fuzzer gets past the digest to the loader's own checks, the
// member files, the compiled trees and Predict.
// TABPILOT_FUZZ_SEED=FILE writes the real manifest there (the corpus seed).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "bundle_test_data.h"
#include "core/atomic_file.h"
#include "fuzz_support.h"
#include "model/bundle.h"
#include "predict/predictor.h"

namespace {
namespace fs = std::filesystem;
using namespace tabpilot;

fs::path SaveSeedBundle(const Table& table) {
  const fs::path dir = fs::temp_directory_path() / ("tabpilot-fuzz-bundle-" + std::to_string(::getpid()));
  SaveBundle(testing::MakeTwoFormBundle(table), dir, SaveOptions{"fuzz"});
  if (const char* seed = std::getenv("TABPILOT_FUZZ_SEED")) WriteFileAtomic(seed, ReadFile(dir / "manifest.json"));
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Table table = testing::MakeTable(60);
  static const fs::path dir = SaveSeedBundle(table);
  static const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  WriteFileAtomic(dir / "manifest.json", fuzz::Bytes(data, size));
  WriteBundleDigest(dir, "");
  // Each form on its own: a manifest one form rejects may still load the other.
  for (const BundleForm form : {BundleForm::kDefault, BundleForm::kBagged}) {
    fuzz::Run([&] {
      BundleLoadOptions load;
      load.form = form;
      const auto predictor = Predictor::FromBundle(LoadBundle(dir, learners, load), Predictor::Options{});
      predictor->Predict(table);
    });
  }
  return 0;
}
