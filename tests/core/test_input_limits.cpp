// InputLimits::FromEnvironment: every limit has its TABPILOT_LIMIT_* variable.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/error.h"
#include "core/input_limits.h"

namespace tabpilot {
namespace {

// A fake getenv over a fixed set of variables.
std::function<const char*(const char*)> Env(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(InputLimits, DataAndYamlLimitsOverriddenByTheirVariables) {
  const InputLimits defaults;
  const InputLimits limits = InputLimits::FromEnvironment(Env({{"TABPILOT_LIMIT_CSV_COLUMNS", "7"},
                                                               {"TABPILOT_LIMIT_CSV_CELLS", "70"},
                                                               {"TABPILOT_LIMIT_CSV_LINE_BYTES", "700"},
                                                               {"TABPILOT_LIMIT_FILE_BYTES", "7000"},
                                                               {"TABPILOT_LIMIT_DECOMPRESSED_BYTES", "70000"},
                                                               {"TABPILOT_LIMIT_YAML_BYTES", "11"},
                                                               {"TABPILOT_LIMIT_YAML_DEPTH", "12"},
                                                               {"TABPILOT_LIMIT_YAML_NODES", "13"}}));
  EXPECT_EQ(limits.csv_columns, 7u);
  EXPECT_EQ(limits.csv_cells, 70u);
  EXPECT_EQ(limits.csv_line_bytes, 700u);
  EXPECT_EQ(limits.file_bytes, 7000u);
  EXPECT_EQ(limits.decompressed_bytes, 70000u);
  EXPECT_EQ(limits.yaml_bytes, 11u);
  EXPECT_EQ(limits.yaml_depth, 12u);
  EXPECT_EQ(limits.yaml_nodes, 13u);
  EXPECT_EQ(limits.bundle_bytes, defaults.bundle_bytes);
}

TEST(InputLimits, UnsetVariablesKeepTheDefaults) {
  const InputLimits defaults;
  const InputLimits limits = InputLimits::FromEnvironment(Env({}));
  EXPECT_EQ(limits.csv_columns, defaults.csv_columns);
  EXPECT_EQ(limits.csv_cells, uint64_t{1} << 31);
  EXPECT_EQ(limits.decompressed_bytes, uint64_t{16} << 30);
  EXPECT_EQ(limits.yaml_nodes, defaults.yaml_nodes);
}

TEST(InputLimits, BadValueNamesTheVariable) {
  for (const char* bad : {"0", "-1", "12x", "", "1e6", "99999999999999999999999"}) {
    try {
      InputLimits::FromEnvironment(Env({{"TABPILOT_LIMIT_YAML_DEPTH", bad}}));
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("TABPILOT_LIMIT_YAML_DEPTH"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tabpilot
