#include "metrics/metric_registry.h"

#include "core/error.h"

namespace tabpilot {

MetricRegistry MetricRegistry::WithBuiltins() {
  MetricRegistry r;
  RegisterBuiltinMetrics(r);
  return r;
}

void MetricRegistry::Register(std::unique_ptr<Metric> metric) {
  if (!metric) throw Internal("null metric registered");
  std::string name = metric->name();
  if (metrics_.count(name)) throw Internal("metric registered twice: " + name);
  metrics_.emplace(std::move(name), std::move(metric));
}

const Metric& MetricRegistry::Get(const std::string& name) const {
  auto it = metrics_.find(name);
  if (it == metrics_.end()) {
    std::string valid;
    for (const auto& [n, m] : metrics_) valid += (valid.empty() ? "" : ", ") + n;
    throw InvalidInput("unknown metric '" + name + "' (valid: " + valid + ")");
  }
  return *it->second;
}

std::vector<std::string> MetricRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [n, m] : metrics_) out.push_back(n);
  return out;
}

std::vector<std::string> MetricRegistry::NamesFor(Task task) const {
  std::vector<std::string> out;
  for (const auto& [n, m] : metrics_) {
    if (m->supports(task)) out.push_back(n);
  }
  return out;
}

}  // namespace tabpilot
