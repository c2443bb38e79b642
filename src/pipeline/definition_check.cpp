#include "pipeline/definition_check.h"

#include <algorithm>
#include <functional>
#include <set>

#include "core/error.h"
#include "pipeline/expression.h"

namespace tabpilot {
namespace {

std::string At(const PipelineDefinition& d, size_t line) { return Where(d.source, line, "") + ": "; }

size_t FieldLine(const StepDef& s, const std::string& key) {
  auto it = s.field_lines.find(key);
  return it == s.field_lines.end() ? s.line : it->second;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void AddDep(std::vector<std::string>* deps, const std::string& name) {
  if (std::find(deps->begin(), deps->end(), name) == deps->end()) deps->push_back(name);
}

// A value the executor resolves before the step runs: checked then, with the
// same table.
bool HoldsExpression(const Json& value) {
  return value.is_string() && value.get<std::string>().find("${") != std::string::npos;
}

// Unknown and missing fields, and each literal value's type and range.
void CheckFields(const PipelineDefinition& d, const StepDef& s, const StepType& type) {
  const std::vector<ParamSpec>& fields = type.fields();
  auto find = [&](const std::string& key) -> const ParamSpec* {
    for (const auto& f : fields) {
      if (f.name == key) return &f;
    }
    return nullptr;
  };
  for (const auto& [key, value] : s.config.items()) {
    const ParamSpec* spec = find(key);
    if (!spec) {
      std::vector<std::string> names;
      for (const auto& f : fields) names.push_back(f.name);
      throw InvalidInput(At(d, FieldLine(s, key)) + "step '" + s.name + "': unknown field '" + key + "' for type '" +
                         s.type + "' (valid: " + Join(names) + ", depends_on, cache, retry, timeout_seconds)");
    }
    if (value.is_null() || HoldsExpression(value)) continue;
    CheckParamValue(*spec, value, At(d, FieldLine(s, key)) + "step '" + s.name + "': field '" + key + "'");
  }
  for (const auto& f : fields) {
    if (f.required && (!s.config.contains(f.name) || s.config[f.name].is_null())) {
      throw InvalidInput(At(d, s.line) + "step '" + s.name + "' (" + s.type + ") needs the field '" + f.name + "' (" +
                         f.description + ")");
    }
  }
}

// Every ${...} in the step's fields names a declared parameter, another step
// and one of its outputs, or the execution id; referenced steps become deps.
void CheckReferences(const PipelineDefinition& d, const StepDef& s, const StepTypeRegistry& registry,
                     std::vector<std::string>* deps) {
  for (const auto& [key, value] : s.config.items()) {
    const std::string where = At(d, FieldLine(s, key)) + "step '" + s.name + "': ";
    std::vector<Reference> refs;
    CollectReferences(value, where, &refs);
    for (const auto& ref : refs) {
      if (ref.kind == Reference::Kind::kParam) {
        if (!d.FindParameter(ref.name)) {
          std::vector<std::string> params;
          for (const auto& p : d.parameters) params.push_back(p.name);
          throw InvalidInput(where + ref.text + " names an unknown parameter '" + ref.name +
                             "' (parameters: " + (params.empty() ? "none" : Join(params)) + ")");
        }
      } else if (ref.kind == Reference::Kind::kExecution) {
        if (ref.name != "id") throw InvalidInput(where + ref.text + ": the only execution field is 'id'");
      } else {
        const StepDef* target = d.FindStep(ref.name);
        if (!target) throw InvalidInput(where + ref.text + " names an unknown step '" + ref.name + "'");
        if (target->name == s.name) throw InvalidInput(where + ref.text + " refers to the step itself");
        const StepType* ttype = registry.Find(target->type);
        if (ttype) {
          if (auto outs = ttype->Outputs(target->config)) {
            if (std::find(outs->begin(), outs->end(), ref.path[0]) == outs->end()) {
              throw InvalidInput(where + ref.text + ": step '" + target->name + "' (" + target->type +
                                 ") has no output '" + ref.path[0] +
                                 "' (outputs: " + (outs->empty() ? "none" : Join(*outs)) + ")");
            }
          }
        }
        AddDep(deps, target->name);
      }
    }
  }
}

// The steps `s` decides about exist, are not `s`, and have no other decider;
// each waits for `s`.
void CheckDecided(const PipelineDefinition& d, const StepDef& s, const StepType& type, PipelineGraph* g) {
  for (const auto& [field, name] : type.DecidedSteps(s.config)) {
    const std::string where = At(d, FieldLine(s, field)) + "step '" + s.name + "': ";
    if (!d.FindStep(name)) throw InvalidInput(where + "'" + field + "' names an unknown step '" + name + "'");
    if (name == s.name) throw InvalidInput(where + "'" + field + "' cannot name the step itself");
    if (auto it = g->decided_by.find(name); it != g->decided_by.end()) {
      throw InvalidInput(where + "step '" + name + "' is already run or skipped by step '" + it->second + "'");
    }
    g->decided_by[name] = s.name;
    AddDep(&g->deps[name], s.name);
  }
}

// Depth-first search in file order, reporting a cycle's path.
void OrderSteps(const PipelineDefinition& d, PipelineGraph* g) {
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    stack.push_back(n);
    for (const auto& dep : g->deps[n]) {
      if (state[dep] == 1) {
        std::string path;
        auto it = std::find(stack.begin(), stack.end(), dep);
        for (; it != stack.end(); ++it) path += *it + " -> ";
        path += dep;
        throw InvalidInput(At(d, d.FindStep(n)->line) + "steps form a cycle: " + path);
      }
      if (state[dep] == 0) visit(dep);
    }
    stack.pop_back();
    state[n] = 2;
    g->order.push_back(n);
  };
  for (const auto& s : d.steps) {
    if (state[s.name] == 0) visit(s.name);
  }
}

}  // namespace

PipelineGraph CheckDefinition(const PipelineDefinition& d, const StepTypeRegistry& registry) {
  PipelineGraph g;
  for (const auto& s : d.steps) g.deps[s.name];

  for (const auto& s : d.steps) {
    const StepType& type = registry.Get(s.type, At(d, s.line) + "step '" + s.name + "': ");
    CheckFields(d, s, type);
    type.CheckConfig(s.config, At(d, s.line) + "step '" + s.name + "': ");
    std::vector<std::string>& deps = g.deps[s.name];
    for (const auto& dep : s.depends_on) {
      if (!d.FindStep(dep)) {
        throw InvalidInput(At(d, s.line) + "step '" + s.name + "': depends_on names an unknown step '" + dep + "'");
      }
      if (dep == s.name) throw InvalidInput(At(d, s.line) + "step '" + s.name + "' depends on itself");
      AddDep(&deps, dep);
    }
    CheckReferences(d, s, registry, &deps);
  }
  for (const auto& s : d.steps) CheckDecided(d, s, registry.Get(s.type), &g);
  OrderSteps(d, &g);
  return g;
}

}  // namespace tabpilot
