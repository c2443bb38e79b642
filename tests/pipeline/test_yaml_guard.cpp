// Pipeline definitions under hostile YAML: size, nesting (flow and block)
// and alias expansion ("billion laughs", alias cycles) are refused quickly
// with the limit's name, and ordinary definitions still parse.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "pipeline/definition.h"
#include "pipeline/yaml_guard.h"

namespace tabpilot {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
// What "fast" means here: the bombs took minutes (or all memory, or the stack)
// before their limits existed, and take milliseconds now; the bound leaves
// room for a sanitizer build on a busy two-core machine.
constexpr double kFastSeconds = 20.0;

std::string ErrorOf(const std::string& yaml, const InputLimits& limits = {}) {
  try {
    ParseDefinition(yaml, "p.yaml", "/tmp", limits);
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "(no error)";
}

const char* const kHeader = "name: Demo\nsteps:\n  - name: Fail\n    type: fail\n    message: ";

// Nine levels of ten aliases: 10^9 nodes once walked, 1 KB of text.
std::string BillionLaughs() {
  std::string yaml = "name: Demo\nlol0: &l0 [lol]\n";
  for (int level = 1; level <= 9; ++level) {
    yaml += "lol" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *l" : "*l") + std::to_string(level - 1);
    yaml += "]\n";
  }
  yaml += "steps:\n  - name: Fail\n    type: fail\n    message: *l9\n";
  return yaml;
}

TEST(YamlGuard, BillionLaughsHitsTheNodeCapFast) {
  const auto start = Clock::now();
  const std::string message = ErrorOf(BillionLaughs());
  EXPECT_LT(SecondsSince(start), kFastSeconds);
  EXPECT_NE(message.find("p.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("more than the limit of 1000000 YAML nodes"), std::string::npos) << message;
  EXPECT_NE(message.find("TABPILOT_LIMIT_YAML_NODES"), std::string::npos) << message;
}

TEST(YamlGuard, AliasesWithinTheBudgetStillParse) {
  // An anchor reused a few times is ordinary YAML.
  const std::string yaml = std::string("name: Demo\nsteps:\n  - name: A\n    type: fail\n    message: &m hello\n") +
                           "  - name: B\n    type: fail\n    message: *m\n";
  EXPECT_EQ(ErrorOf(yaml), "(no error)");
  InputLimits tight;
  tight.yaml_nodes = 10;
  EXPECT_NE(ErrorOf(yaml, tight).find("TABPILOT_LIMIT_YAML_NODES"), std::string::npos);
}

TEST(YamlGuard, AliasCycleIsRefusedNotRecursedForever) {
  const std::string yaml = std::string(kHeader) + "&a [*a]\n";
  const std::string message = ErrorOf(yaml);
  EXPECT_NE(message.find("TABPILOT_LIMIT_YAML"), std::string::npos) << message;
}

TEST(YamlGuard, DeepFlowNestingRefusedWithoutCrashing) {
  const std::string yaml = std::string(kHeader) + std::string(100000, '[') + std::string(100000, ']') + "\n";
  const auto start = Clock::now();
  const std::string message = ErrorOf(yaml);
  EXPECT_LT(SecondsSince(start), kFastSeconds);
  EXPECT_NE(message.find("p.yaml:5: nesting deeper than the limit of 100 levels (TABPILOT_LIMIT_YAML_DEPTH)"),
            std::string::npos)
      << message;
  // Unbalanced (the parser would fail anyway, after recursing 100k deep).
  EXPECT_NE(ErrorOf(std::string(kHeader) + std::string(100000, '{')).find("TABPILOT_LIMIT_YAML_DEPTH"),
            std::string::npos);
}

TEST(YamlGuard, DeepBlockNestingRefused) {
  std::string yaml = kHeader;
  yaml += "\n";
  for (int i = 0; i < 500; ++i)
    yaml += std::string(static_cast<size_t>(6 + 2 * i), ' ') + "k" + std::to_string(i) + ":\n";
  EXPECT_NE(ErrorOf(yaml).find("TABPILOT_LIMIT_YAML_DEPTH"), std::string::npos);
  // "- - - x" nests on one line.
  std::string dashes = std::string(kHeader) + "\n      ";
  for (int i = 0; i < 500; ++i) dashes += "- ";
  dashes += "x\n";
  EXPECT_NE(ErrorOf(dashes).find("TABPILOT_LIMIT_YAML_DEPTH"), std::string::npos);
}

TEST(YamlGuard, BracketsInQuotesCommentsAndBlockScalarsAreText) {
  const std::string brackets(300, '[');
  const std::string yaml = std::string("name: Demo  # ") + brackets + "\nsteps:\n  - name: A\n    type: fail\n" +
                           "    message: \"" + brackets + "\"\n  - name: B\n    type: fail\n    message: '" + brackets +
                           " it''s'\n  - name: C\n    type: fail\n    message: |\n      " + brackets + "\n      " +
                           brackets + "\n  - name: D\n    type: fail\n    message: it's x[" + brackets + "\n";
  EXPECT_EQ(ErrorOf(yaml), "(no error)");
}

// The scan is conservative; the definitions we ship must still pass it, and
// the corpus's bombs must not.
TEST(YamlGuard, ShippedDefinitionsPassAndCorpusBombsDoNot) {
  const std::filesystem::path root = TABPILOT_SOURCE_DIR;
  EXPECT_NO_THROW(LoadDefinition(root / "examples/adult/pipeline.yaml"));
  EXPECT_NO_THROW(LoadDefinition(root / "fuzz/corpus/pipeline_definition/adult.yaml"));
  for (const char* bomb : {"billion_laughs.yaml", "deep_flow.yaml", "alias_cycle.yaml"}) {
    try {
      LoadDefinition(root / "fuzz/corpus/pipeline_definition" / bomb);
      ADD_FAILURE() << bomb << " was accepted";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("TABPILOT_LIMIT_YAML_"), std::string::npos) << e.what();
    }
  }
  // A file over the size limit is refused before it is read.
  InputLimits limits;
  limits.yaml_bytes = 100;
  EXPECT_THROW(LoadDefinition(root / "examples/adult/pipeline.yaml", limits), InvalidInput);
}

TEST(YamlGuard, SizeCap) {
  InputLimits limits;
  limits.yaml_bytes = 64;
  const std::string yaml = std::string(kHeader) + std::string(100, 'x') + "\n";
  const std::string expected =
      "p.yaml: " + std::to_string(yaml.size()) + " bytes, more than the limit of 64 (TABPILOT_LIMIT_YAML_BYTES)";
  EXPECT_NE(ErrorOf(yaml, limits).find(expected), std::string::npos) << ErrorOf(yaml, limits);
  limits.yaml_bytes = yaml.size();
  EXPECT_EQ(ErrorOf(yaml, limits), "(no error)");
}

TEST(YamlGuard, TextScanDepthBoundary) {
  // Direct use of the text scan: depth exactly at the limit passes.
  InputLimits limits;
  limits.yaml_depth = 3;
  EXPECT_NO_THROW(CheckYamlText("a: [[x]]\n", "t.yaml", limits));
  EXPECT_THROW(CheckYamlText("a: [[[x]]]\n", "t.yaml", limits), InvalidInput);
}

}  // namespace
}  // namespace tabpilot
