// The forms of a trained ensemble a bundle may hold, and which one a load
// serves. "bagged": each member's fold models, averaged (the ensemble, its
// stack and its threshold were chosen on their out-of-fold predictions).
// "full": each member refit once on every training row (train's refit, see
// automl/member_refit.h), one model instead of k, so k times cheaper to load
// and serve. A member without a refit model (one model on all rows already,
// or its refit missed the deadline) serves its fold models in both forms.
#pragma once

#include <string>
#include <string_view>

#include "core/json.h"

namespace tabpilot {

// kDefault asks for the form the bundle names as its default.
enum class BundleForm { kDefault, kBagged, kFull };

// "default", "bagged" or "full".
const char* BundleFormName(BundleForm form);

// Parses "default", "bagged" or "full". Throws InvalidInput naming `what`
// (e.g. "--form") and the valid names otherwise.
BundleForm ParseBundleForm(std::string_view text, const std::string& what);

// Which forms a bundle holds and which one it serves unless told.
struct BundleForms {
  bool bagged = true;
  bool full = false;
  BundleForm default_form = BundleForm::kBagged;  // never kDefault

  // Whether the bundle holds `form` (kDefault: always).
  bool Has(BundleForm form) const;
  // The form a load asking for `requested` serves: the default form for
  // kDefault. Throws InvalidInput ("has no full form (it holds: bagged)")
  // when the bundle does not hold it.
  BundleForm Resolve(BundleForm requested) const;
  // "bagged, full": the forms held, for messages.
  std::string ListText() const;
  // The manifest's "forms" array, e.g. ["bagged", "full"].
  Json NamesJson() const;
  // Throws Internal unless at least one form is held and the default is one of them.
  void Check() const;

  // The forms a manifest of `format_version` declares: before format 3 only
  // the bagged form; from 3 its "forms" (distinct known names, at least one)
  // and "default_form" (one of them). Throws InvalidInput for bad values.
  static BundleForms FromManifest(const Json& manifest, int format_version);
};

}  // namespace tabpilot
