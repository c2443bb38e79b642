// Timestamps stored in the metadata store: ISO 8601 UTC text with
// milliseconds ("2024-05-01T12:34:56.789Z"). Text sorts chronologically and
// reads the same in SQLite and PostgreSQL.
#pragma once

#include <chrono>
#include <string>

namespace tabpilot {

// The current time (thread-safe).
std::string UtcTimestamp();

// Formats a point in time the same way.
std::string FormatUtcTimestamp(std::chrono::system_clock::time_point t);

// A new record id: "YYYYMMDD-HHMMSS-" (UTC, now) and 6 random hex digits, so
// ids sort by creation and two made in the same second differ.
std::string TimestampedId();

}  // namespace tabpilot
