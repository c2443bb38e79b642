// The background rows a bundle keeps for explanations (Bundle::background_csv):
// a seeded sample of the training rows' input columns, as a CSV that reads
// back with the bundle's input schema. Explanations measure from them (the
// linear members' means, the forests' covers, the sampled members'
// reference, explain/model_explainer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "data/schema.h"
#include "data/table.h"

namespace tabpilot {

// Rows a bundle keeps by default.
inline constexpr size_t kBackgroundRows = 200;

// Up to `rows` rows of `features` (in their order), the columns of `schema`
// (each must be in `features`), missing cells empty.
std::string BackgroundCsv(const Table& features, const Schema& schema, size_t rows, uint64_t seed);

}  // namespace tabpilot
