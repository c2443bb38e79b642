#include "model/served_copy.h"

namespace tabpilot {

Bundle ServedCopy(const Bundle& trained, BundleForm form, const LearnerRegistry& learners) {
  Bundle copy;
  copy.problem = trained.problem;
  copy.forms = trained.forms;
  copy.form = trained.forms.Resolve(form);
  copy.input_schema = trained.input_schema;
  copy.pipelines = trained.pipelines;
  FitOptions load;
  load.task = trained.problem.task;
  load.num_classes = trained.problem.num_outputs();
  for (const BundleMember& m : trained.members) {
    BundleMember member;
    member.name = m.name;
    member.family = m.family;
    member.params = m.params;
    member.pipeline = m.pipeline;
    member.weight = m.weight;
    member.level = m.level;
    member.stack_inputs = m.stack_inputs;
    member.stack_input_folds = m.stack_input_folds;
    const bool full = copy.form == BundleForm::kFull && m.full != nullptr;
    if (full) {
      member.folds_are_full = true;
      member.stack_input_folds = 0;
      member.params = m.full_params;
    }
    const auto learner = learners.Create(member.family, member.params);
    if (full) {
      member.folds.push_back(learner->Load(m.full->Serialize(), load));
    } else {
      for (const auto& fold : m.folds) member.folds.push_back(learner->Load(fold->Serialize(), load));
    }
    copy.members.push_back(std::move(member));
  }
  return copy;
}

}  // namespace tabpilot
