// Non-cryptographic hashing for feature hashing, seeds and content fingerprints.
#pragma once

#include <cstdint>
#include <string_view>

namespace tabpilot {

// 64-bit FNV-1a. Stable across platforms and releases (it is saved in bundles).
uint64_t Fnv1a64(std::string_view data, uint64_t seed = 0xcbf29ce484222325ULL);

// SplitMix64 finalizer: mixes an integer into a well-distributed 64-bit value.
uint64_t Mix64(uint64_t x);

}  // namespace tabpilot
