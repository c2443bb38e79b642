// ${...} expressions and the condition language.
#include <gtest/gtest.h>

#include "core/error.h"
#include "pipeline/condition.h"
#include "pipeline/expression.h"

namespace tabpilot {
namespace {

Json Scope() {
  Json s;
  s["params"] = {{"threshold", 0.68}, {"name", "income"}, {"on", true}};
  s["steps"]["Evaluate"]["report"] = {{"binary_classification_metrics", {{"f1", {{"value", 0.71}}}}}};
  s["steps"]["Prep"]["data"] = "/x/data";
  s["execution"] = {{"id", "E1"}};
  return s;
}

TEST(PipelineExpression, ParsesReferences) {
  auto refs = FindReferences("${params.a} and ${steps.S.outputs.report.x.y} ${steps.T.model}", "");
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].kind, Reference::Kind::kParam);
  EXPECT_EQ(refs[0].name, "a");
  EXPECT_EQ(refs[1].kind, Reference::Kind::kStep);
  EXPECT_EQ(refs[1].path, (std::vector<std::string>{"report", "x", "y"}));
  EXPECT_EQ(refs[2].path, std::vector<std::string>{"model"});
  EXPECT_THROW(FindReferences("${params.a", ""), InvalidInput);
  EXPECT_THROW(FindReferences("${steps.S}", ""), InvalidInput);
  EXPECT_THROW(FindReferences("${steps..x}", ""), InvalidInput);
}

TEST(PipelineExpression, WholeStringKeepsTypeEmbeddedBecomesText) {
  const Json scope = Scope();
  EXPECT_EQ(ResolveExpressions("${params.threshold}", scope, ""), Json(0.68));
  EXPECT_EQ(ResolveExpressions("${steps.Evaluate.report.binary_classification_metrics.f1.value}", scope, ""),
            Json(0.71));
  EXPECT_EQ(ResolveExpressions("${steps.Prep.outputs.data}/train.csv", scope, ""), Json("/x/data/train.csv"));
  EXPECT_EQ(ResolveExpressions(
                "f1 ${steps.Evaluate.report.binary_classification_metrics.f1.value} < ${params.threshold}", scope, ""),
            Json("f1 0.71 < 0.68"));
  Json nested = {{"a", {"${params.on}", "${execution.id}"}}};
  EXPECT_EQ(ResolveExpressions(nested, scope, ""), Json({{"a", {true, "E1"}}}));
  EXPECT_EQ(ResolveExpressions(7, scope, ""), Json(7));
}

TEST(PipelineExpression, MissingPathsAreErrors) {
  const Json scope = Scope();
  try {
    ResolveExpressions("${steps.Evaluate.report.regression_metrics.mse.value}", scope, "step 'C': ");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(),
                 "step 'C': ${steps.Evaluate.report.regression_metrics.mse.value}: step 'Evaluate' has no output "
                 "'report.regression_metrics'");
  }
  EXPECT_THROW(ResolveExpressions("${steps.Skipped.x}", scope, ""), InvalidInput);
  EXPECT_THROW(ResolveExpressions("${params.nope}", scope, ""), InvalidInput);
}

// Array indices in a path: an index beyond the array, or too large for an
// integer, is a missing output (it used to escape as std::out_of_range from
// std::stoul and end the executor with std::terminate).
TEST(PipelineExpression, ArrayIndicesAreCheckedNotTrusted) {
  Json scope = Scope();
  scope["steps"]["Evaluate"]["report"]["matrix"] = Json::array({Json::array({5, 1}), Json::array({2, 7})});
  EXPECT_EQ(ResolveExpressions("${steps.Evaluate.report.matrix.1.0}", scope, ""), Json(2));
  for (const char* bad :
       {"${steps.Evaluate.report.matrix.2}", "${steps.Evaluate.report.matrix.99999999999999999999999}",
        "${steps.Evaluate.report.matrix.1x}", "${steps.Evaluate.report.matrix.-1}"}) {
    EXPECT_THROW(ResolveExpressions(bad, scope, ""), InvalidInput) << bad;
  }
}

bool Eval(const std::string& json) { return EvaluateCondition(Json::parse(json), ""); }

TEST(PipelineCondition, Operators) {
  EXPECT_TRUE(Eval(R"({">=": [0.7, 0.7]})"));
  EXPECT_FALSE(Eval(R"({">": [0.7, 0.7]})"));
  EXPECT_TRUE(Eval(R"({"<=": [1, 2]})"));
  EXPECT_FALSE(Eval(R"({"<": [2, 1]})"));
  EXPECT_TRUE(Eval(R"({"==": ["1.0", 1]})"));  // numeric text compares as a number
  EXPECT_TRUE(Eval(R"({"!=": ["a", "b"]})"));
  EXPECT_TRUE(Eval(R"({"==": [true, true]})"));
  EXPECT_TRUE(Eval(R"({"<": ["abc", "abd"]})"));
  EXPECT_TRUE(Eval(R"({"in": ["b", ["a", "b"]]})"));
  EXPECT_FALSE(Eval(R"({"in": [3, [1, 2]]})"));
  EXPECT_TRUE(Eval(R"({"and": [{">": [2, 1]}, {"==": [1, 1]}]})"));
  EXPECT_FALSE(Eval(R"({"and": [{">": [2, 1]}, {"==": [1, 2]}]})"));
  EXPECT_TRUE(Eval(R"({"or": [{">": [1, 2]}, {"==": [1, 1]}]})"));
  EXPECT_TRUE(Eval(R"({"not": {">": [1, 2]}})"));
  EXPECT_THROW(Eval(R"({">": [true, 1]})"), InvalidInput);
  EXPECT_THROW(Eval(R"({">": ["abc", 1]})"), InvalidInput);
  EXPECT_THROW(Eval(R"({"in": [1, 2]})"), InvalidInput);
  EXPECT_THROW(Eval(R"([1, 2])"), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
