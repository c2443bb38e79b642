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

}  // namespace

PipelineGraph CheckDefinition(const PipelineDefinition& d, const StepTypeRegistry& registry) {
  PipelineGraph g;
  for (const auto& s : d.steps) g.deps[s.name];

  for (const auto& s : d.steps) {
    const StepType& type = registry.Get(s.type, At(d, s.line) + "step '" + s.name + "': ");
    const std::vector<FieldSpec> fields = type.fields();
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    for (const auto& [key, value] : s.config.items()) {
      if (std::find(names.begin(), names.end(), key) == names.end()) {
        throw InvalidInput(At(d, FieldLine(s, key)) + "step '" + s.name + "': unknown field '" + key + "' for type '" +
                           s.type + "' (valid: " + Join(names) +
                           ", depends_on, cache, retry, timeout_seconds)");
      }
    }
    for (const auto& f : fields) {
      if (f.required && (!s.config.contains(f.name) || s.config[f.name].is_null())) {
        throw InvalidInput(At(d, s.line) + "step '" + s.name + "' (" + s.type + ") needs the field '" + f.name +
                           "' (" + f.description + ")");
      }
    }
    type.CheckConfig(s.config, At(d, s.line) + "step '" + s.name + "': ");

    std::vector<std::string>& deps = g.deps[s.name];
    for (const auto& dep : s.depends_on) {
      if (!d.FindStep(dep)) {
        throw InvalidInput(At(d, s.line) + "step '" + s.name + "': depends_on names an unknown step '" + dep + "'");
      }
      if (dep == s.name) throw InvalidInput(At(d, s.line) + "step '" + s.name + "' depends on itself");
      AddDep(&deps, dep);
    }
    for (const auto& [key, value] : s.config.items()) {
      if (key == "then" || key == "else") continue;
      const std::string where = At(d, FieldLine(s, key)) + "step '" + s.name + "': ";
      std::vector<Reference> refs;
      CollectReferences(value, where, &refs);
      for (const auto& ref : refs) {
        if (ref.kind == Reference::Kind::kParam) {
          if (!d.FindParameter(ref.name)) {
            std::vector<std::string> params;
            for (const auto& p : d.parameters) params.push_back(p.name);
            throw InvalidInput(where + ref.text + " names an unknown parameter '" + ref.name + "' (parameters: " +
                               (params.empty() ? "none" : Join(params)) + ")");
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
                                   ") has no output '" + ref.path[0] + "' (outputs: " +
                                   (outs->empty() ? "none" : Join(*outs)) + ")");
              }
            }
          }
          AddDep(&deps, target->name);
        }
      }
    }
  }

  // Branches: each listed step must exist and belong to one branch only.
  for (const auto& s : d.steps) {
    for (const char* key : {"then", "else"}) {
      if (!s.config.contains(key)) continue;
      const Json& list = s.config[key];
      if (!list.is_array()) throw InvalidInput(At(d, FieldLine(s, key)) + "'" + key + "' must be a list of step names");
      for (const auto& item : list) {
        const std::string name = item.is_string() ? item.get<std::string>() : item.dump();
        const std::string where = At(d, FieldLine(s, key)) + "step '" + s.name + "': ";
        if (!d.FindStep(name)) throw InvalidInput(where + "'" + key + "' names an unknown step '" + name + "'");
        if (name == s.name) throw InvalidInput(where + "a condition cannot list itself in '" + key + "'");
        if (g.branch_of.count(name)) {
          throw InvalidInput(where + "step '" + name + "' is already in the branch of condition '" +
                             g.branch_of[name].first + "'");
        }
        g.branch_of[name] = {s.name, std::string(key) == "then"};
        AddDep(&g.deps[name], s.name);
      }
    }
  }

  // Cycles: depth-first search, reporting the cycle's path.
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& n) {
    state[n] = 1;
    stack.push_back(n);
    for (const auto& dep : g.deps[n]) {
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
    g.order.push_back(n);
  };
  for (const auto& s : d.steps) {
    if (state[s.name] == 0) visit(s.name);
  }
  return g;
}

}  // namespace tabpilot
