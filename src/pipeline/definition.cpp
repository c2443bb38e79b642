#include "pipeline/definition.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/sha256.h"
#include "pipeline/yaml_guard.h"

namespace tabpilot {
namespace fs = std::filesystem;

namespace {

// Builds "file:line: message" errors for one definition file.
class Reporter {
 public:
  explicit Reporter(std::string source) : source_(std::move(source)) {}
  size_t Line(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    return mark.is_null() || mark.line < 0 ? 0 : static_cast<size_t>(mark.line) + 1;
  }
  std::string At(size_t line) const { return Where(source_, line, "") + ": "; }
  std::string At(const YAML::Node& node) const { return At(Line(node)); }
  [[noreturn]] void Fail(const YAML::Node& node, const std::string& message) const {
    throw InvalidInput(At(node) + message);
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

std::optional<int64_t> ParseInt(const std::string& s) {
  int64_t v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e || b == e) return std::nullopt;
  return v;
}

std::optional<double> ParseFloat(const std::string& s) {
  double v = 0;
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || ptr != e || b == e || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<bool> ParseBool(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// YAML -> JSON. Plain scalars that read as int/float/bool/null are typed;
// quoted scalars ("0.5", 'yes') stay strings.
Json ToJson(const YAML::Node& node, const Reporter& r) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?") {
        if (s == "~" || s == "null") return nullptr;
        if (auto b = ParseBool(s)) return *b;
        if (auto i = ParseInt(s)) return *i;
        if (auto f = ParseFloat(s)) return *f;
      }
      return s;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& item : node) out.push_back(ToJson(item, r));
      return out;
    }
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : node) {
        const std::string key = kv.first.Scalar();
        if (out.contains(key)) r.Fail(kv.first, "duplicate key '" + key + "'");
        out[key] = ToJson(kv.second, r);
      }
      return out;
    }
  }
  return nullptr;
}

void RequireMap(const YAML::Node& node, const Reporter& r, const std::string& what) {
  if (!node.IsMap()) r.Fail(node, what + " must be a mapping of key: value");
}

std::string RequireString(const YAML::Node& node, const Reporter& r, const std::string& what) {
  if (!node.IsScalar() || node.Scalar().empty()) r.Fail(node, what + " must be a non-empty string");
  return node.Scalar();
}

double RequireNumber(const YAML::Node& node, const Reporter& r, const std::string& what) {
  std::optional<double> v;
  if (node.IsScalar()) v = ParseFloat(node.Scalar());
  if (!v) r.Fail(node, what + " must be a number");
  return *v;
}

bool RequireBool(const YAML::Node& node, const Reporter& r, const std::string& what) {
  std::optional<bool> v;
  if (node.IsScalar()) v = ParseBool(node.Scalar());
  if (!v) r.Fail(node, what + " must be true or false");
  return *v;
}

bool ValidName(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

ParamType ParseParamType(const YAML::Node& node, const Reporter& r) {
  const std::string t = RequireString(node, r, "parameter type");
  if (t == "string") return ParamType::kString;
  if (t == "int" || t == "integer") return ParamType::kInt;
  if (t == "float" || t == "number") return ParamType::kFloat;
  if (t == "bool" || t == "boolean") return ParamType::kBool;
  r.Fail(node, "unknown parameter type '" + t + "' (valid: string, int, float, bool)");
}

std::vector<ParameterDef> ParseParameters(const YAML::Node& node, const Reporter& r) {
  std::vector<ParameterDef> out;
  if (!node || node.IsNull()) return out;
  RequireMap(node, r, "'parameters'");
  for (const auto& kv : node) {
    ParameterDef p;
    p.name = kv.first.Scalar();
    p.line = r.Line(kv.first);
    if (!ValidName(p.name)) r.Fail(kv.first, "parameter name '" + p.name + "' must be letters, digits, '_' or '-'");
    for (const auto& other : out) {
      if (other.name == p.name) r.Fail(kv.first, "duplicate parameter '" + p.name + "'");
    }
    const YAML::Node& spec = kv.second;
    RequireMap(spec, r, "parameter '" + p.name + "'");
    bool has_type = false;
    YAML::Node default_node;
    bool has_default = false;
    for (const auto& field : spec) {
      const std::string key = field.first.Scalar();
      if (key == "type") {
        p.type = ParseParamType(field.second, r);
        has_type = true;
      } else if (key == "default") {
        default_node = field.second;
        has_default = true;
      } else if (key == "description") {
        p.description = field.second.IsScalar() ? field.second.Scalar() : "";
      } else {
        r.Fail(field.first,
               "unknown field '" + key + "' in parameter '" + p.name + "' (valid: type, default, description)");
      }
    }
    if (!has_type) r.Fail(kv.first, "parameter '" + p.name + "' needs a 'type' (string, int, float, bool)");
    if (has_default) {
      if (!default_node.IsScalar()) r.Fail(default_node, "default of '" + p.name + "' must be a single value");
      auto v = ParseTypedValue(p.type, default_node.Scalar());
      if (!v) {
        r.Fail(default_node, "default '" + default_node.Scalar() + "' of parameter '" + p.name + "' is not a " +
                                 ParamTypeName(p.type));
      }
      p.default_value = *v;
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<std::string> ParseNameList(const YAML::Node& node, const Reporter& r, const std::string& what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(RequireString(node, r, what));
    return out;
  }
  if (!node.IsSequence()) r.Fail(node, what + " must be a step name or a list of step names");
  for (const auto& item : node) out.push_back(RequireString(item, r, what + " entries"));
  return out;
}

CachePolicy ParseCache(const YAML::Node& node, const Reporter& r) {
  CachePolicy c;
  if (node.IsScalar()) {
    c.enabled = RequireBool(node, r, "'cache'");
    return c;
  }
  RequireMap(node, r, "'cache'");
  c.enabled = true;
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "enabled") {
      c.enabled = RequireBool(kv.second, r, "cache.enabled");
    } else if (key == "expire_after") {
      c.expire_after_seconds = ParseDuration(RequireString(kv.second, r, "cache.expire_after"), r.At(kv.second));
    } else {
      r.Fail(kv.first, "unknown field '" + key + "' in cache (valid: enabled, expire_after)");
    }
  }
  return c;
}

RetryPolicy ParseRetry(const YAML::Node& node, const Reporter& r) {
  RetryPolicy p;
  RequireMap(node, r, "'retry'");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (key == "max_attempts") {
      double v = RequireNumber(kv.second, r, "retry.max_attempts");
      if (v < 1 || v > 100 || v != std::floor(v))
        r.Fail(kv.second, "retry.max_attempts must be an integer from 1 to 100");
      p.max_attempts = static_cast<int>(v);
    } else if (key == "interval_seconds") {
      p.interval_seconds = RequireNumber(kv.second, r, "retry.interval_seconds");
      if (p.interval_seconds < 0) r.Fail(kv.second, "retry.interval_seconds must be 0 or more");
    } else if (key == "backoff_rate") {
      p.backoff_rate = RequireNumber(kv.second, r, "retry.backoff_rate");
      if (p.backoff_rate < 1) r.Fail(kv.second, "retry.backoff_rate must be 1 or more");
    } else {
      r.Fail(kv.first, "unknown field '" + key + "' in retry (valid: max_attempts, interval_seconds, backoff_rate)");
    }
  }
  return p;
}

void ParseStep(const YAML::Node& node, const Reporter& r, std::vector<StepDef>* steps);

// A list field with a step definition (a mapping with a `name` or a `type`)
// among its items: e.g. a condition's `then: [{name: Ship, type: ...}, Other]`.
bool HoldsInlineSteps(const YAML::Node& node) {
  if (!node.IsSequence()) return false;
  for (const auto& item : node) {
    if (item.IsMap() && (item["type"] || item["name"])) return true;
  }
  return false;
}

// Such a list becomes the list of step names: inline definitions are added to
// the pipeline's steps (after the step that holds them), names kept as given.
Json ParseInlineSteps(const YAML::Node& node, const Reporter& r, const std::string& what, std::vector<StepDef>* steps) {
  Json names = Json::array();
  for (const auto& item : node) {
    if (item.IsMap()) {
      ParseStep(item, r, steps);
      names.push_back(steps->back().name);
    } else {
      names.push_back(RequireString(item, r, what + " entries"));
    }
  }
  return names;
}

void ParseStep(const YAML::Node& node, const Reporter& r, std::vector<StepDef>* steps) {
  RequireMap(node, r, "each step");
  StepDef s;
  s.line = r.Line(node);
  // name and type first, so later errors can name the step.
  if (!node["name"]) r.Fail(node, "step needs a 'name'");
  s.name = RequireString(node["name"], r, "step 'name'");
  if (!ValidName(s.name)) r.Fail(node["name"], "step name '" + s.name + "' must be letters, digits, '_' or '-'");
  if (!node["type"]) r.Fail(node, "step '" + s.name + "' needs a 'type'");
  s.type = RequireString(node["type"], r, "step 'type'");
  const size_t index = steps->size();
  steps->push_back(StepDef{});  // reserve the position: inline steps come after the step holding them
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name" || key == "type") continue;
    if (key == "depends_on") {
      s.depends_on = ParseNameList(v, r, "'depends_on'");
    } else if (key == "cache") {
      s.cache = ParseCache(v, r);
    } else if (key == "retry") {
      s.retry = ParseRetry(v, r);
    } else if (key == "timeout_seconds") {
      s.timeout_seconds = RequireNumber(v, r, "'timeout_seconds'");
      if (s.timeout_seconds <= 0) r.Fail(v, "'timeout_seconds' must be more than 0");
    } else if (HoldsInlineSteps(v)) {
      s.config[key] = ParseInlineSteps(v, r, "'" + key + "'", steps);
      s.field_lines[key] = r.Line(kv.first);
    } else {
      // Type-specific: checked against the step type's declared fields later.
      s.config[key] = ToJson(v, r);
      s.field_lines[key] = r.Line(kv.first);
    }
  }
  (*steps)[index] = std::move(s);
}

}  // namespace

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInt:
      return "int";
    case ParamType::kFloat:
      return "float";
    case ParamType::kBool:
      return "bool";
  }
  return "string";
}

double RetryPolicy::WaitBefore(int attempt) const {
  if (attempt <= 1) return 0;
  return interval_seconds * std::pow(backoff_rate, attempt - 2);
}

const StepDef* PipelineDefinition::FindStep(const std::string& step_name) const {
  for (const auto& s : steps) {
    if (s.name == step_name) return &s;
  }
  return nullptr;
}

const ParameterDef* PipelineDefinition::FindParameter(const std::string& param_name) const {
  for (const auto& p : parameters) {
    if (p.name == param_name) return &p;
  }
  return nullptr;
}

std::optional<Json> ParseTypedValue(ParamType type, const std::string& text) {
  switch (type) {
    case ParamType::kString:
      return Json(text);
    case ParamType::kInt:
      if (auto v = ParseInt(text)) return Json(*v);
      return std::nullopt;
    case ParamType::kFloat:
      if (auto v = ParseFloat(text)) return Json(*v);
      return std::nullopt;
    case ParamType::kBool:
      if (auto v = ParseBool(text)) return Json(*v);
      return std::nullopt;
  }
  return std::nullopt;
}

double ParseDuration(const std::string& text, const std::string& where) {
  const std::string bad = where + "duration '" + text + "' is not a number with an optional unit s, m, h or d";
  if (text.empty()) throw InvalidInput(bad);
  double scale = 1;
  std::string number = text;
  switch (text.back()) {
    case 's':
      number.pop_back();
      break;
    case 'm':
      scale = 60;
      number.pop_back();
      break;
    case 'h':
      scale = 3600;
      number.pop_back();
      break;
    case 'd':
      scale = 86400;
      number.pop_back();
      break;
    default:
      break;
  }
  auto v = ParseFloat(number);
  if (!v || *v <= 0) throw InvalidInput(bad);
  return *v * scale;
}

PipelineDefinition ParseDefinition(const std::string& text, const std::string& source, const fs::path& base_dir,
                                   const InputLimits& limits) {
  Reporter r(source);
  CheckYamlText(text, source, limits);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const size_t line = e.mark.is_null() || e.mark.line < 0 ? 0 : static_cast<size_t>(e.mark.line) + 1;
    throw InvalidInput(r.At(line) + "malformed YAML: " + e.msg);
  }
  // Before any other walk: aliases must not expand without end.
  CheckYamlTree(root, source, limits);
  if (!root.IsMap())
    throw InvalidInput(r.At(root) + "a pipeline definition must be a mapping with name, parameters, steps");

  PipelineDefinition d;
  d.source = source;
  d.base_dir = fs::absolute(base_dir).lexically_normal();
  d.text = text;
  d.hash = Sha256Hex(text);
  YAML::Node steps_node;
  bool has_steps = false;
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (key == "name") {
      d.name = RequireString(kv.second, r, "'name'");
      if (!ValidName(d.name)) r.Fail(kv.second, "pipeline name '" + d.name + "' must be letters, digits, '_' or '-'");
    } else if (key == "description") {
      d.description = kv.second.IsScalar() ? kv.second.Scalar() : "";
    } else if (key == "parameters") {
      d.parameters = ParseParameters(kv.second, r);
    } else if (key == "steps") {
      steps_node = kv.second;
      has_steps = true;
    } else {
      r.Fail(kv.first, "unknown field '" + key + "' (valid: name, description, parameters, steps)");
    }
  }
  if (d.name.empty()) throw InvalidInput(r.At(root) + "the pipeline needs a 'name'");
  if (!has_steps || !steps_node.IsSequence() || steps_node.size() == 0) {
    throw InvalidInput(r.At(has_steps ? steps_node : root) + "'steps' must be a non-empty list");
  }
  for (const auto& item : steps_node) ParseStep(item, r, &d.steps);
  std::set<std::string> seen;
  for (const auto& s : d.steps) {
    if (!seen.insert(s.name).second) throw InvalidInput(r.At(s.line) + "duplicate step name '" + s.name + "'");
  }
  return d;
}

PipelineDefinition LoadDefinition(const fs::path& file, const InputLimits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw NotFound(file.string() + ": no such pipeline definition file");
  // Refused before reading; ParseDefinition checks the bytes read again.
  const uintmax_t size = fs::file_size(file, ec);
  if (!ec && size > limits.yaml_bytes) CheckYamlSize(size, file.string(), limits);
  const fs::path abs = fs::absolute(file);
  return ParseDefinition(ReadFile(file), file.string(), abs.parent_path(), limits);
}

Json ResolveParameters(const PipelineDefinition& definition, const std::vector<std::string>& overrides) {
  Json values = Json::object();
  for (const auto& p : definition.parameters) {
    if (p.default_value) values[p.name] = *p.default_value;
  }
  for (const auto& o : overrides) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0) throw InvalidInput("--param '" + o + "' must be NAME=VALUE");
    const std::string name = o.substr(0, eq);
    const std::string value = o.substr(eq + 1);
    const ParameterDef* p = definition.FindParameter(name);
    if (!p) {
      std::string names;
      for (const auto& q : definition.parameters) names += (names.empty() ? "" : ", ") + q.name;
      throw InvalidInput("--param " + name + ": pipeline '" + definition.name + "' has no parameter '" + name +
                         "' (parameters: " + (names.empty() ? "none" : names) + ")");
    }
    auto v = ParseTypedValue(p->type, value);
    if (!v) {
      throw InvalidInput("--param " + name + ": '" + value + "' is not a " + ParamTypeName(p->type) + " (" +
                         Where(definition.source, p->line, "") + " declares it " + ParamTypeName(p->type) + ")");
    }
    values[name] = *v;
  }
  for (const auto& p : definition.parameters) {
    if (!values.contains(p.name)) {
      throw InvalidInput(Where(definition.source, p.line, "") + ": parameter '" + p.name +
                         "' has no default; give it with --param " + p.name + "=VALUE");
    }
  }
  return values;
}

}  // namespace tabpilot
