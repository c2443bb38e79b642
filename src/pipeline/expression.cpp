#include "pipeline/expression.h"

#include <cctype>
#include <charconv>

#include "core/error.h"

namespace tabpilot {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}

Reference ParseOne(const std::string& body, const std::string& text, const std::string& where) {
  std::vector<std::string> parts = Split(body, '.');
  for (const auto& p : parts) {
    if (p.empty()) throw InvalidInput(where + "malformed expression '" + text + "' (empty name between dots)");
    for (char c : p) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        throw InvalidInput(where + "malformed expression '" + text + "' (spaces are not allowed)");
      }
    }
  }
  Reference ref;
  ref.text = text;
  if (parts[0] == "params" && parts.size() == 2) {
    ref.kind = Reference::Kind::kParam;
    ref.name = parts[1];
  } else if (parts[0] == "execution" && parts.size() == 2) {
    ref.kind = Reference::Kind::kExecution;
    ref.name = parts[1];
  } else if (parts[0] == "steps" && parts.size() >= 3) {
    ref.kind = Reference::Kind::kStep;
    ref.name = parts[1];
    size_t first = 2;
    if (parts[2] == "outputs") {
      if (parts.size() < 4) throw InvalidInput(where + "expression '" + text + "' names no output after 'outputs'");
      first = 3;
    }
    ref.path.assign(parts.begin() + static_cast<std::ptrdiff_t>(first), parts.end());
  } else {
    throw InvalidInput(where + "malformed expression '" + text +
                       "' (expected ${params.NAME}, ${steps.STEP.outputs.NAME[.path]} or ${execution.id})");
  }
  return ref;
}

}  // namespace

std::vector<Reference> FindReferences(const std::string& s, const std::string& where) {
  std::vector<Reference> out;
  size_t pos = 0;
  while ((pos = s.find("${", pos)) != std::string::npos) {
    const size_t end = s.find('}', pos + 2);
    if (end == std::string::npos) throw InvalidInput(where + "unterminated expression in '" + s + "' (missing '}')");
    const std::string text = s.substr(pos, end - pos + 1);
    out.push_back(ParseOne(s.substr(pos + 2, end - pos - 2), text, where));
    pos = end + 1;
  }
  return out;
}

void CollectReferences(const Json& value, const std::string& where, std::vector<Reference>* out) {
  if (value.is_string()) {
    for (auto& r : FindReferences(value.get<std::string>(), where)) out->push_back(std::move(r));
  } else if (value.is_array() || value.is_object()) {
    for (const auto& item : value) CollectReferences(item, where, out);
  }
}

Json ResolveReference(const Reference& ref, const Json& scope, const std::string& where) {
  const char* root = ref.kind == Reference::Kind::kParam  ? "params"
                     : ref.kind == Reference::Kind::kStep ? "steps"
                                                          : "execution";
  const Json* node = nullptr;
  if (scope.contains(root) && scope[root].contains(ref.name)) node = &scope[root][ref.name];
  if (!node) {
    if (ref.kind == Reference::Kind::kStep) {
      throw InvalidInput(where + ref.text + ": step '" + ref.name + "' has no outputs (it has not run or was skipped)");
    }
    throw InvalidInput(where + ref.text + ": no " + (ref.kind == Reference::Kind::kParam ? "parameter" : "field") +
                       " '" + ref.name + "'");
  }
  std::string walked;
  for (const auto& key : ref.path) {
    walked += (walked.empty() ? "" : ".") + key;
    const Json* next = nullptr;
    if (node->is_object() && node->contains(key)) {
      next = &(*node)[key];
    } else if (node->is_array()) {
      // An index: digits only, parsed without overflow (std::stoul would throw out_of_range).
      size_t i = 0;
      const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), i);
      if (!key.empty() && ec == std::errc() && end == key.data() + key.size() && i < node->size()) {
        next = &(*node)[i];
      }
    }
    if (!next) throw InvalidInput(where + ref.text + ": step '" + ref.name + "' has no output '" + walked + "'");
    node = next;
  }
  return *node;
}

std::string ValueToText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string BindShellExpressions(const std::string& s, const Json& scope, const std::string& where,
                                 std::map<std::string, std::string>* env) {
  std::string out;
  size_t pos = 0;
  for (const auto& r : FindReferences(s, where)) {
    const size_t at = s.find(r.text, pos);
    const std::string name = "TABPILOT_VALUE_" + std::to_string(env->size() + 1);
    (*env)[name] = ValueToText(ResolveReference(r, scope, where));
    out += s.substr(pos, at - pos) + "${" + name + "}";
    pos = at + r.text.size();
  }
  return out + s.substr(pos);
}

Json ResolveExpressions(const Json& value, const Json& scope, const std::string& where) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    std::vector<Reference> refs = FindReferences(s, where);
    if (refs.empty()) return value;
    if (refs.size() == 1 && refs[0].text == s) return ResolveReference(refs[0], scope, where);
    std::string out;
    size_t pos = 0;
    for (const auto& r : refs) {
      const size_t at = s.find(r.text, pos);
      out += s.substr(pos, at - pos);
      out += ValueToText(ResolveReference(r, scope, where));
      pos = at + r.text.size();
    }
    out += s.substr(pos);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(ResolveExpressions(item, scope, where));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) out[k] = ResolveExpressions(v, scope, where);
    return out;
  }
  return value;
}

}  // namespace tabpilot
