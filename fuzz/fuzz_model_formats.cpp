// Every family's model bytes -> Learner::Load -> Predict. The first byte
// picks the family and the task, the second the feature count of the rows
// predicted; the rest are the model's bytes.
#include <vector>

#include "fuzz_support.h"
#include "learners/learner_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const tabpilot::LearnerRegistry registry = tabpilot::LearnerRegistry::WithBuiltins();
  static const std::vector<std::string> families = registry.Families();
  const size_t family = data[0] % families.size();
  const int task = (data[0] / families.size()) % 3;
  tabpilot::FitOptions options;
  options.task = task == 0 ? tabpilot::Task::kBinary : task == 1 ? tabpilot::Task::kMulticlass : tabpilot::Task::kRegression;
  options.num_classes = task == 0 ? 2 : task == 1 ? 3 : 1;
  const size_t cols = data[1] % 64 + 1;
  return tabpilot::fuzz::Run([&] {
    const auto learner = registry.Create(families[family], tabpilot::Json::object());
    const auto model = learner->Load(tabpilot::fuzz::Bytes(data + 2, size - 2), options);
    tabpilot::Matrix x(3, cols, 0.5f);
    x.at(1, 0) = tabpilot::kMissingFeature;
    std::vector<float> out(x.rows * static_cast<size_t>(model->num_outputs()));
    model->Predict(x, out.data(), 1);
  });
}
