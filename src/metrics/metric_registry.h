// Registry of metrics by name. The built-ins are listed in one hand-written
// table (metric_list.cpp); there are no self-registering statics.
//
// A registry is immutable after WithBuiltins()/Register calls finish; lookups
// are then safe from several threads. Metrics are owned by the registry, so a
// `const Metric&` from Get lives as long as the registry.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metrics/metric.h"

namespace tabpilot {

class MetricRegistry {
 public:
  // A registry with every built-in metric (see metric_list.cpp).
  static MetricRegistry WithBuiltins();

  // Adds a metric; a duplicate name throws Internal.
  void Register(std::unique_ptr<Metric> metric);
  // Unknown name -> InvalidInput listing the valid ones.
  const Metric& Get(const std::string& name) const;
  // All names, sorted.
  std::vector<std::string> Names() const;
  // Names of the metrics that support `task`, sorted.
  std::vector<std::string> NamesFor(Task task) const;

 private:
  std::map<std::string, std::unique_ptr<Metric>> metrics_;
};

// Called by WithBuiltins(); defined in metric_list.cpp.
void RegisterBuiltinMetrics(MetricRegistry& registry);

}  // namespace tabpilot
