// Shared by the server's request fuzzers: the schema they decode against (one
// column of each type) and what counts as a finding. A request the server
// rejects must give one of our typed errors (a 4xx); anything else escaping,
// a JSON library exception included (the server would answer 500), is a bug.
#pragma once

#include "core/error.h"
#include "data/schema.h"

namespace tabpilot::fuzz {

inline Schema RequestSchema() {
  Schema s;
  s.columns = {{"age", ColumnType::kNumeric, ""},
               {"job", ColumnType::kCategorical, ""},
               {"ok", ColumnType::kBoolean, ""},
               {"day", ColumnType::kDatetime, "iso8601"},
               {"note", ColumnType::kText, ""}};
  return s;
}

template <class Body>
int RunRequest(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) throw;
  }
  return 0;
}

}  // namespace tabpilot::fuzz
