// Definition parsing, parameters, and static validation errors (file:line).
#include <gtest/gtest.h>

#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/definition_check.h"
#include "pipeline/step.h"

namespace tabpilot {
namespace {

PipelineDefinition Parse(const std::string& yaml) { return ParseDefinition(yaml, "p.yaml", "/tmp"); }

// The message of the InvalidInput thrown by parsing + validating `yaml`.
std::string ErrorOf(const std::string& yaml) {
  try {
    PipelineDefinition d = Parse(yaml);
    CheckDefinition(d, StepTypeRegistry::Builtins());
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "(no error)";
}

const char* const kGood = R"(name: Demo
parameters:
  threshold: {type: float, default: 0.5}
  runtime: {type: int, default: 10}
  label: {type: string, default: income}
  fast: {type: bool, default: true}
steps:
  - name: Prep
    type: processing
    command: echo hi
    outputs: [data]
    cache: {enabled: true, expire_after: 12h}
    retry: {max_attempts: 3, interval_seconds: 0.5, backoff_rate: 3}
    timeout_seconds: 20
  - name: Train
    type: automl
    data: ${steps.Prep.outputs.data}/train.csv
    target: ${params.label}
    time_limit: ${params.runtime}
  - name: Check
    type: condition
    condition: {">=": ["${steps.Train.outputs.best_score}", "${params.threshold}"]}
    then:
      - name: Stop
        type: fail
        message: good
    else: [Bad]
  - name: Bad
    type: fail
    message: score ${steps.Train.best_score} too low
)";

TEST(PipelineDefinition, ParsesEveryCommonField) {
  PipelineDefinition d = Parse(kGood);
  EXPECT_EQ(d.name, "Demo");
  ASSERT_EQ(d.parameters.size(), 4u);
  EXPECT_EQ(d.parameters[0].type, ParamType::kFloat);
  EXPECT_EQ(*d.parameters[0].default_value, Json(0.5));
  EXPECT_EQ(*d.parameters[3].default_value, Json(true));
  ASSERT_EQ(d.steps.size(), 5u);  // the inline `then` step is added after its condition
  EXPECT_EQ(d.steps[3].name, "Stop");
  const StepDef& prep = d.steps[0];
  EXPECT_TRUE(prep.cache.enabled);
  EXPECT_DOUBLE_EQ(prep.cache.expire_after_seconds, 12 * 3600);
  EXPECT_EQ(prep.retry.max_attempts, 3);
  EXPECT_DOUBLE_EQ(prep.retry.WaitBefore(1), 0);
  EXPECT_DOUBLE_EQ(prep.retry.WaitBefore(2), 0.5);
  EXPECT_DOUBLE_EQ(prep.retry.WaitBefore(3), 1.5);
  EXPECT_DOUBLE_EQ(prep.timeout_seconds, 20);
  EXPECT_EQ(prep.config["outputs"], Json::array({"data"}));
  EXPECT_EQ(d.steps[2].config["then"], Json::array({"Stop"}));
  EXPECT_EQ(d.steps[2].config["else"], Json::array({"Bad"}));
  EXPECT_EQ(d.hash.size(), 64u);  // SHA-256
}

TEST(PipelineDefinition, GraphFollowsReferencesAndBranches) {
  PipelineDefinition d = Parse(kGood);
  PipelineGraph g = CheckDefinition(d, StepTypeRegistry::Builtins());
  EXPECT_EQ(g.deps["Train"], std::vector<std::string>{"Prep"});
  EXPECT_EQ(g.deps["Check"], std::vector<std::string>{"Train"});
  EXPECT_EQ(g.deps["Bad"], (std::vector<std::string>{"Train", "Check"}));
  EXPECT_EQ(g.decided_by["Stop"], "Check");
  EXPECT_EQ(g.decided_by["Bad"], "Check");
  EXPECT_EQ(g.decided_by.count("Train"), 0u);
  auto pos = [&](const std::string& n) { return std::find(g.order.begin(), g.order.end(), n) - g.order.begin(); };
  EXPECT_LT(pos("Prep"), pos("Train"));
  EXPECT_LT(pos("Train"), pos("Check"));
  EXPECT_LT(pos("Check"), pos("Bad"));
}

TEST(PipelineDefinition, DurationsAndTypedValues) {
  EXPECT_DOUBLE_EQ(ParseDuration("30d", ""), 30 * 86400);
  EXPECT_DOUBLE_EQ(ParseDuration("15m", ""), 900);
  EXPECT_DOUBLE_EQ(ParseDuration("45", ""), 45);
  EXPECT_THROW(ParseDuration("soon", ""), InvalidInput);
  EXPECT_THROW(ParseDuration("-3h", ""), InvalidInput);
  EXPECT_EQ(*ParseTypedValue(ParamType::kInt, "42"), Json(42));
  EXPECT_FALSE(ParseTypedValue(ParamType::kInt, "4.2"));
  EXPECT_FALSE(ParseTypedValue(ParamType::kBool, "yes please"));
  EXPECT_EQ(*ParseTypedValue(ParamType::kString, "4.2"), Json("4.2"));
}

TEST(PipelineDefinition, ParameterOverridesAreTypeChecked) {
  PipelineDefinition d = Parse(kGood);
  Json p = ResolveParameters(d, {"threshold=0.9", "fast=false"});
  EXPECT_EQ(p["threshold"], Json(0.9));
  EXPECT_EQ(p["fast"], Json(false));
  EXPECT_EQ(p["runtime"], Json(10));
  try {
    ResolveParameters(d, {"runtime=ten"});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "--param runtime: 'ten' is not a int (p.yaml:4 declares it int)");
  }
  try {
    ResolveParameters(d, {"nope=1"});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("has no parameter 'nope' (parameters: threshold, runtime, label, fast)"),
              std::string::npos);
  }
  EXPECT_THROW(ResolveParameters(d, {"threshold"}), InvalidInput);
  PipelineDefinition no_default = Parse("name: X\nparameters:\n  k: {type: int}\nsteps:\n  - {name: F, type: fail}\n");
  try {
    ResolveParameters(no_default, {});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "p.yaml:3: parameter 'k' has no default; give it with --param k=VALUE");
  }
}

struct BadCase {
  const char* yaml;
  const char* message;
};

class PipelineValidationError : public ::testing::TestWithParam<BadCase> {};

TEST_P(PipelineValidationError, NamesFileAndLine) { EXPECT_EQ(ErrorOf(GetParam().yaml), GetParam().message); }

INSTANTIATE_TEST_SUITE_P(
    Cases, PipelineValidationError,
    ::testing::Values(
        BadCase{"name: X\nsteps:\n  - name: A\n    type: processing\n    command: [unclosed\n",
                "p.yaml:6: malformed YAML: end of sequence flow not found"},
        BadCase{"name: X\nsteps: []\n", "p.yaml:2: 'steps' must be a non-empty list"},
        BadCase{"name: X\nsurprise: 1\nsteps:\n  - {name: A, type: fail}\n",
                "p.yaml:2: unknown field 'surprise' (valid: name, description, parameters, steps)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: teleport\n",
                "p.yaml:3: step 'A': unknown step type 'teleport' (valid: automl, condition, deploy, evaluate, fail, "
                "model, processing, register, transform)"},
        BadCase{
            "name: X\nsteps:\n  - name: A\n    type: processing\n    command: ls\n    colour: red\n",
            "p.yaml:6: step 'A': unknown field 'colour' for type 'processing' (valid: command, argv, inputs, outputs, "
            "env, working_dir, depends_on, cache, retry, timeout_seconds)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: processing\n",
                "p.yaml:3: step 'A': give either 'command' (a shell command) or 'argv' (a program and its arguments)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    message: ${steps.Nope.outputs.x}\n",
                "p.yaml:5: step 'A': ${steps.Nope.outputs.x} names an unknown step 'Nope'"},
        BadCase{"name: X\nsteps:\n  - {name: A, type: processing, command: ls, outputs: [d]}\n"
                "  - name: B\n    type: fail\n    message: ${steps.A.outputs.e}\n",
                "p.yaml:6: step 'B': ${steps.A.outputs.e}: step 'A' (processing) has no output 'e' (outputs: d)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    message: ${params.t}\n",
                "p.yaml:5: step 'A': ${params.t} names an unknown parameter 't' (parameters: none)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    message: ${oops}\n",
                "p.yaml:5: step 'A': malformed expression '${oops}' (expected ${params.NAME}, "
                "${steps.STEP.outputs.NAME[.path]} or ${execution.id})"},
        BadCase{"name: X\nsteps:\n  - {name: A, type: processing, command: ls, depends_on: [B]}\n"
                "  - {name: B, type: processing, command: ls, depends_on: C}\n"
                "  - {name: C, type: processing, command: ls, depends_on: A}\n",
                "p.yaml:5: steps form a cycle: A -> B -> C -> A"},
        BadCase{"name: X\nsteps:\n  - {name: A, type: fail}\n  - {name: A, type: fail}\n",
                "p.yaml:4: duplicate step name 'A'"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: condition\n    condition: {\"~=\": [1, 2]}\n",
                "p.yaml:3: step 'A': unknown condition operator '~=' (valid: >=, >, <=, <, ==, !=, in, and, or, "
                "not)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: condition\n    condition: {\">\": [1]}\n",
                "p.yaml:3: step 'A': '>' takes a list of two operands"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: condition\n    condition: {\">\": [1, 2]}\n"
                "    then: [Ghost]\n",
                "p.yaml:6: step 'A': 'then' names an unknown step 'Ghost'"},
        BadCase{"name: X\nparameters:\n  t: {type: float, default: high}\nsteps:\n  - {name: A, type: fail}\n",
                "p.yaml:3: default 'high' of parameter 't' is not a float"},
        BadCase{"name: X\nparameters:\n  t: {type: decimal}\nsteps:\n  - {name: A, type: fail}\n",
                "p.yaml:3: unknown parameter type 'decimal' (valid: string, int, float, bool)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    retry: {max_attempts: 0}\n",
                "p.yaml:5: retry.max_attempts must be an integer from 1 to 100"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    cache: {enabled: true, expire_after: soon}\n",
                "p.yaml:5: duration 'soon' is not a number with an optional unit s, m, h or d"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: fail\n    retry: {tries: 2}\n",
                "p.yaml:5: unknown field 'tries' in retry (valid: max_attempts, interval_seconds, backoff_rate)"},
        BadCase{"name: X\nsteps:\n  - name: A\n    type: register\n    model: m\n    model_package_group_name: G\n"
                "    approval_status: Maybe\n",
                "p.yaml:7: step 'A': field 'approval_status' = \"Maybe\" is not one of: PendingManualApproval, "
                "Approved, Rejected"},
        // Literal field values are checked against the step type's table
        // before anything runs: type, range, choices, list and mapping shapes.
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    time_limit: soon\n",
                "p.yaml:7: step 'T': field 'time_limit' must be a number, got \"soon\""},
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    time_limit: -5\n",
                "p.yaml:7: step 'T': field 'time_limit' = -5 is out of range [0.01, 10000000.0]"},
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    infer_limit: -1\n",
                "p.yaml:7: step 'T': field 'infer_limit' = -1 is out of range [1e-06, 1000000000000.0]"},
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    infer_limit: fast\n",
                "p.yaml:7: step 'T': field 'infer_limit' must be a number, got \"fast\""},
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    folds: 2.5\n",
                "p.yaml:7: step 'T': field 'folds' must be an integer, got 2.5"},
        BadCase{"name: X\nsteps:\n  - name: T\n    type: automl\n    data: d.csv\n    target: y\n"
                "    problem_type: binery\n",
                "p.yaml:7: step 'T': field 'problem_type' = \"binery\" is not one of: binary, multiclass, regression"},
        BadCase{"name: X\nsteps:\n  - name: P\n    type: transform\n    model: m\n    data: d.csv\n    join: maybe\n",
                "p.yaml:7: step 'P': field 'join' must be true or false, got \"maybe\""},
        BadCase{"name: X\nsteps:\n  - {name: P, type: processing, command: ls, outputs: [a, [b]]}\n",
                "p.yaml:3: step 'P': field 'outputs' must be a list of strings, got [\"a\",[\"b\"]]"},
        BadCase{"name: X\nsteps:\n  - name: P\n    type: processing\n    command: ls\n    inputs: [a.csv]\n",
                "p.yaml:6: step 'P': field 'inputs' must be a mapping of name: value, got [\"a.csv\"]"},
        BadCase{"name: X\nsteps:\n  - name: P\n    type: processing\n    command: ls\n    env: {A: [1, 2]}\n",
                "p.yaml:6: step 'P': field 'env': 'A' must be a single value, got [1,2]"},
        BadCase{"name: X\nsteps:\n  - name: C\n    type: condition\n    condition: {\">\": [1, 2]}\n"
                "    then: Ship\n    else: [Ship]\n  - {name: Ship, type: fail}\n",
                "p.yaml:7: step 'C': step 'Ship' is already run or skipped by step 'C'"},
        BadCase{"name: X\nsteps:\n  - name: C\n    type: condition\n    condition: {\">\": [1, 2]}\n"
                "    then:\n      - {name: Ship, command: ls}\n",
                "p.yaml:7: step 'Ship' needs a 'type'"}));

}  // namespace
}  // namespace tabpilot
