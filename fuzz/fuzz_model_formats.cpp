// Every family's model bytes -> Learner::Load -> Predict, and for the tree
// families the same bytes -> the compiled forest (compiled/model_compiler.h)
// -> Predict. The first byte picks the family and the task, the second the
// feature count of the rows predicted; the rest are the model's bytes. (The
// seeds in fuzz/corpus/model_formats start with family index + task x the
// number of families, families sorted by name: a new family renumbers them.)
// Oracle: a model both accept must give the same class probabilities (to
// 1e-4) from both; a difference is an Internal error, i.e. a finding.
#include <cmath>
#include <string>
#include <vector>

#include "compiled/model_compiler.h"
#include "core/error.h"
#include "fuzz_support.h"
#include "learners/learner_registry.h"

namespace {

// Throws Internal when the compiled forest's probabilities differ from the model's.
void CheckCompiled(tabpilot::ModelCompiler compile, std::string_view bytes, const tabpilot::Matrix& x,
                   const std::vector<float>& want, int outputs, bool classification) {
  const tabpilot::CompiledForest forest = compile(bytes);
  if (forest.num_outputs() != outputs) throw tabpilot::Internal("compiled forest writes another number of outputs");
  if (forest.num_features() != x.cols || !classification) return;
  for (float v : want) {
    if (!(v >= 0.0f && v <= 1.0f)) return;  // not probabilities: no exact comparison
  }
  std::vector<float> got(want.size());
  forest.Predict(x, got.data(), 1);
  for (size_t i = 0; i < want.size(); ++i) {
    if (!(std::fabs(got[i] - want[i]) <= 1e-4f)) {
      throw tabpilot::Internal("compiled forest disagrees with the model at value " + std::to_string(i));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const tabpilot::LearnerRegistry registry = tabpilot::LearnerRegistry::WithBuiltins();
  static const std::vector<std::string> families = registry.Families();
  const size_t family = data[0] % families.size();
  const int task = (data[0] / families.size()) % 3;
  tabpilot::FitOptions options;
  options.task = task == 0   ? tabpilot::Task::kBinary
                 : task == 1 ? tabpilot::Task::kMulticlass
                             : tabpilot::Task::kRegression;
  options.num_classes = task == 0 ? 2 : task == 1 ? 3 : 1;
  const size_t cols = data[1] % 64 + 1;
  return tabpilot::fuzz::Run([&] {
    const auto learner = registry.Create(families[family], tabpilot::Json::object());
    const std::string_view bytes = tabpilot::fuzz::Bytes(data + 2, size - 2);
    const auto model = learner->Load(bytes, options);
    tabpilot::Matrix x(3, cols, 0.5f);
    x.at(1, 0) = tabpilot::kMissingFeature;
    if (cols > 1) x.at(2, 1) = -2.0f;
    std::vector<float> out(x.rows * static_cast<size_t>(model->num_outputs()));
    model->Predict(x, out.data(), 1);
    if (const tabpilot::ModelCompiler compile = tabpilot::FindModelCompiler(families[family])) {
      CheckCompiled(compile, bytes, x, out, model->num_outputs(), task != 2);
    }
  });
}
