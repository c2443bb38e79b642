#include "model/bundle_form.h"

#include "core/error.h"

namespace tabpilot {

const char* BundleFormName(BundleForm form) {
  switch (form) {
    case BundleForm::kDefault:
      return "default";
    case BundleForm::kBagged:
      return "bagged";
    case BundleForm::kFull:
      return "full";
  }
  return "default";
}

BundleForm ParseBundleForm(std::string_view text, const std::string& what) {
  for (BundleForm form : {BundleForm::kDefault, BundleForm::kBagged, BundleForm::kFull}) {
    if (text == BundleFormName(form)) return form;
  }
  throw InvalidInput(what + " '" + std::string(text) + "' is not a model form (default, bagged, full)");
}

bool BundleForms::Has(BundleForm form) const {
  switch (form) {
    case BundleForm::kDefault:
      return true;
    case BundleForm::kBagged:
      return bagged;
    case BundleForm::kFull:
      return full;
  }
  return false;
}

BundleForm BundleForms::Resolve(BundleForm requested) const {
  if (requested == BundleForm::kDefault) return default_form;
  if (!Has(requested)) {
    throw InvalidInput(std::string("has no ") + BundleFormName(requested) + " form (it holds: " + ListText() + ")");
  }
  return requested;
}

std::string BundleForms::ListText() const {
  if (bagged && full) return "bagged, full";
  return bagged ? "bagged" : (full ? "full" : "none");
}

Json BundleForms::NamesJson() const {
  Json names = Json::array();
  if (bagged) names.push_back(BundleFormName(BundleForm::kBagged));
  if (full) names.push_back(BundleFormName(BundleForm::kFull));
  return names;
}

void BundleForms::Check() const {
  if (!bagged && !full) throw Internal("a model bundle must hold at least one form");
  if (default_form == BundleForm::kDefault || !Has(default_form)) {
    throw Internal(std::string("the bundle's default form '") + BundleFormName(default_form) +
                   "' is not one of its forms (" + ListText() + ")");
  }
}

BundleForms BundleForms::FromManifest(const Json& manifest, int format_version) {
  BundleForms forms;
  if (format_version < 3) return forms;
  const Json& names = manifest.at("forms");
  if (!names.is_array() || names.empty() || names.size() > 2) throw InvalidInput("'forms' is not a list of forms");
  forms.bagged = false;
  for (const Json& name : names) {
    if (!name.is_string()) throw InvalidInput("'forms' is not a list of forms");
    const BundleForm form = ParseBundleForm(name.get<std::string>(), "'forms' entry");
    if (form == BundleForm::kDefault || forms.Has(form)) throw InvalidInput("'forms' lists a bad or repeated form");
    (form == BundleForm::kBagged ? forms.bagged : forms.full) = true;
  }
  const Json& default_form = manifest.at("default_form");
  if (!default_form.is_string()) throw InvalidInput("'default_form' is not a form name");
  forms.default_form = ParseBundleForm(default_form.get<std::string>(), "'default_form'");
  if (forms.default_form == BundleForm::kDefault || !forms.Has(forms.default_form)) {
    throw InvalidInput("'default_form' is not one of the bundle's forms");
  }
  return forms;
}

}  // namespace tabpilot
