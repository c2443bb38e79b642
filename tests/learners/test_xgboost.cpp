#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "learners/learner_registry.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "support/matrix_blocks.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A labelled synthetic data set; `label(row)` turns features into a target.
struct Data {
  Matrix x;
  std::vector<float> y;
  TrainData train() const { return TrainData{&x, &y, nullptr}; }
};

template <typename LabelFn>
Data MakeData(size_t rows, size_t cols, uint32_t seed, double missing_rate, LabelFn label) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Data d;
  d.x = Matrix(rows, cols);
  d.y.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) d.x.at(r, c) = normal(rng);
    d.y[r] = label(d.x.row(r), normal(rng));
    // Knock values out after labelling, so missingness hides signal like real data.
    for (size_t c = 0; c < cols; ++c) {
      if (unit(rng) < missing_rate) d.x.at(r, c) = kNaN;
    }
  }
  return d;
}

Data Binary(size_t rows, uint32_t seed) {
  return MakeData(rows, 6, seed, 0.05,
                  [](const float* x, float noise) { return x[0] + x[1] + 0.3f * noise > 0 ? 1.0f : 0.0f; });
}

std::unique_ptr<Learner> Make(const Json& params) { return CreateXgboostLearner(params); }

FitOptions Options(Task task, int num_classes, int threads = 1) {
  FitOptions o;
  o.task = task;
  o.num_classes = num_classes;
  o.threads = threads;
  o.seed = 42;
  return o;
}

std::vector<float> PredictAll(const Model& m, const Matrix& x, int threads = 1) {
  std::vector<float> out(x.rows * static_cast<size_t>(m.num_outputs()));
  m.Predict(x, out.data(), threads);
  return out;
}

bool BitIdentical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Xgboost, BinaryLearnsAndPredictsProbabilityPairs) {
  const Data train = Binary(3000, 1), test = Binary(1000, 2);
  auto model = Make({{"n_estimators", 100}})->Fit(train.train(), nullptr, Options(Task::kBinary, 2));
  ASSERT_EQ(model->num_outputs(), 2);
  const std::vector<float> p = PredictAll(*model, test.x);
  std::vector<float> positive(test.x.rows);
  size_t correct = 0;
  for (size_t r = 0; r < test.x.rows; ++r) {
    EXPECT_NEAR(p[2 * r] + p[2 * r + 1], 1.0f, 1e-6f);
    positive[r] = p[2 * r + 1];
    correct += (positive[r] > 0.5f) == (test.y[r] > 0.5f);
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(test.x.rows);
  EXPECT_GT(accuracy, 0.88);
  EXPECT_GT(testing::RankAuc(positive, test.y), 0.95);
  EXPECT_EQ(model->Info()["rounds"], 100);
}

TEST(Xgboost, MulticlassThreeClasses) {
  auto label = [](const float* x, float noise) {
    const float s[3] = {x[0], x[1], -x[0] - x[1] + 0.2f * noise};
    return static_cast<float>(std::max_element(s, s + 3) - s);
  };
  const Data train = MakeData(3000, 4, 3, 0.02, label), test = MakeData(1000, 4, 4, 0.02, label);
  auto model = Make({{"n_estimators", 60}})->Fit(train.train(), nullptr, Options(Task::kMulticlass, 3));
  ASSERT_EQ(model->num_outputs(), 3);
  const std::vector<float> p = PredictAll(*model, test.x);
  size_t correct = 0;
  for (size_t r = 0; r < test.x.rows; ++r) {
    const float* row = p.data() + 3 * r;
    EXPECT_NEAR(row[0] + row[1] + row[2], 1.0f, 1e-5f);
    correct += static_cast<float>(std::max_element(row, row + 3) - row) == test.y[r];
  }
  EXPECT_GT(static_cast<double>(correct) / static_cast<double>(test.x.rows), 0.85);
}

TEST(Xgboost, RegressionR2) {
  auto label = [](const float* x, float noise) { return 10.0f + 2.0f * x[0] + 3.0f * std::sin(x[1]) + 0.1f * noise; };
  const Data train = MakeData(3000, 5, 5, 0.0, label), test = MakeData(1000, 5, 6, 0.0, label);
  auto model = Make({{"n_estimators", 200}})->Fit(train.train(), nullptr, Options(Task::kRegression, 1));
  ASSERT_EQ(model->num_outputs(), 1);
  const std::vector<float> p = PredictAll(*model, test.x);
  double mean = 0;
  for (float v : test.y) mean += v;
  mean /= static_cast<double>(test.y.size());
  double ss_res = 0, ss_tot = 0;
  for (size_t r = 0; r < test.y.size(); ++r) {
    ss_res += (p[r] - test.y[r]) * (p[r] - test.y[r]);
    ss_tot += (test.y[r] - mean) * (test.y[r] - mean);
  }
  EXPECT_GT(1.0 - ss_res / ss_tot, 0.95);
}

TEST(Xgboost, EarlyStoppingKeepsTheBestRound) {
  const Data train = Binary(2000, 7), valid = Binary(500, 8);
  auto learner = Make({{"n_estimators", 2000}, {"learning_rate", 0.3}, {"early_stopping_rounds", 10}});
  ASSERT_TRUE(learner->early_stops());
  const TrainData v = valid.train();
  auto model = learner->Fit(train.train(), &v, Options(Task::kBinary, 2));
  const Json info = model->Info();
  const int best = info["best_iteration"].get<int>();
  EXPECT_LT(info["rounds_trained"].get<int>(), 2000);
  EXPECT_EQ(info["rounds_trained"].get<int>(), best + 1 + 10);
  EXPECT_EQ(info["rounds"].get<int>(), best + 1);

  // The kept model is exactly the first best+1 rounds: refitting without
  // validation for that many rounds gives the same predictions.
  auto refit = Make({{"n_estimators", best + 1}, {"learning_rate", 0.3}})
                   ->Fit(train.train(), nullptr, Options(Task::kBinary, 2));
  EXPECT_TRUE(BitIdentical(PredictAll(*model, valid.x), PredictAll(*refit, valid.x)));
}

TEST(Xgboost, SameSeedAndThreadsGiveIdenticalModels) {
  const Data train = Binary(1000, 9), test = Binary(300, 10);
  const Json params = {{"n_estimators", 15}, {"subsample", 0.7}, {"colsample_bytree", 0.6}};
  auto a = Make(params)->Fit(train.train(), nullptr, Options(Task::kBinary, 2, 2));
  auto b = Make(params)->Fit(train.train(), nullptr, Options(Task::kBinary, 2, 2));
  EXPECT_TRUE(BitIdentical(PredictAll(*a, test.x), PredictAll(*b, test.x)));
  FitOptions other_seed = Options(Task::kBinary, 2, 2);
  other_seed.seed = 43;
  auto c = Make(params)->Fit(train.train(), nullptr, other_seed);
  EXPECT_FALSE(BitIdentical(PredictAll(*a, test.x), PredictAll(*c, test.x)));
}

TEST(Xgboost, SaveLoadRoundTripIsBitIdentical) {
  auto label = [](const float* x, float noise) { return x[0] > 0.5f ? 2.0f : (x[1] + 0.2f * noise > 0 ? 1.0f : 0.0f); };
  const Data train = MakeData(1500, 4, 11, 0.05, label), test = MakeData(400, 4, 12, 0.05, label);
  const TrainData v = test.train();
  auto learner = Make({{"n_estimators", 300}, {"early_stopping_rounds", 5}, {"learning_rate", 0.3}});
  auto model = learner->Fit(train.train(), &v, Options(Task::kMulticlass, 3));
  const std::string bytes = model->Serialize();
  auto loaded = learner->Load(bytes, Options(Task::kMulticlass, 3));
  EXPECT_EQ(loaded->num_outputs(), 3);
  EXPECT_EQ(loaded->Info(), model->Info());
  EXPECT_TRUE(BitIdentical(PredictAll(*model, test.x), PredictAll(*loaded, test.x)));
  EXPECT_EQ(loaded->Serialize(), bytes);
}

TEST(Xgboost, CorruptBytesAreInvalidInput) {
  const Data train = Binary(500, 13);
  auto learner = Make({{"n_estimators", 5}});
  const std::string bytes = learner->Fit(train.train(), nullptr, Options(Task::kBinary, 2))->Serialize();
  const FitOptions o = Options(Task::kBinary, 2);
  std::vector<std::string> bad = {"", "TPXGB", "not a model at all, just text", bytes.substr(0, bytes.size() / 2),
                                  bytes.substr(0, 20)};
  for (size_t pos : {size_t{7}, size_t{15}, size_t{40}, bytes.size() - 1, bytes.size() / 2}) {
    std::string flipped = bytes;
    flipped[pos] = static_cast<char>(flipped[pos] ^ 0x5a);
    bad.push_back(flipped);
  }
  // Bytes that pass the checksum but are not an XGBoost model must come back
  // as InvalidInput (the UBJSON walk stops them before XGBoost's reader; the
  // forged models are in test_xgboost_model_check.cpp). Layout: magic(8),
  // u32 header length, header, u64 checksum, model.
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  const std::string header = bytes.substr(12, header_len);
  const std::string not_ubjson = "{not ubjson";
  std::string forged = bytes.substr(0, 12 + header_len);
  const uint64_t sum = Fnv1a64(not_ubjson, Fnv1a64(header));
  for (int i = 0; i < 8; ++i) forged.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  bad.push_back(forged + not_ubjson);
  for (const std::string& b : bad) {
    try {
      learner->Load(b, o);
      ADD_FAILURE() << "loaded corrupt bytes of size " << b.size();
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("corrupt xgboost model"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(learner->Load(bytes, o));
}

TEST(Xgboost, BadParametersAreRejected) {
  const LearnerRegistry registry = LearnerRegistry::WithBuiltins();
  EXPECT_EQ(registry.Create("xgboost", Json::object())->family(), "xgboost");
  try {
    registry.Create("xgboost", {{"max_dept", 3}});
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("unknown parameter 'max_dept'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Make({{"learning_rate", 0.0}}), InvalidInput);
  EXPECT_THROW(Make({{"grow_policy", "breadth"}}), InvalidInput);
  EXPECT_THROW(Make({{"max_depth", 0}}), InvalidInput);  // unlimited depth needs lossguide + max_leaves
  EXPECT_NO_THROW(Make({{"max_depth", 0}, {"grow_policy", "lossguide"}, {"max_leaves", 31}}));
}

TEST(Xgboost, BadDataIsInvalidInput) {
  Data d = Binary(200, 14);
  auto learner = Make({{"n_estimators", 3}});
  d.y[17] = 2.0f;  // not a binary class index
  EXPECT_THROW(learner->Fit(d.train(), nullptr, Options(Task::kBinary, 2)), InvalidInput);
  d.y[17] = 1.0f;
  d.x.at(3, 2) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(learner->Fit(d.train(), nullptr, Options(Task::kBinary, 2)), InvalidInput);
  d.x.at(3, 2) = 0.0f;
  auto model = learner->Fit(d.train(), nullptr, Options(Task::kBinary, 2));
  Matrix narrow(2, 5);
  std::vector<float> out(4);
  EXPECT_THROW(model->Predict(narrow, out.data(), 1), InvalidInput);
}

TEST(Xgboost, ExpiredDeadlineStillYieldsOneRound) {
  const Data train = Binary(1000, 15), test = Binary(200, 16);
  FitOptions o = Options(Task::kBinary, 2);
  o.deadline = Deadline::In(1e-6);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(o.deadline.Expired());
  auto model = Make({{"n_estimators", 500}})->Fit(train.train(), nullptr, o);
  EXPECT_EQ(model->Info()["rounds"], 1);
  const std::vector<float> p = PredictAll(*model, test.x);
  EXPECT_EQ(p.size(), 400u);
  EXPECT_NE(p[1], p[3]);  // one tree already separates rows
}

TEST(Xgboost, NativeCategoricalSplits) {
  // The label is category membership in {1, 3, 4, 6}: no single threshold on
  // the codes separates it, one categorical partition split does.
  auto label = [](const float* x, float) {
    const int code = static_cast<int>(x[0]);
    return (code == 1 || code == 3 || code == 4 || code == 6) ? 1.0f : 0.0f;
  };
  Data d = MakeData(2000, 2, 17, 0.0, [](const float*, float) { return 0.0f; });
  std::mt19937 rng(18);
  for (size_t r = 0; r < d.x.rows; ++r) {
    d.x.at(r, 0) = static_cast<float>(rng() % 8);
    d.y[r] = label(d.x.row(r), 0);
  }
  const std::vector<size_t> categorical = {0};
  FitOptions o = Options(Task::kBinary, 2);
  o.categorical_features = &categorical;
  const Json stump = {{"n_estimators", 1}, {"max_depth", 1}, {"learning_rate", 1.0}, {"max_cat_to_onehot", 1}};
  auto accuracy = [&](const Model& m) {
    const std::vector<float> p = PredictAll(m, d.x);
    size_t correct = 0;
    for (size_t r = 0; r < d.x.rows; ++r) correct += (p[2 * r + 1] > 0.5f) == (d.y[r] > 0.5f);
    return static_cast<double>(correct) / static_cast<double>(d.x.rows);
  };
  Json native = stump;
  native["enable_categorical"] = true;
  auto learner = Make(native);
  auto cat_model = learner->Fit(d.train(), nullptr, o);
  EXPECT_EQ(accuracy(*cat_model), 1.0);
  EXPECT_LT(accuracy(*Make(stump)->Fit(d.train(), nullptr, o)), 0.8);
  // Survives a round trip.
  auto loaded = learner->Load(cat_model->Serialize(), o);
  EXPECT_EQ(accuracy(*loaded), 1.0);

  d.x.at(5, 0) = 2.5f;  // not a category code
  EXPECT_THROW(learner->Fit(d.train(), nullptr, o), InvalidInput);
}

TEST(Xgboost, ConcurrentAndMultiThreadedPredictMatchSingleThreaded) {
  const Data train = Binary(2000, 19), test = Binary(5000, 20);
  auto model = Make({{"n_estimators", 50}})->Fit(train.train(), nullptr, Options(Task::kBinary, 2));
  const std::vector<float> expected = PredictAll(*model, test.x, 1);
  EXPECT_TRUE(BitIdentical(PredictAll(*model, test.x, 2), expected));
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) results[t] = PredictAll(*model, test.x, 1 + static_cast<int>(t % 2));
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(BitIdentical(r, expected));
}

TEST(Xgboost, FeatureNamesAreAcceptedEvenWithOddCharacters) {
  const Data train = Binary(300, 21);
  const std::vector<std::string> names = {"age", "income[usd]", "a<b", "x,y", "", "f5"};
  FitOptions o = Options(Task::kBinary, 2);
  o.feature_names = &names;
  auto learner = Make({{"n_estimators", 3}});
  auto model = learner->Fit(train.train(), nullptr, o);
  EXPECT_TRUE(BitIdentical(PredictAll(*learner->Load(model->Serialize(), o), train.x), PredictAll(*model, train.x)));
  const std::vector<std::string> wrong_count = {"a", "b"};
  o.feature_names = &wrong_count;
  EXPECT_THROW(learner->Fit(train.train(), nullptr, o), InvalidInput);
}

// Training rows go to XGBoost quantized (about a byte a cell instead of
// eight): the booster grown on them is the one grown on the dense rows, to
// the byte, with missing values and a categorical column; also when the
// rows are a shuffled list of a larger buffer's (a bagging fold's view),
// gathered in more than one block.
TEST(XgboostApi, QuantizedTrainingRowsGrowTheSameBooster) {
  constexpr size_t kAll = 80000;
  constexpr size_t kCols = 4;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> all(kAll * kCols);
  std::vector<float> all_y(kAll);
  for (size_t r = 0; r < kAll; ++r) {
    float* row = all.data() + r * kCols;
    row[0] = normal(rng);
    row[1] = rng() % 10 == 0 ? std::numeric_limits<float>::quiet_NaN() : normal(rng);
    row[2] = static_cast<float>(rng() % 6);  // a category code
    row[3] = normal(rng);
    const float z = row[0] - (std::isnan(row[1]) ? 0.5f : row[1]) + (row[2] == 3.0f ? 1.5f : 0.0f) + 0.3f * normal(rng);
    all_y[r] = z > 0 ? 1.0f : 0.0f;
  }
  // The fold: every row but each seventh, shuffled (two blocks of gathered rows).
  std::vector<size_t> list;
  for (size_t r = 0; r < kAll; ++r) {
    if (r % 7 != 0) list.push_back(r);
  }
  std::shuffle(list.begin(), list.end(), rng);
  ASSERT_GT(list.size(), size_t{65536});
  const size_t rows = list.size();
  std::vector<float> x(rows * kCols);
  std::vector<float> y(rows);
  for (size_t i = 0; i < rows; ++i) {
    std::copy_n(all.data() + list[i] * kCols, kCols, x.data() + i * kCols);
    y[i] = all_y[list[i]];
  }
  const std::vector<std::string> types = {"q", "q", "c", "q"};
  auto grow = [&](XgbDMatrix m) {
    m.SetFloatInfo("label", y.data(), y.size());
    m.SetStrFeatureInfo("feature_type", types);
    XgbBooster booster = XgbBooster::Create({&m});
    booster.SetParam("tree_method", "hist");
    booster.SetParam("max_bin", "64");
    booster.SetParam("objective", "binary:logistic");
    booster.SetParam("max_cat_to_onehot", "1");
    booster.SetParam("nthread", "2");
    for (int round = 0; round < 8; ++round) booster.UpdateOneIter(round, m);
    std::vector<float> p(rows);
    booster.PredictDense(x.data(), rows, kCols, 0, p.data(), p.size());
    return std::make_pair(booster.SaveToBuffer("ubj"), p);
  };
  const auto dense = grow(XgbDMatrix::FromDense(x.data(), rows, kCols, 2));
  const auto quantized = grow(XgbDMatrix::Quantized(x.data(), rows, kCols, nullptr, types, 64, 2));
  const auto viewed = grow(XgbDMatrix::Quantized(all.data(), kAll, kCols, &list, types, 64, 2));
  EXPECT_EQ(dense.first, quantized.first);
  EXPECT_EQ(dense.second, quantized.second);
  EXPECT_EQ(dense.first, viewed.first);
  EXPECT_EQ(dense.second, viewed.second);
  // The model learned something (not two empty boosters agreeing).
  size_t right = 0;
  for (size_t r = 0; r < rows; ++r) right += (dense.second[r] > 0.5f) == (y[r] > 0.5f) ? 1 : 0;
  EXPECT_GT(right, rows * 8 / 10);
  // A types list of the wrong width, or a listed row past the buffer, is refused.
  EXPECT_THROW(XgbDMatrix::Quantized(x.data(), rows, kCols, nullptr, {"q"}, 64, 1), Internal);
  const std::vector<size_t> past = {0, kAll};
  EXPECT_THROW(XgbDMatrix::Quantized(all.data(), kAll, kCols, &past, types, 64, 1), Internal);
}

using testing::MatrixBlocks;

// A refit on a large table reads its rows a block at a time (the table
// encoded on the fly): the booster is the one grown on the whole matrix.
TEST(Xgboost, RowsReadInBlocksGrowTheSameModel) {
  const Data train = Binary(70000, 21), test = Binary(300, 22);  // two blocks of 65,536 rows
  const Json params = {{"n_estimators", 10}, {"max_bin", 64}};
  auto whole = Make(params)->Fit(train.train(), nullptr, Options(Task::kBinary, 2, 2));
  const MatrixBlocks blocks(train.x);
  TrainData read;
  read.y = &train.y;
  read.blocks = &blocks;
  auto from_blocks = Make(params)->Fit(read, nullptr, Options(Task::kBinary, 2, 2));
  EXPECT_GE(blocks.reads(), 4);  // both blocks, in each of XGBoost's passes
  EXPECT_EQ(whole->Serialize(), from_blocks->Serialize());
  EXPECT_TRUE(BitIdentical(PredictAll(*whole, test.x), PredictAll(*from_blocks, test.x)));

  // A bad value in a block is named by its row, as in a matrix.
  Data bad = Binary(70000, 23);
  bad.x.at(66000, 2) = std::numeric_limits<float>::infinity();
  const MatrixBlocks bad_blocks(bad.x);
  TrainData bad_read;
  bad_read.y = &bad.y;
  bad_read.blocks = &bad_blocks;
  try {
    Make(params)->Fit(bad_read, nullptr, Options(Task::kBinary, 2, 1));
    FAIL() << "an infinite value was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("row 66001, column 3"), std::string::npos) << e.what();
  }
  // Blocks are for training rows only.
  EXPECT_THROW(Make(params)->Fit(train.train(), &read, Options(Task::kBinary, 2, 1)), Internal);
}

}  // namespace
}  // namespace tabpilot

// XGBoost's OpenMP workers spin between parallel regions unless
// OMP_WAIT_POLICY=PASSIVE, which makes multi-threaded fits an order of
// magnitude slower on a busy machine. libgomp reads the variable once, when it
// is loaded (before main), so setting it takes a fresh image of this process.
int main(int argc, char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);  // only returns on failure: run as we are
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
