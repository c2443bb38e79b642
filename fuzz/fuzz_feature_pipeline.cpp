// A feature pipeline's JSON (as stored in a bundle) -> FromJson -> Transform
// of a small table with a numeric, a categorical and a text column.
#include "core/json.h"
#include "features/feature_pipeline.h"
#include "fuzz_support.h"

namespace {

tabpilot::Table SmallTable() {
  tabpilot::Table t;
  tabpilot::Column age;
  age.name = "age";
  age.type = tabpilot::ColumnType::kNumeric;
  age.numbers = {39, 50, tabpilot::kMissingNumber};
  tabpilot::Column color;
  color.name = "color";
  color.type = tabpilot::ColumnType::kCategorical;
  color.categories = {"red", "blue"};
  color.codes = {0, 1, -1};
  t.AddColumn(std::move(age));
  t.AddColumn(std::move(color));
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const tabpilot::Json json =
      tabpilot::Json::parse(tabpilot::fuzz::Bytes(data, size), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  static const tabpilot::Table table = SmallTable();
  return tabpilot::fuzz::Run([&] {
    const tabpilot::FeaturePipeline pipeline = tabpilot::FeaturePipeline::FromJson(json);
    pipeline.Transform(table, 1);
  });
}
