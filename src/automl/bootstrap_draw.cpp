#include "automl/bootstrap_draw.h"

#include <unordered_map>

#include "core/error.h"

namespace tabpilot {

BootstrapDraw::BootstrapDraw(const std::vector<uint32_t>& groups, size_t rows) : rows_(rows) {
  if (!groups.empty() && groups.size() != rows) throw Internal("bootstrap: one group id per row is needed");
  std::unordered_map<uint32_t, size_t> unit_of;
  for (size_t row = 0; row < groups.size(); ++row) {
    const auto [it, added] = unit_of.try_emplace(groups[row], units_.size());
    if (added) units_.emplace_back();
    units_[it->second].push_back(row);
  }
}

void BootstrapDraw::Draw(size_t draws, std::mt19937_64& rng, std::vector<size_t>& out) const {
  if (units() == 0) throw Internal("bootstrap: no rows to draw from");
  std::uniform_int_distribution<size_t> pick(0, units() - 1);
  for (size_t i = 0; i < draws; ++i) {
    const size_t unit = pick(rng);
    if (units_.empty()) {
      out.push_back(unit);
    } else {
      out.insert(out.end(), units_[unit].begin(), units_[unit].end());
    }
  }
}

}  // namespace tabpilot
