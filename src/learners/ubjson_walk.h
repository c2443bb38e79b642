// A strict, bounds-checked reader for the UBJSON that XGBoost writes, so that
// model bytes are proven well-formed before libxgboost parses them.
//
// Why our own: XGBoost 1.7's UBJSON reader trusts every length and count it
// reads (a forged string length or array count makes it read past the
// buffer), and the checksum in front of a tabpilot model can be recomputed by
// anyone. UbjDocument::Parse accepts only the subset XGBoost writes and its
// reader parses the same way, so bytes that pass here keep XGBoost inside the
// buffer:
//   values      Z T F  i U I l L (big-endian integers)  d D (floats)
//               S L <int64 length> <bytes>              (string)
//   arrays      [ values... ]                           (open, ends with ']')
//               [ # L <int64 count> values...           (counted, no end marker)
//               [ $ <d|U|l|L> # L <int64 count> <payload> (typed, no end marker)
//   objects     { (L <int64 length> <key bytes> value)... }
// Anything else (unknown markers, 'N' no-ops, 'H' big numbers, 'C' chars,
// lengths in other integer types, optimized objects) is rejected, as are
// negative or oversized lengths and counts, nesting deeper than max_depth,
// more values than the bytes can plausibly hold, duplicate keys in an object
// (XGBoost keeps the first, a check reading the last would see another
// model) and bytes after the top-level value.
//
// The result is a flat pre-order list of nodes whose strings and typed-array
// payloads are views into the parsed bytes (which must outlive the document).
// A document is an immutable value: safe to read from several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tabpilot {

struct UbjNode {
  enum class Kind : uint8_t { kNull, kBool, kInt, kFloat, kString, kArray, kTypedArray, kObject };
  Kind kind = Kind::kNull;
  // The value's marker ('i', 'd', 'S', ...); for typed arrays the element's.
  char marker = 0;
  size_t offset = 0;       // byte offset of the value's first byte, for messages
  size_t end = 0;          // index one past this node's last descendant
  size_t count = 0;        // members of an object, elements of an array
  std::string_view key;    // the member's name when the parent is an object
  std::string_view bytes;  // a scalar's big-endian bytes, a string's text, a typed array's payload
};

struct UbjLimits {
  // Containers nested deeper than this are rejected (XGBoost's reader
  // recurses once per level; its models nest about 7 deep).
  size_t max_depth = 64;
  // At most one value per this many input bytes (plus a few): bounds the
  // memory of this document and of XGBoost's own tree of values. A real
  // model spends tens of bytes per value (keys, typed arrays).
  size_t min_bytes_per_value = 4;
};

class UbjDocument {
 public:
  // Parses `bytes` (which must outlive the document). Throws
  // InvalidInput("<error_prefix>: UBJSON byte <offset>: <what>") on anything
  // outside the grammar above.
  static UbjDocument Parse(std::string_view bytes, std::string_view error_prefix, const UbjLimits& limits = {});

  const UbjNode& root() const { return nodes_.front(); }
  size_t size() const { return nodes_.size(); }

  // The children of an array or object, in order (empty for other kinds).
  std::vector<const UbjNode*> Children(const UbjNode& node) const;
  // The member of `object` named `key`; nullptr when absent or not an object.
  const UbjNode* Find(const UbjNode& object, std::string_view key) const;

  // Scalar values. Int: kInt nodes; Float: kFloat or kInt nodes.
  static int64_t Int(const UbjNode& node);
  static double Float(const UbjNode& node);
  // Element `i` (< node.count) of a typed array; IntAt for 'U', 'l', 'L'
  // elements, FloatAt for 'd' ones.
  static int64_t IntAt(const UbjNode& node, size_t i);
  static double FloatAt(const UbjNode& node, size_t i);

 private:
  std::vector<UbjNode> nodes_;
  friend class UbjParser;
};

}  // namespace tabpilot
