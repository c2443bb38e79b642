#include <gtest/gtest.h>

#include "core/error.h"
#include "core/params.h"

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

// The kinds pipeline steps use, a required key and optional keys without a default.
std::vector<ParamSpec> StepSpecs() {
  using K = ParamSpec::Kind;
  return {
      {"command", K::kText, nullptr, 0, 0, {}, "shell command", true},
      {"data", K::kPath, nullptr, 0, 0, {}, "a CSV"},
      {"outputs", K::kStringList, nullptr, 0, 0, {}, "folders"},
      {"env", K::kStringMap, nullptr, 0, 0, {}, "variables"},
      {"report", K::kJson, nullptr, 0, 0, {}, "anything"},
      {"join", K::kBool, false, 0, 0, {}, "append inputs"},
  };
}

TEST(Params, RequiredKeysMustBeGivenAndOptionalOnesMayBeAbsent) {
  try {
    Params::Validate(StepSpecs(), Json::object(), "step 'P'", "field");
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "step 'P': missing required field 'command' (shell command)");
  }
  Params p = Params::Validate(StepSpecs(), Json{{"command", "ls"}, {"data", nullptr}}, "step 'P'", "field");
  EXPECT_TRUE(p.Has("command"));
  EXPECT_FALSE(p.Has("data"));  // null counts as not given
  EXPECT_FALSE(p.Has("outputs"));
  EXPECT_TRUE(p.StringList("outputs").empty());
  EXPECT_TRUE(p.Has("join"));
  EXPECT_FALSE(p.Bool("join"));
  EXPECT_THROW(p.Get("nope"), Internal);
}

TEST(Params, StepKindsNormalizeTheirValues) {
  Params p = Params::Validate(StepSpecs(),
                              Json{{"command", true},
                                   {"data", "in/train.csv"},
                                   {"outputs", "out"},
                                   {"env", {{"N", 3}, {"FLAG", false}, {"S", "x"}}},
                                   {"report", {{"f1", 0.5}}}},
                              "step 'P'", "field");
  EXPECT_EQ(p.String("command"), "true");  // a scalar read as text
  EXPECT_EQ(p.String("data"), "in/train.csv");
  EXPECT_EQ(p.StringList("outputs"), std::vector<std::string>{"out"});
  EXPECT_EQ(p.Get("env"), (Json{{"N", "3"}, {"FLAG", "false"}, {"S", "x"}}));
  EXPECT_EQ(p.Get("report")["f1"], Json(0.5));
}

TEST(Params, StepKindsRejectTheWrongShape) {
  auto error = [](const Json& given) {
    try {
      Json g = given;
      if (!g.contains("command")) g["command"] = "ls";
      Params::Validate(StepSpecs(), g, "step 'P'", "field");
    } catch (const InvalidInput& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error(Json{{"command", Json::array({"ls"})}}),
            "step 'P': field 'command' must be a single value, got [\"ls\"]");
  EXPECT_EQ(error(Json{{"data", ""}}), "step 'P': field 'data' must be a file or folder path, got \"\"");
  EXPECT_EQ(error(Json{{"data", 3}}), "step 'P': field 'data' must be a file or folder path, got 3");
  EXPECT_EQ(error(Json{{"outputs", Json::array({"a", 1})}}),
            "step 'P': field 'outputs' must be a list of strings, got [\"a\",1]");
  EXPECT_EQ(error(Json{{"env", "A=1"}}), "step 'P': field 'env' must be a mapping of name: value, got \"A=1\"");
  EXPECT_EQ(error(Json{{"env", {{"A", {{"b", 1}}}}}}),
            "step 'P': field 'env': 'A' must be a single value, got {\"b\":1}");
  EXPECT_EQ(error(Json{{"join", "yes"}}), "step 'P': field 'join' must be true or false, got \"yes\"");
  EXPECT_EQ(error(Json{{"colour", "red"}}),
            "step 'P': unknown field 'colour' (valid: command, data, outputs, env, report, join)");
}

TEST(Params, CheckParamValueNamesTheRangeAndChoices) {
  const auto specs = Specs();
  EXPECT_EQ(CheckParamValue(specs[0], Json(4.0), "w"), Json(4));
  EXPECT_TRUE(CheckParamValue(specs[1], Json(1), "w").is_number_float());
  try {
    CheckParamValue(specs[0], Json(21), "f.yaml:3: step 'T': field 'depth'");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "f.yaml:3: step 'T': field 'depth' = 21 is out of range [1.0, 20.0]");
  }
  try {
    CheckParamValue(specs[2], Json("c"), "w");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "w = \"c\" is not one of: a, b");
  }
  EXPECT_STREQ(ParamKindName(ParamSpec::Kind::kStringList), "list of strings");
}

}  // namespace
}  // namespace tabpilot
