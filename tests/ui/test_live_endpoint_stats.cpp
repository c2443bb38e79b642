// The endpoints' live figures from a server's /metrics text: totals, errors,
// the rate between two reads and the latency quantiles of that window.
#include <gtest/gtest.h>

#include "ui/live_endpoint_stats.h"

namespace tabpilot {
namespace {

std::string Metrics(int ok, int bad, int fast, int slow) {
  // `fast` requests under 1 ms, `slow` ones between 10 and 25 ms.
  const int total = ok + bad;
  std::string t = "# HELP tabpilot_requests_total x\n";
  t += "tabpilot_requests_total{endpoint=\"a\",route=\"invocations\",status=\"200\"} " + std::to_string(ok) + "\n";
  t += "tabpilot_requests_total{endpoint=\"a\",route=\"invocations\",status=\"400\"} " + std::to_string(bad) + "\n";
  t += "tabpilot_request_duration_seconds_bucket{endpoint=\"a\",route=\"invocations\",le=\"0.001\"} " +
       std::to_string(fast) + "\n";
  t += "tabpilot_request_duration_seconds_bucket{endpoint=\"a\",route=\"invocations\",le=\"0.01\"} " +
       std::to_string(fast) + "\n";
  t += "tabpilot_request_duration_seconds_bucket{endpoint=\"a\",route=\"invocations\",le=\"0.025\"} " +
       std::to_string(fast + slow) + "\n";
  t += "tabpilot_request_duration_seconds_bucket{endpoint=\"a\",route=\"invocations\",le=\"+Inf\"} " +
       std::to_string(total) + "\n";
  t += "tabpilot_open_connections 3\n";
  return t;
}

TEST(LiveEndpointStats, RateAndLatencyOverTheWindowBetweenReads) {
  LiveEndpointStats stats("http://127.0.0.1:1");
  const auto t0 = std::chrono::steady_clock::now();
  Json first = stats.FromMetricsText(Metrics(90, 10, 100, 0), t0);
  ASSERT_TRUE(first.contains("a"));
  EXPECT_EQ(first["a"]["requests_total"], 100.0);
  EXPECT_EQ(first["a"]["errors_total"], 10.0);
  EXPECT_TRUE(first["a"]["requests_per_second"].is_null());  // one read: no rate yet
  EXPECT_LE(first["a"]["latency_ms_p50"].get<double>(), 1.0);

  // 2 s later: 100 more requests, all slow.
  const Json second = stats.FromMetricsText(Metrics(190, 10, 100, 100), t0 + std::chrono::seconds(2));
  EXPECT_NEAR(second["a"]["requests_per_second"].get<double>(), 50.0, 1e-9);
  const double p50 = second["a"]["latency_ms_p50"].get<double>();
  EXPECT_GT(p50, 10.0);
  EXPECT_LT(p50, 25.0);
  EXPECT_LE(second["a"]["latency_ms_p99"].get<double>(), 25.0);
  EXPECT_GE(second["a"]["latency_ms_p99"].get<double>(), p50);
}

TEST(LiveEndpointStats, AnUnreachableServerGivesNothing) {
  LiveEndpointStats stats("http://127.0.0.1:1");
  EXPECT_TRUE(stats.Read().empty());
}

}  // namespace
}  // namespace tabpilot
