// The learner contract, checked for every registered family and every task it
// supports (the built-ins plus the toy family of toy_learner.h, which gets
// these checks by registering, as any new family does):
//   - save -> load gives bit-identical predictions;
//   - the same seed gives the same model with 1 and 2 threads;
//   - a deadline that has already passed still yields a usable model;
//   - corrupt and truncated bytes throw InvalidInput (never crash);
//   - one row, a constant column, an all-missing column (tree flavor) and
//     extreme values (+-1e30) train and predict finite values;
//   - the parameter table documents every parameter (default, range, doc).
// Fits mirror bagging: early-stopping rows are passed when the learner early
// stops. Data is small and generated, so this runs in seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "learners/learner_registry.h"
#include "toy_learner.h"

namespace tabpilot {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

const LearnerRegistry& Registry() {
  static const LearnerRegistry registry = [] {
    LearnerRegistry r = LearnerRegistry::WithBuiltins();
    testing::RegisterToyLearner(r);  // the one line a new family adds
    return r;
  }();
  return registry;
}

struct Case {
  std::string family;
  Task task;
};

std::vector<Case> Cases() {
  std::vector<Case> out;
  for (const std::string& family : Registry().Families()) {
    for (Task task : Registry().Get(family).tasks) out.push_back({family, task});
  }
  return out;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.family << " " << TaskName(c.task); }

int Classes(Task task) { return task == Task::kMulticlass ? 3 : (task == Task::kBinary ? 2 : 1); }

// Deterministic values in [0, 1) from (seed, i).
double U(uint64_t seed, uint64_t i) {
  return static_cast<double>(Mix64(seed * 0x9e3779b97f4a7c15ULL + i) >> 11) * 0x1.0p-53;
}

// Rows with a signal in column 0, noise in 1, a small integer code in 2 and
// 3 (NaN now and then in the tree flavor). Labels follow column 0 (plus
// noise); every class appears.
struct Data {
  Matrix x;
  std::vector<float> y;
  TrainData train() const { return {&x, &y, nullptr}; }
};

Data Make(size_t rows, Task task, FeatureFlavor flavor, uint64_t seed) {
  Data d{Matrix(rows, 4), std::vector<float>(rows)};
  for (size_t r = 0; r < rows; ++r) {
    const double x0 = 4 * U(seed, 4 * r) - 2;
    d.x.at(r, 0) = static_cast<float>(x0);
    d.x.at(r, 1) = static_cast<float>(U(seed, 4 * r + 1) - 0.5);
    d.x.at(r, 2) = static_cast<float>(static_cast<int>(U(seed, 4 * r + 2) * 4));
    d.x.at(r, 3) = flavor == FeatureFlavor::kTree && r % 7 == 3 ? kNaN : static_cast<float>(U(seed, 4 * r + 3));
    const double noisy = x0 + 0.5 * (U(seed + 1, r) - 0.5);
    if (task == Task::kRegression) {
      d.y[r] = static_cast<float>(3 * x0 + d.x.at(r, 2));
    } else if (task == Task::kBinary) {
      d.y[r] = noisy > 0 ? 1.0f : 0.0f;
    } else {
      d.y[r] = noisy < -0.7 ? 0.0f : (noisy < 0.7 ? 1.0f : 2.0f);
    }
  }
  return d;
}

class LearnerContract : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    learner_ = Registry().Create(GetParam().family, Json::object());
    train_ = Make(120, task(), learner_->flavor(), 1);
    held_ = Make(40, task(), learner_->flavor(), 2);
  }

  Task task() const { return GetParam().task; }

  FitOptions Options(int threads = 1) const {
    FitOptions o;
    o.task = task();
    o.num_classes = Classes(task());
    o.threads = threads;
    o.seed = 7;
    return o;
  }

  // Fits as bagging does: with early-stopping rows when the learner early stops.
  std::unique_ptr<Model> Fit(const Data& d, const FitOptions& options) const {
    const TrainData held = held_.train();
    return learner_->Fit(d.train(), learner_->early_stops() ? &held : nullptr, options);
  }

  std::vector<float> Predict(const Model& model, const Matrix& x, int threads = 1) const {
    std::vector<float> out(x.rows * static_cast<size_t>(model.num_outputs()), -7.0f);
    model.Predict(x, out.data(), threads);
    return out;
  }

  // Finite, one value per output, probabilities in [0, 1] summing to 1.
  void ExpectUsable(const Model& model, const Matrix& x, const std::string& what) const {
    const int outputs = Classes(task());
    ASSERT_EQ(model.num_outputs(), outputs) << what;
    const std::vector<float> p = Predict(model, x);
    for (size_t r = 0; r < x.rows; ++r) {
      double sum = 0;
      for (int k = 0; k < outputs; ++k) {
        const float v = p[r * static_cast<size_t>(outputs) + static_cast<size_t>(k)];
        ASSERT_TRUE(std::isfinite(v)) << what << ": row " << r << " output " << k;
        if (IsClassification(task())) {
          EXPECT_GE(v, 0.0f) << what;
          EXPECT_LE(v, 1.0f) << what;
        }
        sum += v;
      }
      if (IsClassification(task())) {
        EXPECT_NEAR(sum, 1.0, 1e-4) << what << ": row " << r;
      }
    }
  }

  void ExpectRejected(std::string_view bytes, const std::string& what) const {
    try {
      learner_->Load(bytes, Options());
      ADD_FAILURE() << what << ": loaded " << bytes.size() << " damaged bytes";
    } catch (const InvalidInput&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": " << e.what() << " is not InvalidInput";
    }
  }

  std::unique_ptr<Learner> learner_;
  Data train_;
  Data held_;
};

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_P(LearnerContract, SaveLoadGivesBitIdenticalPredictions) {
  const auto model = Fit(train_, Options());
  const std::string bytes = model->Serialize();
  const auto loaded = learner_->Load(bytes, Options());
  EXPECT_TRUE(SameBits(Predict(*model, held_.x), Predict(*loaded, held_.x)));
  // And loading is stable: the loaded model saves to bytes that load alike.
  const auto again = learner_->Load(loaded->Serialize(), Options());
  EXPECT_TRUE(SameBits(Predict(*model, held_.x), Predict(*again, held_.x)));
}

TEST_P(LearnerContract, SameSeedGivesTheSameModelWithOneAndTwoThreads) {
  const auto one = Fit(train_, Options(1));
  const auto two = Fit(train_, Options(2));
  const std::vector<float> p1 = Predict(*one, held_.x, 1);
  EXPECT_TRUE(SameBits(p1, Predict(*two, held_.x, 1))) << "fit with 1 and 2 threads";
  EXPECT_TRUE(SameBits(p1, Predict(*one, held_.x, 2))) << "predicted with 1 and 2 threads";
  EXPECT_TRUE(SameBits(p1, Predict(*Fit(train_, Options(1)), held_.x, 1))) << "refitted";
}

TEST_P(LearnerContract, PassedDeadlineStillGivesAUsableModel) {
  FitOptions o = Options();
  o.deadline = Deadline::Never().Sub(0);
  ASSERT_TRUE(o.deadline.Expired());
  const auto model = Fit(train_, o);
  ExpectUsable(*model, held_.x, "passed deadline");
  const auto loaded = learner_->Load(model->Serialize(), Options());
  ExpectUsable(*loaded, held_.x, "passed deadline, reloaded");
}

TEST_P(LearnerContract, CorruptAndTruncatedBytesAreInvalidInput) {
  const std::string bytes = Fit(train_, Options())->Serialize();
  ASSERT_GT(bytes.size(), 16u);
  ExpectRejected(std::string_view(), "empty");
  // Every short prefix, then prefixes spread over the rest.
  const size_t step = std::max<size_t>(1, bytes.size() / 97);
  for (size_t len = 1; len < bytes.size(); len += len < 64 ? 1 : step) {
    ExpectRejected(std::string_view(bytes).substr(0, len), "truncated to " + std::to_string(len));
  }
  ExpectRejected(bytes + "x", "one trailing byte");
  // A damaged byte anywhere: the header and positions spread over the rest.
  for (size_t pos = 0; pos < bytes.size(); pos += pos < 64 ? 1 : step) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    ExpectRejected(bad, "byte " + std::to_string(pos) + " damaged");
  }
  ExpectRejected(std::string(bytes.size(), '\x33'), "garbage");
}

TEST_P(LearnerContract, OneRowTrainsAndPredicts) {
  Data one = Make(1, task(), learner_->flavor(), 3);
  one.y[0] = 0.0f;  // class 0 (or the value 0): a one-row table has one label
  ExpectUsable(*Fit(one, Options()), held_.x, "one row");
}

TEST_P(LearnerContract, ConstantColumnTrainsAndPredicts) {
  Data d = train_;
  for (size_t r = 0; r < d.x.rows; ++r) d.x.at(r, 1) = 2.5f;
  ExpectUsable(*Fit(d, Options()), held_.x, "constant column");
}

TEST_P(LearnerContract, AllMissingColumnTrainsAndPredictsInTreeFlavor) {
  Data d = train_;
  Matrix x = held_.x;
  if (learner_->flavor() == FeatureFlavor::kTree) {
    // The dense flavor never has missing values (the features impute them).
    for (size_t r = 0; r < d.x.rows; ++r) d.x.at(r, 1) = kNaN;
    for (size_t r = 0; r < x.rows; ++r) x.at(r, 1) = kNaN;
  }
  const auto model = Fit(d, Options());
  ExpectUsable(*model, x, "all-missing column");
  ExpectUsable(*model, held_.x, "all-missing column, present at prediction");
}

TEST_P(LearnerContract, ExtremeValuesTrainAndPredictFinite) {
  Data d = train_;
  Matrix x = held_.x;
  for (size_t r = 0; r < d.x.rows; ++r) {
    if (r % 5 == 0) d.x.at(r, 1) = r % 10 == 0 ? 1e30f : -1e30f;
  }
  for (size_t r = 0; r < x.rows; ++r) {
    if (r % 3 == 0) x.at(r, 0) = r % 2 == 0 ? 1e30f : -1e30f;
  }
  const auto model = Fit(d, Options());
  ExpectUsable(*model, x, "extreme values");
  ExpectUsable(*model, held_.x, "extreme values in training only");
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.family + "_" + TaskName(info.param.task);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Families, LearnerContract, ::testing::ValuesIn(Cases()), CaseName);

// Every parameter is declared with a default inside its range (or among its
// choices) and a one-line description: the table drives validation,
// `tabpilot learners` and the search space.
TEST(LearnerParamTables, EveryParameterHasADefaultARangeAndADoc) {
  for (const std::string& family : Registry().Families()) {
    const LearnerRegistry::Entry& entry = Registry().Get(family);
    EXPECT_FALSE(entry.description.empty()) << family;
    EXPECT_FALSE(entry.tasks.empty()) << family;
    ASSERT_FALSE(entry.params.empty()) << family;
    for (const ParamSpec& spec : entry.params) {
      const std::string where = family + "." + spec.name;
      EXPECT_FALSE(spec.description.empty()) << where;
      EXPECT_EQ(spec.description.find('\n'), std::string::npos) << where;
      EXPECT_LE(spec.description.size(), 200u) << where << ": one line";
      ASSERT_FALSE(spec.default_value.is_null()) << where;
      switch (spec.kind) {
        case ParamSpec::Kind::kInt:
        case ParamSpec::Kind::kFloat:
          EXPECT_LT(spec.min, spec.max) << where;
          EXPECT_GE(spec.default_value.get<double>(), spec.min) << where;
          EXPECT_LE(spec.default_value.get<double>(), spec.max) << where;
          break;
        case ParamSpec::Kind::kBool:
          EXPECT_TRUE(spec.default_value.is_boolean()) << where;
          break;
        case ParamSpec::Kind::kString:
          ASSERT_TRUE(spec.default_value.is_string()) << where;
          if (!spec.choices.empty()) {
            EXPECT_NE(std::find(spec.choices.begin(), spec.choices.end(), spec.default_value.get<std::string>()),
                      spec.choices.end())
                << where;
          }
          break;
        default:  // text, paths, lists and maps are for pipeline steps
          ADD_FAILURE() << where << ": a learner parameter of kind " << ParamKindName(spec.kind);
          break;
      }
    }
    // The defaults make a learner, and the learner reports them back.
    const auto learner = Registry().Create(family, Json::object());
    EXPECT_EQ(learner->family(), family);
    for (const ParamSpec& spec : entry.params) {
      EXPECT_EQ(learner->params().values().at(spec.name), spec.default_value) << family << "." << spec.name;
    }
  }
}

TEST(LearnerRegistry, TheToyFamilyIsRegisteredByOneLine) {
  LearnerRegistry r = LearnerRegistry::WithBuiltins();
  EXPECT_FALSE(r.Has(testing::kToyFamily));
  testing::RegisterToyLearner(r);
  EXPECT_TRUE(r.Has(testing::kToyFamily));
  EXPECT_EQ(r.Families().size(), LearnerRegistry::WithBuiltins().Families().size() + 1);
}

}  // namespace
}  // namespace tabpilot
