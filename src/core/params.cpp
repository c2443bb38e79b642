#include "core/params.h"

#include <cmath>

#include "core/error.h"

namespace tabpilot {
namespace {

std::string ValidNames(const std::vector<ParamSpec>& specs) {
  std::string out;
  for (const auto& s : specs) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

std::string RangeText(const ParamSpec& s) { return "[" + Json(s.min).dump() + ", " + Json(s.max).dump() + "]"; }

// Scalars as text: strings unquoted, numbers and booleans as written in JSON.
std::string ScalarText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool IsScalar(const Json& v) { return v.is_string() || v.is_number() || v.is_boolean(); }

Json CheckNumber(const ParamSpec& s, Json v, const std::string& where) {
  if (s.kind == ParamSpec::Kind::kInt) {
    if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) v = v.get<long long>();
    if (!v.is_number_integer()) throw InvalidInput(where + " must be an integer, got " + v.dump());
    const double d = static_cast<double>(v.get<long long>());
    if (d < s.min || d > s.max) throw InvalidInput(where + " = " + v.dump() + " is out of range " + RangeText(s));
    return v;
  }
  if (!v.is_number()) throw InvalidInput(where + " must be a number, got " + v.dump());
  const double d = v.get<double>();
  if (!(d >= s.min && d <= s.max)) throw InvalidInput(where + " = " + v.dump() + " is out of range " + RangeText(s));
  return d;
}

Json CheckString(const ParamSpec& s, const Json& v, const std::string& where) {
  if (!v.is_string()) throw InvalidInput(where + " must be a string, got " + v.dump());
  if (s.choices.empty()) return v;
  std::string list;
  for (const auto& c : s.choices) {
    if (c == v.get<std::string>()) return v;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw InvalidInput(where + " = " + v.dump() + " is not one of: " + list);
}

}  // namespace

const char* ParamKindName(ParamSpec::Kind kind) {
  switch (kind) {
    case ParamSpec::Kind::kInt:
      return "int";
    case ParamSpec::Kind::kFloat:
      return "float";
    case ParamSpec::Kind::kBool:
      return "bool";
    case ParamSpec::Kind::kString:
      return "string";
    case ParamSpec::Kind::kText:
      return "text";
    case ParamSpec::Kind::kPath:
      return "path";
    case ParamSpec::Kind::kStringList:
      return "list of strings";
    case ParamSpec::Kind::kStringMap:
      return "mapping";
    case ParamSpec::Kind::kJson:
      return "any";
  }
  return "any";
}

Json ParamBound(const ParamSpec& spec, double v) {
  return spec.kind == ParamSpec::Kind::kInt ? Json(static_cast<long long>(v)) : Json(v);
}

std::string ParamRangeText(const ParamSpec& spec) {
  if (spec.kind == ParamSpec::Kind::kInt || spec.kind == ParamSpec::Kind::kFloat) {
    return "[" + ParamBound(spec, spec.min).dump() + ", " + ParamBound(spec, spec.max).dump() + "]";
  }
  std::string out;
  for (const std::string& c : spec.choices) out += (out.empty() ? "" : " | ") + c;
  return out;
}

Json CheckParamValue(const ParamSpec& s, const Json& v, const std::string& where) {
  switch (s.kind) {
    case ParamSpec::Kind::kInt:
    case ParamSpec::Kind::kFloat:
      return CheckNumber(s, v, where);
    case ParamSpec::Kind::kBool:
      if (!v.is_boolean()) throw InvalidInput(where + " must be true or false, got " + v.dump());
      return v;
    case ParamSpec::Kind::kString:
      return CheckString(s, v, where);
    case ParamSpec::Kind::kText:
      if (!IsScalar(v)) throw InvalidInput(where + " must be a single value, got " + v.dump());
      return ScalarText(v);
    case ParamSpec::Kind::kPath:
      if (!v.is_string() || v.get<std::string>().empty()) {
        throw InvalidInput(where + " must be a file or folder path, got " + v.dump());
      }
      return v;
    case ParamSpec::Kind::kStringList: {
      if (v.is_string()) return Json::array({v});
      bool ok = v.is_array();
      if (ok) {
        for (const auto& item : v) ok = ok && item.is_string();
      }
      if (!ok) throw InvalidInput(where + " must be a list of strings, got " + v.dump());
      return v;
    }
    case ParamSpec::Kind::kStringMap: {
      if (!v.is_object()) throw InvalidInput(where + " must be a mapping of name: value, got " + v.dump());
      Json out = Json::object();
      for (const auto& [key, item] : v.items()) {
        if (!IsScalar(item)) throw InvalidInput(where + ": '" + key + "' must be a single value, got " + item.dump());
        out[key] = ScalarText(item);
      }
      return out;
    }
    case ParamSpec::Kind::kJson:
      return v;
  }
  return v;
}

Params Params::Validate(const std::vector<ParamSpec>& specs, const Json& given, const std::string& owner,
                        const std::string& noun) {
  if (!given.is_null() && !given.is_object()) throw InvalidInput(owner + ": " + noun + "s must be a JSON object");
  Params p;
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      bool known = false;
      for (const auto& s : specs) known = known || s.name == it.key();
      if (!known) {
        throw InvalidInput(owner + ": unknown " + noun + " '" + it.key() + "' (valid: " + ValidNames(specs) + ")");
      }
    }
  }
  for (const auto& s : specs) {
    const bool given_here = given.is_object() && given.contains(s.name) && !given.at(s.name).is_null();
    const std::string where = owner + ": " + noun + " '" + s.name + "'";
    if (!given_here && s.required) {
      throw InvalidInput(owner + ": missing required " + noun + " '" + s.name + "' (" + s.description + ")");
    }
    const Json& v = given_here ? given.at(s.name) : s.default_value;
    p.values_[s.name] = v.is_null() ? Json(nullptr) : CheckParamValue(s, v, where);
  }
  return p;
}

const Json& Params::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw Internal("no declared parameter '" + name + "'");
  return *it;
}

bool Params::Has(const std::string& name) const { return !Get(name).is_null(); }
long long Params::Int(const std::string& name) const { return Get(name).get<long long>(); }
double Params::Float(const std::string& name) const { return Get(name).get<double>(); }
bool Params::Bool(const std::string& name) const { return Get(name).get<bool>(); }
std::string Params::String(const std::string& name) const { return Get(name).get<std::string>(); }

std::vector<std::string> Params::StringList(const std::string& name) const {
  const Json& v = Get(name);
  return v.is_null() ? std::vector<std::string>{} : v.get<std::vector<std::string>>();
}

}  // namespace tabpilot
