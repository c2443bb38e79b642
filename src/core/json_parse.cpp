#include "core/json_parse.h"

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tabpilot {
namespace {

// Objects with at most this many keys find a key by a linear search (as
// Json's own map does); larger ones through a hash index of their keys.
constexpr size_t kLinearKeys = 16;

// A SAX handler that builds a Json as Json::parse does (a repeated key keeps
// its first place and its last value), but inserts an object's keys in
// amortized constant time instead of a linear search per key.
class OrderedDomBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  explicit OrderedDomBuilder(Json* root) : root_(root) {}

  bool null() { return Put(nullptr); }
  bool boolean(bool v) { return Put(v); }
  bool number_integer(number_integer_t v) { return Put(v); }
  bool number_unsigned(number_unsigned_t v) { return Put(v); }
  bool number_float(number_float_t v, const string_t&) { return Put(v); }
  bool string(string_t& v) { return Put(std::move(v)); }
  bool binary(binary_t& v) { return Put(Json::binary(std::move(v))); }
  bool start_object(std::size_t) {
    Push(Json::object());
    return true;
  }
  bool start_array(std::size_t) {
    Push(Json::array());
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }

  bool key(string_t& k) {
    Frame& f = stack_.back();
    Container& entries = f.value->get_ref<Json::object_t&>();
    size_t at = entries.size();
    if (entries.size() < kLinearKeys) {
      for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].first == k) at = i;
      }
    } else {
      if (f.index.empty()) {
        for (size_t i = 0; i < entries.size(); ++i) f.index.emplace(entries[i].first, i);
      }
      at = f.index.try_emplace(k, entries.size()).first->second;
    }
    if (at == entries.size()) entries.emplace_back(std::move(k), nullptr);
    f.slot = at;
    return true;
  }

  template <class Exception>
  bool parse_error(std::size_t, const std::string&, const Exception& ex) {
    throw ex;
  }

 private:
  using Container = Json::object_t::Container;
  struct Frame {
    Json* value = nullptr;                          // an object or array being filled
    size_t slot = 0;                                // object: the entry the next value goes to
    std::unordered_map<std::string, size_t> index;  // object: key -> entry, once it is large
  };

  // Where the next value goes: the root, the array's end or the object's slot.
  Json* Place(Json&& v) {
    if (stack_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    Frame& f = stack_.back();
    if (f.value->is_array()) {
      f.value->get_ref<Json::array_t&>().push_back(std::move(v));
      return &f.value->get_ref<Json::array_t&>().back();
    }
    Json& slot = static_cast<Container&>(f.value->get_ref<Json::object_t&>())[f.slot].second;
    slot = std::move(v);
    return &slot;
  }
  bool Put(Json v) {
    Place(std::move(v));
    return true;
  }
  void Push(Json&& container) {
    Frame f;
    f.value = Place(std::move(container));
    stack_.push_back(std::move(f));
  }

  Json* root_;
  std::vector<Frame> stack_;
};

}  // namespace

Json ParseJson(std::string_view text) {
  Json result;
  OrderedDomBuilder builder(&result);
  Json::sax_parse(text, &builder);
  return result;
}

}  // namespace tabpilot
