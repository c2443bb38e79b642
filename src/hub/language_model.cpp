#include "hub/language_model.h"

#include <map>

#include "core/error.h"
#include "hub/hf_checkpoint.h"

namespace tabpilot {

std::unique_ptr<LanguageModel> LanguageModel::Open(const std::filesystem::path& path, const Options& options) {
  if (std::filesystem::is_directory(path)) return OpenFolder(path, options);
  if (path.extension() == ".safetensors") {
    throw InvalidInput(path.string() +
                       ": a safetensors model is a folder (config.json, *.safetensors, "
                       "tokenizer.json): give the folder");
  }
  return OpenGguf(path, options);
}

std::unique_ptr<LanguageModel> LanguageModel::OpenFolder(const std::filesystem::path& path, const Options& options) {
  HfCheckpoint ck = ReadHfCheckpoint(path);
  std::unique_ptr<LanguageModel> model(new LanguageModel());
  model->tokenizer_ = Tokenizer::Create(std::move(ck.vocab), path.string());
  LanguageModelInfo& info = model->info_;
  info.name = ck.name;
  info.architecture = ck.config.architecture_name;
  info.precision = ck.precision;
  info.license = ck.license;
  info.parameters = ck.parameters;
  info.file_bytes = ck.file_bytes;
  info.context = ck.config.context;
  info.vocab = ck.config.vocab;
  model->safetensors_ = std::move(ck.files);
  model->owned_ = std::move(ck.owned);
  model->transformer_ = std::make_unique<Transformer>(std::move(ck.config), std::move(ck.weights),
                                                      Transformer::Options{options.threads, options.kernels});
  return model;
}

std::unique_ptr<LanguageModel> LanguageModel::OpenGguf(const std::filesystem::path& path, const Options& options) {
  const std::string source = path.string();
  std::unique_ptr<LanguageModel> model(new LanguageModel());
  model->file_ = GgufFile::Open(path);
  const GgufFile& file = model->file_;
  // The architecture first: an unsupported model is named as such, not as a
  // missing tokenizer key.
  const std::string arch = file.String("general.architecture");
  if (arch != "gpt2" && arch != "llama") {
    throw InvalidInput(source + ": architecture '" + arch + "' is not supported (supported: gpt2, llama)");
  }
  model->tokenizer_ = Tokenizer::Create(ReadVocabulary(file, source), source);
  TransformerConfig config = ReadTransformerConfig(file, model->tokenizer_->size(), source);
  TransformerWeights weights = BindGgufWeights(file, config, source);

  LanguageModelInfo& info = model->info_;
  info.name = file.Find("general.name") != nullptr ? file.String("general.name") : path.stem().string();
  info.architecture = arch;
  if (file.Find("general.license") != nullptr) info.license = file.String("general.license");
  info.context = config.context;
  info.vocab = config.vocab;
  info.file_bytes = std::filesystem::file_size(path);
  std::map<std::string, uint64_t> bytes_by_type;
  for (const GgufTensor& t : file.tensors()) {
    info.parameters += t.elements();
    bytes_by_type[GgmlTypeName(t.type)] += t.bytes;
  }
  uint64_t most = 0;
  for (const auto& [type, bytes] : bytes_by_type) {
    if (bytes > most) {
      most = bytes;
      info.precision = type;
    }
  }
  model->transformer_ = std::make_unique<Transformer>(std::move(config), std::move(weights),
                                                      Transformer::Options{options.threads, options.kernels});
  return model;
}

}  // namespace tabpilot
