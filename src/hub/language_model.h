// A text-generation model ready to run: its file (kept mapped), tokenizer
// and transformer, and what a hub listing says about it. Opening checks
// everything (architecture, shapes, vocabulary) before any token is run, so
// a bad or unsupported file is one clear error at load, never a wrong answer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hub/gguf_file.h"
#include "hub/safetensors_file.h"
#include "hub/tokenizer.h"
#include "hub/transformer.h"

namespace tabpilot {

struct LanguageModelInfo {
  std::string name;          // general.name, else the file's stem
  std::string architecture;  // "gpt2", "llama"
  std::string precision;     // the storage type most weight bytes are in: "f16", "q4_0", ...
  std::string license;       // general.license, when the file says
  uint64_t parameters = 0;
  uint64_t file_bytes = 0;
  int64_t context = 0;
  int64_t vocab = 0;
};

class LanguageModel {
 public:
  struct Options {
    int threads = 0;                         // 0: every core
    const MatMulKernels* kernels = nullptr;  // default: the best this CPU runs
  };

  // A GGUF file, or a Hugging Face checkpoint folder (config.json,
  // *.safetensors, tokenizer.json; hf_checkpoint.h). NotFound for a missing
  // path; InvalidInput naming it for anything malformed or unsupported.
  static std::unique_ptr<LanguageModel> Open(const std::filesystem::path& path, const Options& options);

  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const Transformer& transformer() const { return *transformer_; }
  const LanguageModelInfo& info() const { return info_; }

 private:
  LanguageModel() = default;

  static std::unique_ptr<LanguageModel> OpenGguf(const std::filesystem::path& path, const Options& options);
  static std::unique_ptr<LanguageModel> OpenFolder(const std::filesystem::path& path, const Options& options);

  // What the weights point into: the GGUF file's mapping, or a checkpoint's
  // safetensors mappings and transposed copies.
  GgufFile file_;
  std::vector<SafetensorsFile> safetensors_;
  std::vector<std::shared_ptr<std::vector<unsigned char>>> owned_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<Transformer> transformer_;
  LanguageModelInfo info_;
};

}  // namespace tabpilot
