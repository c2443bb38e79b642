#include "compiled/model_compiler.h"

#include <array>
#include <utility>

#include "compiled/additive_converter.h"
#include "compiled/forest_converter.h"
#include "compiled/oblivious_converter.h"
#include "compiled/xgboost_converter.h"

namespace tabpilot {

ModelCompiler FindModelCompiler(const std::string& family) {
  static constexpr std::array<std::pair<std::string_view, ModelCompiler>, 5> kCompilers{{
      {"xgboost", &CompileXgboostModel},
      {"random_forest", &CompileForestModel},
      {"extra_trees", &CompileForestModel},
      {"oblivious_boost", &CompileObliviousModel},
      {"additive_boost", &CompileAdditiveModel},
  }};
  for (const auto& [name, compiler] : kCompilers) {
    if (name == family) return compiler;
  }
  return nullptr;
}

}  // namespace tabpilot
