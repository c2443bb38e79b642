// The checks that stand between hostile XGBoost model bytes and libxgboost:
// the strict UBJSON walk (ubjson_walk) and the model's structure
// (xgboost_model_check), on their own and through XgboostLearner::Load with
// the format's checksum recomputed, so that only the walk can stop them.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hash.h"
#include "learners/ubjson_walk.h"
#include "learners/xgboost_api.h"
#include "learners/xgboost_learner.h"
#include "learners/xgboost_model_check.h"
#include "support/task_labels.h"

namespace tabpilot {
namespace {

// ------------------------------------------------------------ model bytes

struct Fitted {
  std::string bytes;  // Model::Serialize(): magic, u32 header length, header, u64 checksum, UBJSON
  FitOptions options;
  size_t cols = 0;
  std::unique_ptr<Learner> learner;
};

// A small model of `task` on synthetic data; `categorical` makes column 0 a
// category code split natively.
Fitted Fit(Task task, int rounds, bool categorical = false, size_t cols = 5) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t rows = 600;
  Matrix x(rows, cols);
  std::vector<float> y(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < cols; ++c) x.at(r, c) = normal(rng);
    if (categorical) x.at(r, 0) = static_cast<float>(rng() % 9);
    const int code = static_cast<int>(x.at(r, 0));
    const float signal = categorical ? ((code == 1 || code == 4 || code == 6) ? 1.0f : -1.0f) : x.at(r, 0);
    const float z = signal + x.at(r, 1) + 0.3f * normal(rng);
    y[r] = testing::TaskLabel(task, z, -0.5f, 0.5f);
  }
  Fitted f;
  f.options.task = task;
  f.options.num_classes = task == Task::kMulticlass ? 3 : task == Task::kBinary ? 2 : 1;
  f.options.threads = 1;
  f.options.seed = 3;
  static const std::vector<size_t> kCategorical = {0};
  Json params = {{"n_estimators", rounds}, {"max_depth", 4}, {"early_stopping_rounds", 0}};
  if (categorical) {
    f.options.categorical_features = &kCategorical;
    params["enable_categorical"] = true;
    params["max_cat_to_onehot"] = 1;
  }
  f.learner = CreateXgboostLearner(params);
  const TrainData train{&x, &y, nullptr};
  f.bytes = f.learner->Fit(train, nullptr, f.options)->Serialize();
  f.cols = cols;
  return f;
}

size_t HeaderLength(const std::string& bytes) {
  size_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
  return n;
}

// The UBJSON part of a serialized model.
std::string ModelPart(const std::string& bytes) { return bytes.substr(12 + HeaderLength(bytes) + 8); }

// `bytes` with its UBJSON replaced by `model` and the checksum recomputed:
// what a forger does, so that only the walk can stop it.
std::string Reseal(const std::string& bytes, const std::string& model) {
  const size_t header_len = HeaderLength(bytes);
  const std::string header = bytes.substr(12, header_len);
  std::string out = bytes.substr(0, 12 + header_len);
  const uint64_t sum = Fnv1a64(model, Fnv1a64(header));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  return out + model;
}

std::string BigEndian(uint64_t v, int width) {
  std::string out;
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

// A UBJSON key as XGBoost writes it: 'L', int64 length, the bytes.
std::string Key(const std::string& k) { return "L" + BigEndian(k.size(), 8) + k; }

// Offset of the value of the `nth` (0-based) member named `key`.
size_t ValueOffset(const std::string& model, const std::string& key, int nth = 0) {
  size_t pos = 0;
  for (int i = 0; i <= nth; ++i) {
    pos = model.find(Key(key), i == 0 ? 0 : pos + 1);
    if (pos == std::string::npos) ADD_FAILURE() << "no member " << key << " #" << nth;
  }
  return pos + Key(key).size();
}

// Offset of the payload of a typed array member ("[$l#L" + int64 count first).
size_t PayloadOffset(const std::string& model, const std::string& key, int nth = 0) {
  return ValueOffset(model, key, nth) + 5 + 8;
}

// Sets element `i` of the int32 typed array `key` (of the `nth` tree).
std::string SetInt32(std::string model, const std::string& key, size_t i, int32_t v, int nth = 0) {
  model.replace(PayloadOffset(model, key, nth) + 4 * i, 4, BigEndian(static_cast<uint32_t>(v), 4));
  return model;
}

// Replaces the string value of member `key` ("S", 'L', int64 length, text).
std::string SetString(std::string model, const std::string& key, const std::string& text, int nth = 0) {
  const size_t at = ValueOffset(model, key, nth);
  size_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(model[at + 2 + i]);
  model.replace(at, 10 + len, "SL" + BigEndian(text.size(), 8) + text);
  return model;
}

// Load must fail with InvalidInput naming `want`.
void ExpectRejected(const Fitted& f, const std::string& bytes, const std::string& want) {
  try {
    f.learner->Load(bytes, f.options);
    ADD_FAILURE() << "loaded forged bytes; expected an error containing: " << want;
  } catch (const InvalidInput& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("corrupt xgboost model: "), std::string::npos) << what;
    EXPECT_NE(what.find(want), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
  }
}

XgboostModelShape ShapeOf(const Fitted& f) {
  XgboostModelShape s;
  s.num_features = f.cols;
  s.num_class = f.options.task == Task::kMulticlass ? f.options.num_classes : 0;
  s.objective = f.options.task == Task::kBinary       ? "binary:logistic"
                : f.options.task == Task::kMulticlass ? "multi:softprob"
                                                      : "reg:squarederror";
  return s;
}

// ------------------------------------------------------------ UBJSON walk

UbjDocument ParseOk(const std::string& bytes) { return UbjDocument::Parse(bytes, "test"); }

void ExpectParseError(const std::string& bytes, const std::string& want) {
  try {
    UbjDocument::Parse(bytes, "test");
    ADD_FAILURE() << "parsed; expected an error containing: " << want;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
  }
}

TEST(UbjsonWalk, ReadsTheValuesXgboostWrites) {
  const std::string doc = "{" + Key("a") + "i" + std::string(1, '\xfe') + Key("b") + "SL" + BigEndian(2, 8) + "hi" +
                          Key("c") + "[$l#L" + BigEndian(2, 8) + BigEndian(7, 4) + BigEndian(0xffffffff, 4) + Key("d") +
                          "[#L" + BigEndian(2, 8) + "TZ" + Key("e") + "[d" + BigEndian(0x3fc00000, 4) + "]" + Key("f") +
                          "{}" + "}";
  const UbjDocument d = ParseOk(doc);
  const UbjNode& root = d.root();
  ASSERT_EQ(root.kind, UbjNode::Kind::kObject);
  EXPECT_EQ(root.count, 6u);
  EXPECT_EQ(UbjDocument::Int(*d.Find(root, "a")), -2);
  EXPECT_EQ(d.Find(root, "b")->bytes, "hi");
  const UbjNode& c = *d.Find(root, "c");
  ASSERT_EQ(c.kind, UbjNode::Kind::kTypedArray);
  EXPECT_EQ(c.count, 2u);
  EXPECT_EQ(UbjDocument::IntAt(c, 0), 7);
  EXPECT_EQ(UbjDocument::IntAt(c, 1), -1);
  EXPECT_EQ(d.Children(*d.Find(root, "d")).size(), 2u);
  const auto e = d.Children(*d.Find(root, "e"));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(UbjDocument::Float(*e[0]), 1.5);
  EXPECT_EQ(d.Find(root, "f")->count, 0u);
  EXPECT_EQ(d.Find(root, "g"), nullptr);
}

TEST(UbjsonWalk, RejectsMalformedBytes) {
  ExpectParseError("", "truncated");
  ExpectParseError("Q", "unknown value marker 'Q'");
  ExpectParseError("N", "unknown value marker 'N'");  // UBJSON's no-op: XGBoost does not take it
  ExpectParseError("{" + Key("a") + "H", "unknown value marker 'H'");
  ExpectParseError("{}x", "1 bytes after the end");
  ExpectParseError("{" + Key("a") + "Z", "no closing '}'");
  ExpectParseError("[ZZ", "no closing ']'");
  ExpectParseError("{" + Key("a") + "Z" + Key("a") + "T}", "key \"a\" twice");
  // Lengths and counts: negative, larger than the bytes, in a type XGBoost does not read.
  ExpectParseError("SL" + BigEndian(uint64_t{1} << 63, 8), "is negative");
  ExpectParseError("SL" + BigEndian(5, 8) + "abcd", "string length 5 is longer than the 4 bytes left");
  ExpectParseError("Si" + std::string(1, '\x01') + "a", "expected 'L'");
  ExpectParseError("{" + Key("a") + "Z" + "L" + BigEndian(100, 8) + "b}", "key length 100");
  ExpectParseError("[$l#L" + BigEndian(3, 8) + std::string(11, '\0'), "typed array count 3 needs 4 bytes each");
  ExpectParseError("[$l#L" + BigEndian(uint64_t{1} << 62, 8) + std::string(16, '\0'), "typed array count");
  ExpectParseError("[$S#L" + BigEndian(1, 8) + "x", "unsupported element type 'S'");
  ExpectParseError("[$l" + BigEndian(1, 8), "expected '#'");
  ExpectParseError("[#L" + BigEndian(1000, 8) + "ZZ", "array count 1000 is more than the 2 bytes left");
  // More values than the bytes plausibly hold (1-byte nulls).
  ExpectParseError("[" + std::string(1000, 'Z') + "]", "values in 1002 bytes");
}

TEST(UbjsonWalk, CapsNesting) {
  auto nested = [](size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  UbjLimits limits;
  limits.min_bytes_per_value = 1;  // empty arrays take 2 bytes a value: only the depth cap should apply
  EXPECT_NO_THROW(UbjDocument::Parse(nested(64), "test", limits));
  try {
    UbjDocument::Parse(nested(65), "test", limits);
    ADD_FAILURE() << "65 levels parsed";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("UBJSON byte 64: containers nested deeper than 64 levels"), std::string::npos)
        << e.what();
  }
  ExpectParseError(nested(100000), "nested deeper than 64 levels");  // would overflow a recursive reader's stack
}

TEST(UbjsonWalk, EveryTruncationOfARealModelIsRejected) {
  const std::string model = ModelPart(Fit(Task::kMulticlass, 2).bytes);
  EXPECT_NO_THROW(ParseOk(model));
  for (size_t cut = 0; cut < model.size(); ++cut) {
    EXPECT_THROW(UbjDocument::Parse(std::string_view(model).substr(0, cut), "test"), InvalidInput) << "cut " << cut;
  }
}

// ------------------------------------------------------------ model checks

TEST(XgboostModelCheck, AcceptsRealModelsOfEveryTask) {
  for (const Fitted& f : {Fit(Task::kBinary, 5), Fit(Task::kMulticlass, 5), Fit(Task::kRegression, 5),
                          Fit(Task::kBinary, 5, /*categorical=*/true)}) {
    const std::string model = ModelPart(f.bytes);
    EXPECT_NO_THROW(CheckXgboostModel(model, ShapeOf(f), "corrupt xgboost model"));
    EXPECT_NO_THROW(f.learner->Load(f.bytes, f.options));
  }
  // The categorical model does split on categories (else the test above proves little).
  const std::string cat = ModelPart(Fit(Task::kBinary, 5, true).bytes);
  const UbjDocument d = ParseOk(cat);
  size_t categories = 0;
  const UbjNode* model = d.Find(*d.Find(*d.Find(d.root(), "learner"), "gradient_booster"), "model");
  for (const UbjNode* tree : d.Children(*d.Find(*model, "trees"))) categories += d.Find(*tree, "categories")->count;
  EXPECT_GT(categories, 0u);
}

TEST(XgboostModelCheck, ModelsThatDoNotMatchTheHeaderAreRejected) {
  const Fitted f = Fit(Task::kMulticlass, 2);
  const std::string model = ModelPart(f.bytes);
  XgboostModelShape shape = ShapeOf(f);
  shape.num_features = 7;
  EXPECT_THROW(CheckXgboostModel(model, shape, "x"), InvalidInput);
  shape = ShapeOf(f);
  shape.num_class = 4;
  EXPECT_THROW(CheckXgboostModel(model, shape, "x"), InvalidInput);
  shape = ShapeOf(f);
  shape.objective = "multi:softmax";
  EXPECT_THROW(CheckXgboostModel(model, shape, "x"), InvalidInput);
}

// Every forged model below passes the format's checksum: before the walk,
// each went straight to libxgboost (whose reader trusts lengths and whose
// predictor trusts indices); now each is an InvalidInput naming the field.

TEST(XgboostLoad, ForgedArrayCountLargerThanTheBytes) {
  const Fitted f = Fit(Task::kBinary, 3);
  std::string model = ModelPart(f.bytes);
  const size_t count_at = ValueOffset(model, "left_children") + 5;
  // A count whose payload runs 4 KB past the end of the buffer.
  const uint64_t count = (model.size() - count_at) / 4 + 1024;
  model.replace(count_at, 8, BigEndian(count, 8));
  ExpectRejected(f, Reseal(f.bytes, model), "typed array count " + std::to_string(count));
}

TEST(XgboostLoad, ForgedStringLength) {
  const Fitted f = Fit(Task::kBinary, 3);
  std::string model = ModelPart(f.bytes);
  const size_t at = model.find(Key("learner"));
  ASSERT_NE(at, std::string::npos);
  model.replace(at + 1, 8, BigEndian(model.size() + 100000, 8));
  ExpectRejected(f, Reseal(f.bytes, model), "key length");
  // A string value's length, and a negative one.
  model = ModelPart(f.bytes);
  const size_t name_at = ValueOffset(model, "name");
  model.replace(name_at + 2, 8, BigEndian(uint64_t{0xffffffffffffff00ULL}, 8));
  ExpectRejected(f, Reseal(f.bytes, model), "string length -256 is negative");
}

TEST(XgboostLoad, TruncatedModelsAtManyCutPoints) {
  const Fitted f = Fit(Task::kMulticlass, 2);
  const std::string model = ModelPart(f.bytes);
  for (size_t cut = 0; cut < model.size(); cut += 1 + model.size() / 97) {
    ExpectRejected(f, Reseal(f.bytes, model.substr(0, cut)), "UBJSON byte");
  }
  ExpectRejected(f, Reseal(f.bytes, model.substr(0, model.size() - 1)), "no closing '}'");
}

TEST(XgboostLoad, DeepNesting) {
  const Fitted f = Fit(Task::kBinary, 1);
  ExpectRejected(f, Reseal(f.bytes, std::string(5000, '[') + std::string(5000, ']')), "nested deeper than 64");
}

TEST(XgboostLoad, UnknownMarkerAndTrailingGarbage) {
  const Fitted f = Fit(Task::kBinary, 2);
  std::string model = ModelPart(f.bytes);
  const size_t id_at = ValueOffset(model, "id");
  ASSERT_EQ(model[id_at], 'i');
  model[id_at] = 'Q';
  ExpectRejected(f, Reseal(f.bytes, model), "unknown value marker 'Q'");
  ExpectRejected(f, Reseal(f.bytes, ModelPart(f.bytes) + "garbage"), "7 bytes after the end");
}

TEST(XgboostLoad, ChildIndexOutOfRange) {
  const Fitted f = Fit(Task::kRegression, 2);
  const std::string model = ModelPart(f.bytes);
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "left_children", 0, 912)),
                 "tree 0 left_children[0] = 912 is outside 1..");
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "right_children", 0, 0)),
                 "tree 0 right_children[0] = 0 is outside 1..");
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "left_children", 0, -7, 1)), "tree 1 left_children[0] = -7");
  // A consistent-looking cycle: a node pointing back at the root.
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "parents", 1, 5)),
                 "tree 0 node 1 is a child of 0 but names another parent");
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "parents", 0, 3)), "tree 0 parents[0] = 3 is not the root's");
}

TEST(XgboostLoad, SplitIndexNotBelowNumFeature) {
  const Fitted f = Fit(Task::kBinary, 2);
  const std::string model = ModelPart(f.bytes);
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "split_indices", 0, static_cast<int32_t>(f.cols))),
                 "tree 0 split_indices[0] = 5 is outside 0..4");
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "split_indices", 0, -1)), "split_indices[0] = -1");
}

TEST(XgboostLoad, HugeNumClass) {
  const Fitted f = Fit(Task::kMulticlass, 2);
  const std::string model = ModelPart(f.bytes);
  // The first num_class is learner_model_param's (XGBoost writes keys sorted).
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_class", "1000000000")),
                 "learner_model_param.num_class = 1000000000 is outside 0..10000");
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_target", "7")), "num_target = 7 is outside 1..1");
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_class", "4")), "does not match the header's 3");
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_feature", "x1")), "is not an integer");
  // The objective's own class count (the second num_class) shapes the softmax.
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_class", "0", 1)),
                 "softmax_multiclass_param.num_class = 0 is outside 3..3");
  // The version XGBoost reads three numbers from.
  std::string short_version = model;
  const size_t version_at = ValueOffset(model, "version");
  ASSERT_EQ(short_version.substr(version_at, 3), "[#L");
  short_version.replace(version_at + 3, 8, BigEndian(2, 8));
  short_version.erase(short_version.size() - 3, 2);  // the third number's 'i' and value, before the final '}'
  ExpectRejected(f, Reseal(f.bytes, short_version), "version is not an array of three integers");
  // The header's own class count is capped as well (it sizes Predict's buffers).
  std::string bytes = f.bytes;
  const size_t header_len = HeaderLength(bytes);
  std::string header = bytes.substr(12, header_len);
  const size_t at = header.find("\"num_outputs\":3");
  ASSERT_NE(at, std::string::npos);
  header.replace(at, 15, "\"num_outputs\":1000000000");
  std::string forged = bytes.substr(0, 8);
  for (int i = 0; i < 4; ++i) forged.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  forged += header + std::string(8, '\0');
  ExpectRejected(f, Reseal(forged + model, model), "inconsistent header");
}

TEST(XgboostLoad, TreeInfoAndTreeShape) {
  const Fitted f = Fit(Task::kMulticlass, 2);
  std::string model = ModelPart(f.bytes);
  // tree_info is a counted array of 'i' integers: [#L <count> i <v> i <v> ...
  const size_t info = ValueOffset(model, "tree_info");
  ASSERT_EQ(model.substr(info, 3), "[#L");
  std::string bad = model;
  bad[info + 3 + 8 + 1] = 3;  // tree 0's group: only 0..2 exist
  ExpectRejected(f, Reseal(f.bytes, bad), "tree_info[0] = 3 is outside 0..2");
  // num_nodes no longer matching the arrays.
  const size_t nodes_at = ValueOffset(model, "num_nodes");
  size_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<unsigned char>(model[nodes_at + 2 + i]);
  const std::string real = model.substr(nodes_at + 10, len);
  ExpectRejected(f, Reseal(f.bytes, SetString(model, "num_nodes", std::to_string(std::stoi(real) + 2))),
                 "tree 0 left_children has " + real + " elements, expected");
}

TEST(XgboostLoad, InconsistentCategoricalSplits) {
  const Fitted f = Fit(Task::kBinary, 3, /*categorical=*/true);
  const std::string model = ModelPart(f.bytes);
  // Find a tree with a categorical split.
  const UbjDocument d = ParseOk(model);
  const UbjNode* booster_model = d.Find(*d.Find(*d.Find(d.root(), "learner"), "gradient_booster"), "model");
  int tree = -1;
  int t = 0;
  for (const UbjNode* n : d.Children(*d.Find(*booster_model, "trees"))) {
    if (tree < 0 && d.Find(*n, "categories")->count > 0) tree = t;
    ++t;
  }
  ASSERT_GE(tree, 0);
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "categories", 0, -3, tree)), "categories[0] = -3 is outside");
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "categories", 0, 1 << 30, tree)), "is outside 0..16777216");
  // The split's size (int64) beyond the categories.
  std::string bad = model;
  bad.replace(PayloadOffset(model, "categories_sizes", tree), 8, BigEndian(1000, 8));
  ExpectRejected(f, Reseal(f.bytes, bad), "takes categories [0, +1000)");
  // The categorical node moved to a leaf.
  ExpectRejected(f, Reseal(f.bytes, SetInt32(model, "categories_nodes", 0, 1000000, tree)),
                 "categories_nodes[0] = 1000000 is not the next categorical split");
}

// The walk's cost next to XGBoost's own load, on a model of a few hundred trees.
}  // namespace
}  // namespace tabpilot
