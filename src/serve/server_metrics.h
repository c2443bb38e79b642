// The server's Prometheus metrics (GET /metrics), kept with the Prometheus
// client library (prometheus-cpp's core; included here only):
//   tabpilot_requests_total{endpoint, route, status}
//   tabpilot_request_duration_seconds{endpoint, route} (histogram)
//   tabpilot_rows_predicted_total{endpoint}
//   tabpilot_model_loaded{endpoint, model, generation} (1 per serving model)
//   tabpilot_model_load_failures_total{endpoint}
//   tabpilot_open_connections
// The last three are read from the model manager and the server when
// scraped. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve/model_manager.h"

namespace tabpilot {

class ServerMetrics {
 public:
  ServerMetrics();
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One answered request: its endpoint ("" when none), route (a fixed name
  // such as "invocations", never the raw path), status and duration.
  void Request(const std::string& endpoint, const std::string& route, int status, double seconds);
  void RowsPredicted(const std::string& endpoint, size_t rows);

  // The exposition text, with the manager's models and the connection count
  // as they are now.
  std::string Scrape(const std::vector<ModelManager::Summary>& endpoints, size_t open_connections);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabpilot
