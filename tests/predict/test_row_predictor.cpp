// The one-row path on a binary bundle the trainer makes (compiled tree
// members, a linear model, a level-2 member stacked fold by fold in the
// bagged form): concurrent callers get the batch predictor's values, no
// allocation once a caller's scratch has grown, and bad rows are one clear
// error. Each task's bundles, value by value: test_row_predictor_tasks.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.h"
#include "model/bundle.h"
#include "predict/predictor.h"
#include "predict/row_predictor.h"
#include "predict/row_query.h"
#include "predict/trained_bundles.h"
#include "support/test_support.h"

// Counts this test program's allocations, for the steady-state check:
// under AddressSanitizer (which owns operator new) through its allocator
// hook, otherwise by replacing operator new.
namespace {
std::atomic<long> allocations{0};
}  // namespace

#ifdef TABPILOT_TEST_ASAN
#include <sanitizer/allocator_interface.h>
namespace {
void CountAllocation(const volatile void*, size_t) { allocations.fetch_add(1, std::memory_order_relaxed); }
void IgnoreFree(const volatile void*) {}
const int kHooksInstalled = __sanitizer_install_malloc_and_free_hooks(CountAllocation, IgnoreFree);
}  // namespace
#else
// GCC pairs the inlined malloc with std::free here and warns that they
// mismatch new and delete: they are this program's new and delete.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

namespace tabpilot {
namespace {

using testing::CheckRows;
using testing::MakeQuery;
using testing::Query;
using testing::Views;

// One bundle for the tests below: binary, both tree families and the linear model.
class RowPredictorBinary : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SaveBundle(testing::TrainBundle(Task::kBinary, {"xgboost", "random_forest", "linear"}, 5), *dir_ / "model",
               SaveOptions{});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::unique_ptr<Predictor> Load(BundleForm form) {
    Predictor::Options options;
    options.load.form = form;
    return Predictor::Load(*dir_ / "model", options);
  }
  static testing::TempDir* dir_;
};
testing::TempDir* RowPredictorBinary::dir_ = nullptr;

TEST_F(RowPredictorBinary, GivesTheBatchValuesFromCellsAndJsonInBothForms) {
  bool stacked_by_fold = false;
  for (BundleForm form : {BundleForm::kBagged, BundleForm::kFull}) {
    SCOPED_TRACE(BundleFormName(form));
    const auto predictor = Load(form);
    for (const BundleMember& m : predictor->bundle().members) stacked_by_fold |= m.stack_input_folds > 0;
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(std::to_string(threads) + " threads a call");
      CheckRows(RowPredictor(*predictor, threads), MakeQuery(*predictor));
    }
  }
  // The bagged form fed a level-2 member fold by fold: that path was covered.
  EXPECT_TRUE(stacked_by_fold);
}

TEST_F(RowPredictorBinary, ConcurrentCallersWithTheirOwnScratchGetTheSameValues) {
  const auto predictor = Load(BundleForm::kBagged);
  // Two threads a call: each caller's scratch has a helper of its own.
  const RowPredictor row(*predictor, 2);
  const Query q = MakeQuery(*predictor);
  constexpr int kThreads = 4;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RowScratch scratch = row.NewScratch();
      std::vector<float> got(row.num_outputs());
      for (int pass = 0; pass < 3; ++pass) {
        for (size_t i = 0; i < q.rows.size(); ++i) {
          const size_t r = (i * 7 + static_cast<size_t>(t) * 13) % q.rows.size();  // each thread its own order
          std::vector<std::string_view> cells(q.rows[r].begin(), q.rows[r].end());
          row.Predict(cells, scratch, got);
          for (size_t k = 0; k < got.size(); ++k) mismatches[static_cast<size_t>(t)] += got[k] != q.want.at(r, k);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[static_cast<size_t>(t)], 0) << "thread " << t;
}

TEST_F(RowPredictorBinary, AllocatesNothingOnceTheScratchHasGrown) {
#ifdef TABPILOT_TEST_ASAN
  ASSERT_NE(kHooksInstalled, 0) << "the sanitizer's allocator hook was not installed";
#endif
  // The counter sees an allocation.
  const long probe = allocations.load();
  auto box = std::make_unique<std::vector<int>>(100);
  ASSERT_GT(allocations.load(), probe);
  box.reset();
  for (auto [form, threads] : {std::pair{BundleForm::kBagged, 1}, std::pair{BundleForm::kFull, 1},
                               std::pair{BundleForm::kBagged, 2}, std::pair{BundleForm::kFull, 2}}) {
    SCOPED_TRACE(std::string(BundleFormName(form)) + ", " + std::to_string(threads) + " threads a call");
    const auto predictor = Load(form);
    const RowPredictor row(*predictor, threads);
    const Query q = MakeQuery(*predictor);
    std::vector<std::vector<std::string_view>> cells;
    for (const auto& r : q.rows) cells.push_back(Views(r));
    RowScratch scratch = row.NewScratch();
    std::vector<float> got(row.num_outputs());
    for (const auto& c : cells) row.Predict(c, scratch, got);  // warm-up: the buffers grow
    const long before = allocations.load();
    float sum = 0;
    for (const auto& c : cells) {
      row.Predict(c, scratch, got);
      sum += got[0];
    }
    EXPECT_EQ(allocations.load() - before, 0) << "allocations in " << cells.size() << " one-row predictions";
    EXPECT_TRUE(std::isfinite(sum));
  }
}

// The network keeps its activations in the caller's scratch
// (Model::PredictWith): a bundle of one network member allocates nothing
// once grown, and gives the batch predictor's values to the bit (the dense
// kernels compute a row alike alone and in a block). Two folds: what is
// checked is the network's prediction, not its bagging.
TEST(RowPredictorNetwork, AllocatesNothingOnceTheScratchHasGrownAndAgreesWithTheBatch) {
  testing::TempDir dir;
  SaveBundle(testing::TrainBundle(Task::kBinary, {"mlp"}, 1, 2), dir / "model", SaveOptions{});
  const auto predictor = Predictor::Load(dir / "model", Predictor::Options{});
  ASSERT_EQ(predictor->bundle().members.size(), 1u);
  ASSERT_EQ(predictor->bundle().members[0].family, "mlp");
  const RowPredictor row(*predictor);
  const Query q = MakeQuery(*predictor);
  RowScratch scratch = row.NewScratch();
  std::vector<float> got(row.num_outputs());
  for (size_t r = 0; r < q.rows.size(); ++r) {
    row.Predict(Views(q.rows[r]), scratch, got);
    for (size_t k = 0; k < got.size(); ++k) ASSERT_EQ(got[k], q.want.at(r, k)) << "row " << r;
  }
  std::vector<std::vector<std::string_view>> cells;
  for (const auto& r : q.rows) cells.push_back(Views(r));
  const long before = allocations.load();
  for (const auto& c : cells) row.Predict(c, scratch, got);
  EXPECT_EQ(allocations.load() - before, 0) << "allocations in " << cells.size() << " one-row predictions";
}

TEST_F(RowPredictorBinary, BadRowsAreOneClearError) {
  const auto predictor = Load(BundleForm::kFull);
  const RowPredictor row(*predictor);
  RowScratch scratch = row.NewScratch();
  std::vector<float> got(row.num_outputs());
  const std::vector<std::string_view> three{"1", "2", "red"};
  EXPECT_THROW(
      {
        try {
          row.Predict(three, scratch, got);
        } catch (const InvalidInput& e) {
          EXPECT_NE(std::string(e.what()).find("3 values; the model's input has 4 columns"), std::string::npos)
              << e.what();
          throw;
        }
      },
      InvalidInput);
  Json object{{"a", 1.0}, {"b", 2.0}, {"colour", "red"}};
  EXPECT_THROW(
      {
        try {
          row.PredictJson(object, scratch, got);
        } catch (const InvalidInput& e) {
          EXPECT_NE(std::string(e.what()).find("missing required column 'size'"), std::string::npos) << e.what();
          throw;
        }
      },
      InvalidInput);
  object["size"] = Json::array({1, 2});
  EXPECT_THROW(row.PredictJson(object, scratch, got), InvalidInput);
  EXPECT_THROW(row.PredictJson(Json("a,b"), scratch, got), InvalidInput);
  EXPECT_THROW(row.PredictJson(Json::array({1, 2}), scratch, got), InvalidInput);

  // A number that does not parse is missing, as batch predict treats it.
  object["size"] = 1;
  object["a"] = "twelve";
  row.PredictJson(object, scratch, got);
  const std::vector<float> unparsed = got;
  object["a"] = nullptr;
  row.PredictJson(object, scratch, got);
  EXPECT_EQ(got, unparsed);
  // And the scratch still works after the errors.
  const std::vector<std::string_view> good{"0.5", "-1", "red", "1"};
  row.Predict(good, scratch, got);
  EXPECT_NEAR(got[0] + got[1], 1.0f, 1e-5f);
}

}  // namespace
}  // namespace tabpilot
