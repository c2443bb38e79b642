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

}  // namespace

Params Params::Validate(const std::vector<ParamSpec>& specs, const Json& given, const std::string& owner) {
  if (!given.is_null() && !given.is_object()) throw InvalidInput(owner + ": parameters must be a JSON object");
  Params p;
  if (given.is_object()) {
    for (auto it = given.begin(); it != given.end(); ++it) {
      bool known = false;
      for (const auto& s : specs) known = known || s.name == it.key();
      if (!known) {
        throw InvalidInput(owner + ": unknown parameter '" + it.key() + "' (valid: " + ValidNames(specs) + ")");
      }
    }
  }
  for (const auto& s : specs) {
    Json v = (given.is_object() && given.contains(s.name)) ? given.at(s.name) : s.default_value;
    const std::string where = owner + ": parameter '" + s.name + "'";
    switch (s.kind) {
      case ParamSpec::Kind::kInt: {
        if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) v = v.get<long long>();
        if (!v.is_number_integer()) throw InvalidInput(where + " must be an integer");
        double d = static_cast<double>(v.get<long long>());
        if (d < s.min || d > s.max) {
          throw InvalidInput(where + " = " + v.dump() + " is out of range [" + Json(s.min).dump() + ", " +
                             Json(s.max).dump() + "]");
        }
        break;
      }
      case ParamSpec::Kind::kFloat: {
        if (!v.is_number()) throw InvalidInput(where + " must be a number");
        double d = v.get<double>();
        if (!(d >= s.min && d <= s.max)) {
          throw InvalidInput(where + " = " + v.dump() + " is out of range [" + Json(s.min).dump() + ", " +
                             Json(s.max).dump() + "]");
        }
        v = d;
        break;
      }
      case ParamSpec::Kind::kBool:
        if (!v.is_boolean()) throw InvalidInput(where + " must be true or false");
        break;
      case ParamSpec::Kind::kString: {
        if (!v.is_string()) throw InvalidInput(where + " must be a string");
        if (!s.choices.empty()) {
          bool ok = false;
          std::string list;
          for (const auto& c : s.choices) {
            ok = ok || c == v.get<std::string>();
            list += (list.empty() ? "" : ", ") + c;
          }
          if (!ok) throw InvalidInput(where + " = " + v.dump() + " is not one of: " + list);
        }
        break;
      }
    }
    p.values_[s.name] = v;
  }
  return p;
}

long long Params::Int(const std::string& name) const { return values_.at(name).get<long long>(); }
double Params::Float(const std::string& name) const { return values_.at(name).get<double>(); }
bool Params::Bool(const std::string& name) const { return values_.at(name).get<bool>(); }
std::string Params::String(const std::string& name) const { return values_.at(name).get<std::string>(); }

}  // namespace tabpilot
