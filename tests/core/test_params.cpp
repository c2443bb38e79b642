#include "core/params.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace tabpilot {
namespace {

std::vector<ParamSpec> Specs() {
  return {
      {"depth", ParamSpec::Kind::kInt, 6, 1, 20, {}, "tree depth"},
      {"eta", ParamSpec::Kind::kFloat, 0.1, 0.0, 1.0, {}, "learning rate"},
      {"policy", ParamSpec::Kind::kString, "a", 0, 0, {"a", "b"}, "policy"},
  };
}

TEST(Params, DefaultsFillIn) {
  Params p = Params::Validate(Specs(), Json::object(), "test");
  EXPECT_EQ(p.Int("depth"), 6);
  EXPECT_DOUBLE_EQ(p.Float("eta"), 0.1);
  EXPECT_EQ(p.String("policy"), "a");
}

TEST(Params, UnknownKeyListsValidOnes) {
  try {
    Params::Validate(Specs(), Json{{"dept", 3}}, "xgboost");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("unknown parameter 'dept'"), std::string::npos) << m;
    EXPECT_NE(m.find("depth, eta, policy"), std::string::npos) << m;
  }
}

TEST(Params, RangeAndTypeAreChecked) {
  EXPECT_THROW(Params::Validate(Specs(), Json{{"depth", 0}}, "t"), InvalidInput);
  EXPECT_THROW(Params::Validate(Specs(), Json{{"depth", 2.5}}, "t"), InvalidInput);
  EXPECT_THROW(Params::Validate(Specs(), Json{{"eta", "fast"}}, "t"), InvalidInput);
  EXPECT_THROW(Params::Validate(Specs(), Json{{"policy", "c"}}, "t"), InvalidInput);
  EXPECT_EQ(Params::Validate(Specs(), Json{{"depth", 3.0}}, "t").Int("depth"), 3);
}

}  // namespace
}  // namespace tabpilot
