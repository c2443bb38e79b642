#include "serve/server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>

namespace tabpilot {

struct ServerMetrics::Impl {
  // Request metrics live in `registry` for the process's life; the model
  // gauges are rebuilt in `snapshot` at each scrape (models come and go).
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("tabpilot_requests_total")
                                                          .Help("HTTP requests answered, by endpoint, route and status")
                                                          .Register(registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("tabpilot_request_duration_seconds")
          .Help("Time from a request's arrival to its answer, by endpoint and route")
          .Register(registry);
  prometheus::Family<prometheus::Counter>& rows = prometheus::BuildCounter()
                                                      .Name("tabpilot_rows_predicted_total")
                                                      .Help("Rows predicted, by endpoint")
                                                      .Register(registry);
  std::mutex scrape_mutex;  // one scrape at a time
};

namespace {

// Latency buckets: 50 us to 10 s.
const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

}  // namespace

ServerMetrics::ServerMetrics() : impl_(std::make_unique<Impl>()) {}
ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::Request(const std::string& endpoint, const std::string& route, int status, double seconds) {
  impl_->requests.Add({{"endpoint", endpoint}, {"route", route}, {"status", std::to_string(status)}}).Increment();
  impl_->latency.Add({{"endpoint", endpoint}, {"route", route}}, Buckets()).Observe(seconds);
}

void ServerMetrics::RowsPredicted(const std::string& endpoint, size_t rows) {
  impl_->rows.Add({{"endpoint", endpoint}}).Increment(static_cast<double>(rows));
}

std::string ServerMetrics::Scrape(const std::vector<ModelManager::Summary>& endpoints, size_t open_connections) {
  const std::lock_guard<std::mutex> lock(impl_->scrape_mutex);
  prometheus::Registry snapshot;
  auto& loaded = prometheus::BuildGauge()
                     .Name("tabpilot_model_loaded")
                     .Help("1 for the model each endpoint serves")
                     .Register(snapshot);
  auto& failures = prometheus::BuildCounter()
                       .Name("tabpilot_model_load_failures_total")
                       .Help("Models that failed to load, by endpoint (the endpoint kept its model)")
                       .Register(snapshot);
  auto& connections =
      prometheus::BuildGauge().Name("tabpilot_open_connections").Help("HTTP connections open").Register(snapshot);
  for (const ModelManager::Summary& e : endpoints) {
    if (e.model != nullptr) {
      const ServedModel::Identity& id = e.model->identity();
      loaded.Add({{"endpoint", e.endpoint}, {"model", id.model}, {"generation", std::to_string(id.generation)}}).Set(1);
    }
    failures.Add({{"endpoint", e.endpoint}}).Increment(static_cast<double>(e.load_failures));
  }
  connections.Add({}).Set(static_cast<double>(open_connections));
  std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
  for (prometheus::MetricFamily& f : snapshot.Collect()) families.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace tabpilot
