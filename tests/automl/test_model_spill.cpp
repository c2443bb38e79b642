#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "automl/model_spill.h"
#include "learners/learner_registry.h"

namespace tabpilot {
namespace {

struct Fitted {
  Matrix x{300, 3};
  std::vector<float> y;
  std::shared_ptr<const Learner> learner;
  std::unique_ptr<Model> model;
  FitOptions fit;
};

// A booster fitted on a noisy 3-feature binary problem.
Fitted FitBooster() {
  Fitted f;
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (size_t r = 0; r < f.x.rows; ++r) {
    for (size_t c = 0; c < 3; ++c) f.x.at(r, c) = noise(rng);
    f.y.push_back(f.x.at(r, 0) - f.x.at(r, 1) * f.x.at(r, 2) + noise(rng) > 0 ? 1.0f : 0.0f);
  }
  f.x.at(7, 1) = std::numeric_limits<float>::quiet_NaN();
  f.learner = LearnerRegistry::WithBuiltins().Create("xgboost", Json{{"n_estimators", 40}});
  f.fit.task = Task::kBinary;
  f.fit.num_classes = 2;
  f.model = f.learner->Fit(TrainData{&f.x, &f.y, nullptr}, nullptr, f.fit);
  return f;
}

std::vector<float> PredictAll(const Model& m, const Matrix& x) {
  std::vector<float> out(x.rows * static_cast<size_t>(m.num_outputs()));
  m.Predict(x, out.data(), 2);
  return out;
}

TEST(ModelSpill, TheSpilledModelIsTheModelItsBytesOnDisk) {
  const Fitted f = FitBooster();
  std::unique_ptr<Model> spilled;
  {
    auto spill = std::make_shared<ModelSpill>(std::filesystem::temp_directory_path(), Logger());
    spilled = spill->Spill(f.learner->Load(f.model->Serialize(), f.fit), f.learner, f.fit);
    EXPECT_EQ(spill->size(), f.model->Serialize().size());
    // A second model goes after the first; both read back their own bytes.
    const std::unique_ptr<Model> again = spill->Spill(f.learner->Load(f.model->Serialize(), f.fit), f.learner, f.fit);
    EXPECT_EQ(spill->size(), 2 * f.model->Serialize().size());
    EXPECT_EQ(again->Serialize(), f.model->Serialize());
    EXPECT_EQ(spilled->Serialize(), f.model->Serialize());
  }
  // The model keeps the file alive after the spill's last other owner is gone.
  EXPECT_EQ(spilled->Serialize(), f.model->Serialize());
  EXPECT_EQ(spilled->num_outputs(), 2);
  EXPECT_EQ(spilled->Info(), f.model->Info());
  EXPECT_EQ(PredictAll(*spilled, f.x), PredictAll(*f.model, f.x));
}

TEST(ModelSpill, ConcurrentFirstUsesLoadOnceAndAgree) {
  const Fitted f = FitBooster();
  auto spill = std::make_shared<ModelSpill>("", Logger());  // the system's temporary folder
  const std::unique_ptr<Model> spilled = spill->Spill(f.learner->Load(f.model->Serialize(), f.fit), f.learner, f.fit);
  EXPECT_GT(spill->size(), 0u);
  const std::vector<float> expected = PredictAll(*f.model, f.x);
  std::vector<std::vector<float>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] { got[t] = PredictAll(*spilled, f.x); });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(ModelSpill, AFolderThatCannotHoldTheFileFallsBackToTheTemporaryFolder) {
  const Fitted f = FitBooster();
  auto spill = std::make_shared<ModelSpill>("/nonexistent/tabpilot/folder", Logger());
  const std::unique_ptr<Model> spilled = spill->Spill(f.learner->Load(f.model->Serialize(), f.fit), f.learner, f.fit);
  EXPECT_GT(spill->size(), 0u);
  EXPECT_EQ(PredictAll(*spilled, f.x), PredictAll(*f.model, f.x));
}

// No folder can hold the file: one warning, and the models stay in memory
// (the same object comes back).
TEST(ModelSpill, WithoutAFileModelsStayInMemory) {
  const Fitted f = FitBooster();
  const char* saved = std::getenv("TMPDIR");
  const std::string saved_value = saved ? saved : "";
  ::setenv("TMPDIR", "/nonexistent/tabpilot/tmp", 1);
  testing::internal::CaptureStderr();
  auto spill = std::make_shared<ModelSpill>("/nonexistent/tabpilot/folder", Logger());
  const std::string warnings = testing::internal::GetCapturedStderr();
  if (saved) {
    ::setenv("TMPDIR", saved_value.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_EQ(std::count(warnings.begin(), warnings.end(), '\n'), 1) << warnings;
  EXPECT_NE(warnings.find("they stay in memory"), std::string::npos) << warnings;
  std::unique_ptr<Model> model = f.learner->Load(f.model->Serialize(), f.fit);
  const Model* original = model.get();
  const std::unique_ptr<Model> kept = spill->Spill(std::move(model), f.learner, f.fit);
  EXPECT_EQ(kept.get(), original);
  EXPECT_EQ(spill->size(), 0u);
}

}  // namespace
}  // namespace tabpilot
