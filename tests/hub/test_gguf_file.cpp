// The GGUF reader: metadata of every kind and tensors of every supported
// type come back as written, from bytes and from a mapped file; every cut,
// a flipped count and each malformed field is one InvalidInput, never a crash.
#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "hub/gguf_file.h"
#include "hub/gguf_test_writer.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::GgufWriter;

// A small gpt2-shaped file: metadata of several types, an f32 and a q8_0 tensor.
GgufWriter Sample() {
  GgufWriter w;
  w.KeyStr("general.architecture", "gpt2");
  w.KeyU32("gpt2.context_length", 64);
  w.KeyU64("gpt2.embedding_length", 32);
  w.KeyF32("gpt2.attention.layer_norm_epsilon", 1e-5f);
  w.KeyI32("tokenizer.ggml.eos_token_id", -1);
  w.KeyStrings("tokenizer.ggml.tokens", {"a", "b", "ab", "<|endoftext|>"});
  w.KeyFloats("tokenizer.ggml.scores", {0.5f, -1.0f, 2.0f});
  std::vector<float> values(32 * 2);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.25f;
  w.Tensor("token_embd.weight", {32, 2}, 0, GgufWriter::Floats(values));
  w.Tensor("blk.0.attn_qkv.weight", {32, 3}, 8, std::string(3 * 34, '\x01'));  // three q8_0 blocks
  return w;
}

TEST(GgufFile, MetadataAndTensorsComeBackAsWritten) {
  const std::string bytes = Sample().Bytes();
  const GgufFile f = GgufFile::FromBytes(bytes, "sample.gguf");
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.String("general.architecture"), "gpt2");
  EXPECT_EQ(f.Unsigned("gpt2.context_length"), 64u);
  EXPECT_EQ(f.Unsigned("gpt2.embedding_length"), 32u);
  EXPECT_FLOAT_EQ(static_cast<float>(f.Number("gpt2.attention.layer_norm_epsilon")), 1e-5f);
  EXPECT_EQ(f.Find("tokenizer.ggml.eos_token_id")->integer, -1);
  EXPECT_EQ(f.Strings("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b", "ab", "<|endoftext|>"}));
  EXPECT_EQ(f.Numbers("tokenizer.ggml.scores"), (std::vector<double>{0.5, -1.0, 2.0}));
  EXPECT_EQ(f.Unsigned("missing.key", 7), 7u);
  EXPECT_DOUBLE_EQ(f.Number("missing.key", 1.5), 1.5);

  ASSERT_EQ(f.tensors().size(), 2u);
  const GgufTensor* emb = f.FindTensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->shape, (std::vector<uint64_t>{32, 2}));
  EXPECT_EQ(emb->type, GgmlType::kF32);
  EXPECT_EQ(emb->elements(), 64u);
  EXPECT_EQ(emb->bytes, 256u);
  float v = 0;
  std::memcpy(&v, emb->data + 4 * 63, 4);
  EXPECT_FLOAT_EQ(v, 63 * 0.25f);
  EXPECT_EQ(static_cast<size_t>(emb->data - reinterpret_cast<const unsigned char*>(bytes.data())) % 32, 0u);
  const GgufTensor* qkv = f.FindTensor("blk.0.attn_qkv.weight");
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(qkv->type, GgmlType::kQ8_0);
  EXPECT_EQ(qkv->bytes, 3u * 34u);
  EXPECT_EQ(qkv->data[0], 1);
  EXPECT_EQ(f.FindTensor("nothing"), nullptr);
  EXPECT_STREQ(GgmlTypeName(qkv->type), "q8_0");
}

TEST(GgufFile, OpensAMappedFileAndNamesItInErrors) {
  testing::TempDir dir;
  const auto path = dir.Write("model.gguf", Sample().Bytes());
  const GgufFile f = GgufFile::Open(path);
  EXPECT_EQ(f.String("general.architecture"), "gpt2");
  ASSERT_NE(f.FindTensor("token_embd.weight"), nullptr);
  EXPECT_EQ(f.FindTensor("token_embd.weight")->data[4], 0);  // 0.25f = 0x3e800000: bytes 00 00 80 3e
  EXPECT_THROW(GgufFile::Open(dir / "absent.gguf"), NotFound);
  const auto bad = dir.Write("bad.gguf", "GGML not a gguf file at all");
  const std::string message = testing::InvalidMessage([&] { GgufFile::Open(bad); });
  EXPECT_NE(message.find("bad.gguf"), std::string::npos) << message;
  EXPECT_NE(message.find("not a GGUF file"), std::string::npos) << message;
  EXPECT_NE(testing::InvalidMessage([&] { f.String("gpt2.context_length"); }).find("is not a string"),
            std::string::npos);
  EXPECT_NE(testing::InvalidMessage([&] { f.Unsigned("nope"); }).find("'nope' is missing"), std::string::npos);
}

TEST(GgufFile, EveryCutOfTheFileIsRefused) {
  const std::string bytes = Sample().Bytes();
  // Up to the last tensor's last byte; the padding after it may go.
  const GgufFile whole = GgufFile::FromBytes(bytes);
  const GgufTensor& last = whole.tensors().back();
  const size_t end = static_cast<size_t>(last.data - reinterpret_cast<const unsigned char*>(bytes.data())) + last.bytes;
  ASSERT_LT(end, bytes.size());
  for (size_t n = 0; n < end; ++n) {
    EXPECT_THROW(GgufFile::FromBytes(bytes.substr(0, n)), InvalidInput) << "cut at " << n;
  }
  EXPECT_NO_THROW(GgufFile::FromBytes(bytes.substr(0, end)));
}

TEST(GgufFile, MalformedFieldsAreRefusedWithTheirReason) {
  auto message = [](const std::string& bytes) {
    return testing::InvalidMessage([&] { GgufFile::FromBytes(bytes, "m.gguf"); });
  };
  EXPECT_NE(message(Sample().Bytes(1)).find("GGUF version 1 is not supported"), std::string::npos);
  {
    GgufWriter w;
    w.Tensor("w", {32}, 12, std::string(32, '\0'));  // q4_K: not supported
    EXPECT_NE(message(w.Bytes()).find("ggml type 12, which is not supported"), std::string::npos);
  }
  {
    GgufWriter w;
    w.Tensor("w", {30}, 8, std::string(34, '\0'));  // q8_0 rows must be whole 32-value blocks
    EXPECT_NE(message(w.Bytes()).find("not whole q8_0 blocks"), std::string::npos);
  }
  {
    GgufWriter w;
    w.Tensor("w", {64}, 0, std::string(64, '\0'));  // 64 floats need 256 bytes: the file stops short
    EXPECT_NE(message(w.Bytes()).find("past the end of the file"), std::string::npos);
  }
  {
    GgufWriter w;
    w.KeyU32("a", 1);
    w.KeyU32("a", 2);
    EXPECT_NE(message(w.Bytes()).find("'a' appears twice"), std::string::npos);
  }
  {
    GgufWriter w;
    w.Alignment(24);
    EXPECT_NE(message(w.Bytes()).find("power of two"), std::string::npos);
  }
  // A huge array count or tensor count is refused before anything is reserved.
  {
    GgufWriter w;
    w.KeyStrings("tokenizer.ggml.tokens", {"a"});
    std::string bytes = w.Bytes();
    const size_t at = bytes.find("tokenizer.ggml.tokens") + 21 + 4 + 4;  // after the key, its type, the element type
    const uint64_t huge = uint64_t{1} << 60;
    std::memcpy(bytes.data() + at, &huge, 8);
    EXPECT_NE(message(bytes).find("longer than the file"), std::string::npos);
    std::string counts = Sample().Bytes();
    std::memcpy(counts.data() + 8, &huge, 8);
    EXPECT_NE(message(counts).find("counts larger than the file"), std::string::npos);
  }
}

TEST(GgufFile, AlignmentFromTheMetadataPlacesTheData) {
  GgufWriter w;
  w.Alignment(64);
  w.Tensor("a", {3}, 0, GgufWriter::Floats({1, 2, 3}));
  w.Tensor("b", {2}, 1, std::string("\x00\x3c\x00\x40", 4));  // f16 1.0, 2.0
  const std::string bytes = w.Bytes();
  const GgufFile f = GgufFile::FromBytes(bytes);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[1].offset, 64u);
  EXPECT_EQ(static_cast<size_t>(f.tensors()[0].data - reinterpret_cast<const unsigned char*>(bytes.data())) % 64, 0u);
  EXPECT_EQ(f.tensors()[1].data[1], 0x3c);
  EXPECT_EQ(f.tensors()[1].bytes, 4u);
}

}  // namespace
}  // namespace tabpilot
