#include "ui/live_endpoint_stats.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string_view>

#include "core/error.h"
#include "serve/http_client.h"

namespace tabpilot {
namespace {

// The value of label `name` in a `{a="x",b="y"}` label set, or "".
std::string Label(std::string_view labels, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  const size_t at = labels.find(key);
  if (at == std::string_view::npos) return "";
  const size_t start = at + key.size();
  const size_t end = labels.find('"', start);
  return end == std::string_view::npos ? "" : std::string(labels.substr(start, end - start));
}

// The latency (ms) below which `q` of the window's requests fell, by linear
// interpolation in the bucket holding it; NaN without requests.
double Quantile(const std::map<double, double>& window, double q) {
  double total = 0;
  for (const auto& [le, count] : window) total = std::max(total, count);
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  const double rank = q * total;
  double low = 0, below = 0;
  for (const auto& [le, count] : window) {
    if (count >= rank) {
      if (std::isinf(le)) return low * 1000.0;
      const double share = count > below ? (rank - below) / (count - below) : 1.0;
      return (low + share * (le - low)) * 1000.0;
    }
    low = le;
    below = count;
  }
  return low * 1000.0;
}

Json Number(double v) { return std::isfinite(v) ? Json(std::round(v * 1000.0) / 1000.0) : Json(nullptr); }

}  // namespace

LiveEndpointStats::LiveEndpointStats(std::string url, std::function<std::string()> metrics_text)
    : url_(std::move(url)), metrics_text_(std::move(metrics_text)) {}

Json LiveEndpointStats::Read() {
  if (metrics_text_) return FromMetricsText(metrics_text_(), std::chrono::steady_clock::now());
  HttpClientOptions options;
  options.timeout = std::chrono::milliseconds(500);
  try {
    const HttpResponse r = HttpCall("GET", url_ + "/metrics", {}, "", options);
    if (r.status != 200) return Json::object();
    return FromMetricsText(r.body, std::chrono::steady_clock::now());
  } catch (const Error&) {
    return Json::object();
  }
}

Json LiveEndpointStats::FromMetricsText(const std::string& text, std::chrono::steady_clock::time_point now) {
  std::map<std::string, Sample> current;
  std::map<std::string, double> errors;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t open = line.find('{');
    const size_t close = line.find('}');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    const std::string_view metric(line.data(), open);
    const std::string_view labels(line.data() + open, close - open + 1);
    const double value = std::strtod(line.c_str() + close + 1, nullptr);
    const std::string endpoint = Label(labels, "endpoint");
    if (endpoint.empty()) continue;
    if (metric == "tabpilot_requests_total") {
      current[endpoint].requests += value;
      if (std::atoi(Label(labels, "status").c_str()) >= 400) errors[endpoint] += value;
    } else if (metric == "tabpilot_request_duration_seconds_bucket") {
      const std::string le = Label(labels, "le");
      const double bound = le == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le.c_str(), nullptr);
      current[endpoint].buckets[bound] += value;  // summed over routes
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  Json out = Json::object();
  for (auto& [endpoint, sample] : current) {
    sample.at = now;
    std::map<double, double> window = sample.buckets;
    double rate = std::numeric_limits<double>::quiet_NaN();
    const auto before = previous_.find(endpoint);
    if (before != previous_.end() && sample.requests >= before->second.requests) {
      const double seconds = std::chrono::duration<double>(now - before->second.at).count();
      if (seconds > 0) rate = (sample.requests - before->second.requests) / seconds;
      bool has_window = false;
      for (auto& [le, count] : window) {
        const auto b = before->second.buckets.find(le);
        count -= b != before->second.buckets.end() ? b->second : 0.0;
        has_window = has_window || count > 0;
      }
      if (!has_window) window = sample.buckets;  // nothing new: the figures since start
    }
    out[endpoint] = {{"url", url_},
                     {"requests_total", sample.requests},
                     {"errors_total", errors[endpoint]},
                     {"requests_per_second", Number(rate)},
                     {"latency_ms_p50", Number(Quantile(window, 0.5))},
                     {"latency_ms_p99", Number(Quantile(window, 0.99))}};
    previous_[endpoint] = sample;
  }
  return out;
}

}  // namespace tabpilot
