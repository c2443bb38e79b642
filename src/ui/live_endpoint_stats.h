// The endpoints' live figures for the UI, read from a running `tabpilot
// serve`'s /metrics (Prometheus text): per endpoint, requests answered and
// errors (status >= 400) since the server started, the request rate over
// the time since the previous read (the UI polls), and the median and 99th
// percentile latency from the duration histogram over that same window
// (since start on the first read). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "core/json.h"

namespace tabpilot {

class LiveEndpointStats {
 public:
  // `url`: http://HOST:PORT of the server. `metrics_text`, when set, gives
  // the /metrics text directly (the server the UI runs in).
  explicit LiveEndpointStats(std::string url, std::function<std::string()> metrics_text = {});

  // endpoint name -> {"url", "requests_total", "errors_total",
  // "requests_per_second", "latency_ms_p50", "latency_ms_p99"}; an empty
  // object when the server cannot be reached (the pages say so).
  Json Read();

  // The same from a /metrics text read at `now` (for tests).
  Json FromMetricsText(const std::string& text, std::chrono::steady_clock::time_point now);

  const std::string& url() const { return url_; }

 private:
  struct Sample {
    double requests = 0;
    std::map<double, double> buckets;  // le -> cumulative count
    std::chrono::steady_clock::time_point at;
  };
  std::string url_;
  std::function<std::string()> metrics_text_;
  std::mutex mutex_;
  std::map<std::string, Sample> previous_;
};

}  // namespace tabpilot
