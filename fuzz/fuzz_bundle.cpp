// A model bundle's manifest.json -> LoadBundle -> Predict. The fuzz input
// replaces the manifest of a real two-member bundle (xgboost on tree
// features, linear on dense ones) with a matching digest, so the fuzzer gets
// past the digest to the loader's own checks, the member files and Predict.
// TABPILOT_FUZZ_SEED=FILE writes the real manifest there (the corpus seed).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/atomic_file.h"
#include "fuzz_support.h"
#include "model/bundle.h"
#include "predict/predictor.h"

namespace {
namespace fs = std::filesystem;
using namespace tabpilot;

Table SmallTable(size_t rows) {
  Table t;
  Column x;
  x.name = "x";
  x.type = ColumnType::kNumeric;
  Column c;
  c.name = "color";
  c.type = ColumnType::kCategorical;
  c.categories = {"red", "green", "blue"};
  for (size_t i = 0; i < rows; ++i) {
    x.numbers.push_back(i % 7 == 0 ? kMissingNumber : static_cast<double>(i % 11) - 5);
    c.codes.push_back(static_cast<int32_t>(i % 3));
  }
  t.AddColumn(std::move(x));
  t.AddColumn(std::move(c));
  return t;
}

fs::path MakeBundle(const Table& table) {
  std::vector<float> y;
  for (size_t i = 0; i < table.num_rows(); ++i) y.push_back(i % 3 == 0 || table.column(0).numbers[i] > 1 ? 1.0f : 0.0f);
  Bundle b;
  b.problem.task = Task::kBinary;
  b.problem.target = "label";
  b.problem.class_labels = {"no", "yes"};
  b.problem.metric = "f1";
  b.input_schema.columns = {{"x", ColumnType::kNumeric, ""}, {"color", ColumnType::kCategorical, ""}};
  const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  FitOptions fit;
  fit.task = Task::kBinary;
  fit.num_classes = 2;
  for (const auto& [family, encoding] : {std::pair{"xgboost", Encoding::kTree}, std::pair{"linear", Encoding::kDense}}) {
    FeatureOptions fo;
    fo.encoding = encoding;
    FeaturePipeline pipeline = FeaturePipeline::Fit(table, {"x", "color"}, fo);
    const Matrix m = pipeline.Transform(table, 1);
    const auto learner = learners.Create(family, std::string(family) == "xgboost" ? Json{{"n_estimators", 5}} : Json::object());
    BundleMember member;
    member.name = std::string(family) + "_1";
    member.family = family;
    member.params = learner->params().values();
    member.pipeline = EncodingName(encoding);
    member.weight = 0.5;
    member.folds.push_back(learner->Fit(TrainData{&m, &y, nullptr}, nullptr, fit));
    b.pipelines.emplace(EncodingName(encoding), std::move(pipeline));
    b.members.push_back(std::move(member));
  }
  const fs::path dir = fs::temp_directory_path() / ("tabpilot-fuzz-bundle-" + std::to_string(::getpid()));
  SaveBundle(b, dir, SaveOptions{"fuzz"});
  if (const char* seed = std::getenv("TABPILOT_FUZZ_SEED")) WriteFileAtomic(seed, ReadFile(dir / "manifest.json"));
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Table table = SmallTable(60);
  static const fs::path dir = MakeBundle(table);
  static const LearnerRegistry learners = LearnerRegistry::WithBuiltins();
  WriteFileAtomic(dir / "manifest.json", fuzz::Bytes(data, size));
  WriteBundleDigest(dir, "");
  return fuzz::Run([&] {
    const auto predictor = Predictor::FromBundle(LoadBundle(dir, learners), Predictor::Options{});
    predictor->Predict(table);
  });
}
