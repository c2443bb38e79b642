#include "predict/member_plan.h"

#include <string>

#include "compiled/compiled_merge.h"
#include "compiled/model_compiler.h"

namespace tabpilot {
namespace {

std::shared_ptr<const CompiledForest> CompileCell(const BundleMember& member, const std::vector<size_t>& folds,
                                                  ModelCompiler compiler) {
  std::vector<CompiledForest> compiled;
  compiled.reserve(folds.size());
  for (size_t j : folds) compiled.push_back(compiler(member.folds[j]->Serialize()));
  if (compiled.size() == 1) return std::make_shared<const CompiledForest>(std::move(compiled.front()));
  std::vector<WeightedForest> weighted;
  const double w = 1.0 / static_cast<double>(compiled.size());
  for (const CompiledForest& f : compiled) weighted.push_back({&f, w});
  return std::make_shared<const CompiledForest>(MergeCompiledForests(weighted));
}

}  // namespace

MemberPlan PlanMember(const BundleMember& member, size_t per_bag, bool compile) {
  const size_t folds = member.folds.size();
  MemberPlan plan;
  plan.groups = member.stack_input_folds > 0 ? static_cast<size_t>(member.stack_input_folds) : 1;
  plan.per_bag = per_bag > 0 && folds >= per_bag && folds % per_bag == 0 ? per_bag : 0;
  const size_t indices = plan.per_bag > 0 ? plan.per_bag : 1;
  const ModelCompiler compiler = compile ? FindModelCompiler(member.family) : nullptr;
  for (size_t g = 0; g < plan.groups && g < folds; ++g) {
    for (size_t p = 0; p < indices; ++p) {
      FoldCell cell;
      cell.group = g;
      cell.fold_index = p;
      for (size_t j = g; j < folds; j += plan.groups) {
        if (plan.per_bag == 0 || j % plan.per_bag == p) cell.folds.push_back(j);
      }
      if (cell.folds.empty()) continue;
      if (compiler != nullptr) cell.compiled = CompileCell(member, cell.folds, compiler);
      plan.cells.push_back(std::move(cell));
    }
  }
  return plan;
}

}  // namespace tabpilot
