// The text-generation routes (serve/completion_api.h) over a real HTTP
// server on loopback with test-made models: OpenAI completions and chat
// (whole and streamed) give the engine's own text, Jurassic's shape and
// finish reasons, tokenize/detokenize, /health while a model loads and when
// one failed, every bad request its status and field, the bearer token, a
// full queue (429) and a client that goes away freeing its slot.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"
#include "hub/generator.h"
#include "hub/reference_model.h"
#include "serve/completion_api.h"
#include "serve/http_server.h"
#include "serve/http_test_client.h"
#include "serve/inference_router.h"
#include "serve/model_manager.h"
#include "serve/server_metrics.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {

using testing::RawConnection;
using testing::TempDir;

// A server of text-generation models only, on a free port.
class HubServer {
 public:
  HubServer(std::vector<HubEndpoints::Spec> specs, HubEndpoints::Options hub_options, std::string token = "")
      : hub_(std::move(specs), hub_options),
        api_(hub_),
        models_(std::make_unique<FixedEndpoints>(std::vector<EndpointTarget>{}), {}, Logger(Logger::Level::kQuiet)) {
    InferenceRouter::Options routing;
    routing.completions = &api_;
    routing.auth_token = std::move(token);
    router_ = std::make_unique<InferenceRouter>(models_, metrics_, routing);
    HttpServer::Options http;
    http.port = 0;
    http.threads = 2;
    server_ = std::make_unique<HttpServer>(http, [this](HttpRequest& r) { return router_->Handle(r); });
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~HubServer() {
    server_->Stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }
  HubEndpoints& hub() { return hub_; }

  // One request on a fresh connection; the body of a chunked answer joined.
  RawConnection::Response Call(const std::string& method, const std::string& path, const std::string& body = "",
                               const std::string& extra_headers = "") {
    RawConnection c(port());
    c.Send(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    RawConnection::Response r = c.ReadHead(30000);
    if (r.head.find("Transfer-Encoding: chunked") != std::string::npos) {
      for (std::string piece = c.ReadChunk(30000); !piece.empty(); piece = c.ReadChunk(30000)) r.body += piece;
    } else {
      r.body = c.ReadBody(RawConnection::ContentLength(r.head), 30000);
    }
    return r;
  }

 private:
  HubEndpoints hub_;
  CompletionApi api_;
  ServerMetrics metrics_;
  ModelManager models_;
  std::unique_ptr<InferenceRouter> router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

class CompletionApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    gpt2_ = new testing::ReferenceModel(testing::MakeReferenceModel(*dir_, "gpt2", "f32", "--ctx 4096 --ascii"));
    server_ = new HubServer({{"writer", gpt2_->file, ""}}, {});
    server_->hub().WaitLoaded();
    model_ = LanguageModel::Open(gpt2_->file, {}).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete model_;
    delete gpt2_;
    delete dir_;
  }
  // What the engine itself gives for `prompt` (greedy, `tokens` long).
  static std::string Direct(const std::string& prompt, int tokens) {
    GenerationRequest r;
    r.prompt = model_->tokenizer().Encode(prompt);
    r.max_tokens = tokens;
    r.sampling.temperature = 0;
    return Generate(*model_, r).completions.at(0).text;
  }
  static TempDir* dir_;
  static testing::ReferenceModel* gpt2_;
  static HubServer* server_;
  static LanguageModel* model_;
};
TempDir* CompletionApiTest::dir_ = nullptr;
testing::ReferenceModel* CompletionApiTest::gpt2_ = nullptr;
HubServer* CompletionApiTest::server_ = nullptr;
LanguageModel* CompletionApiTest::model_ = nullptr;

TEST_F(CompletionApiTest, CompletionsGiveTheEnginesText) {
  const auto r = server_->Call("POST", "/v1/completions",
                               R"({"model":"writer","prompt":"to be or","max_tokens":8,"temperature":0})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j.at("object"), "text_completion");
  EXPECT_EQ(j.at("model"), "writer");
  EXPECT_EQ(j.at("choices").at(0).at("text"), Direct("to be or", 8));
  EXPECT_EQ(j.at("choices").at(0).at("finish_reason"), "length");
  EXPECT_EQ(j.at("usage").at("completion_tokens"), 8);
  EXPECT_EQ(j.at("usage").at("prompt_tokens"), static_cast<int>(model_->tokenizer().Encode("to be or").size()));
  // The only model needs no name; n results; a stop sequence.
  const auto n = server_->Call("POST", "/v1/completions",
                               R"({"prompt":"to be or","max_tokens":6,"temperature":0.8,"n":3,"seed":4})");
  ASSERT_EQ(n.status, 200) << n.body;
  EXPECT_EQ(Json::parse(n.body).at("choices").size(), 3u);
}

TEST_F(CompletionApiTest, StreamedChatIsTheWholeAnswerInPieces) {
  const std::string body = R"({"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"to be"}],)"
                           R"("max_tokens":10,"temperature":0})";
  const auto whole = server_->Call("POST", "/v1/chat/completions", body);
  ASSERT_EQ(whole.status, 200) << whole.body;
  const Json w = Json::parse(whole.body);
  EXPECT_EQ(w.at("object"), "chat.completion");
  const std::string text = w.at("choices").at(0).at("message").at("content");
  const auto streamed =
      server_->Call("POST", "/v1/chat/completions",
                    body.substr(0, body.size() - 1) + R"(,"stream":true,"stream_options":{"include_usage":true}})");
  ASSERT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.head.find("text/event-stream"), std::string::npos);
  std::string joined;
  std::vector<Json> events;
  size_t at = 0;
  bool done = false;
  while ((at = streamed.body.find("data: ", at)) != std::string::npos) {
    const size_t end = streamed.body.find("\n\n", at);
    const std::string data = streamed.body.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") {
      done = true;
      break;
    }
    events.push_back(Json::parse(data));
  }
  ASSERT_TRUE(done);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.front().at("choices").at(0).at("delta").at("role"), "assistant");
  for (const Json& e : events) {
    EXPECT_EQ(e.at("object"), "chat.completion.chunk");
    if (!e.at("choices").empty() && e.at("choices").at(0).at("delta").contains("content")) {
      joined += e.at("choices").at(0).at("delta").at("content").get<std::string>();
    }
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(events[events.size() - 2].at("choices").at(0).at("finish_reason"), "length");
  EXPECT_EQ(events.back().at("usage").at("completion_tokens"), 10);
}

TEST_F(CompletionApiTest, JurassicCompleteHasItsShape) {
  const auto r = server_->Call("POST", "/model/writer/complete",
                               R"({"prompt":"to be or","maxTokens":5,"temperature":0,"numResults":2})");
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j.at("prompt").at("text"), "to be or");
  const Json& prompt_tokens = j.at("prompt").at("tokens");
  ASSERT_GE(prompt_tokens.size(), 2u);
  EXPECT_TRUE(prompt_tokens.at(0).at("generatedToken").at("logprob").is_null());  // nothing comes before it
  for (size_t i = 1; i < prompt_tokens.size(); ++i) {
    EXPECT_LT(prompt_tokens.at(i).at("generatedToken").at("logprob").get<double>(), 0.0);
  }
  ASSERT_EQ(j.at("completions").size(), 2u);
  for (const Json& c : j.at("completions")) {
    EXPECT_EQ(c.at("data").at("text"), Direct("to be or", 5));
    EXPECT_EQ(c.at("finishReason").at("reason"), "length");
    EXPECT_EQ(c.at("finishReason").at("length"), 5);
    size_t last_end = 0;
    for (const Json& t : c.at("data").at("tokens")) {
      EXPECT_LE(t.at("generatedToken").at("logprob").get<double>(), 0.0);
      EXPECT_EQ(t.at("textRange").at("start").get<size_t>(), last_end);
      last_end = t.at("textRange").at("end").get<size_t>();
    }
    EXPECT_EQ(last_end, c.at("data").at("text").get<std::string>().size());
  }
  // A stop sequence cuts the text and says so.
  const std::string full = Direct("to be or", 12);
  ASSERT_GT(full.size(), 6u);
  const Json stop_body = {{"prompt", "to be or"},
                          {"maxTokens", 12},
                          {"temperature", 0},
                          {"stopSequences", Json::array({full.substr(3, 2)})}};
  const auto s = server_->Call("POST", "/model/writer/complete", stop_body.dump());
  ASSERT_EQ(s.status, 200) << s.body;
  const Json sj = Json::parse(s.body).at("completions").at(0);
  EXPECT_EQ(sj.at("finishReason").at("reason"), "stop");
  EXPECT_EQ(sj.at("finishReason").at("sequence"), full.substr(3, 2));
  EXPECT_EQ(sj.at("data").at("text"), full.substr(0, full.find(full.substr(3, 2))));
}

TEST_F(CompletionApiTest, TokenizeAndDetokenizeRoundTrip) {
  const auto t = server_->Call("POST", "/tokenize", R"({"content":"to be or not"})");
  ASSERT_EQ(t.status, 200) << t.body;
  const Json ids = Json::parse(t.body).at("tokens");
  EXPECT_EQ(ids.get<std::vector<int32_t>>(), model_->tokenizer().Encode("to be or not"));
  const auto d = server_->Call("POST", "/detokenize", Json{{"tokens", ids}}.dump());
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(Json::parse(d.body).at("content"), "to be or not");
}

TEST_F(CompletionApiTest, BadRequestsAreAnsweredWithTheirStatusAndField) {
  auto call = [&](const std::string& path, const std::string& body) { return server_->Call("POST", path, body); };
  auto error = [](const RawConnection::Response& r) { return Json::parse(r.body).at("error").get<std::string>(); };
  auto r = call("/v1/completions", R"({"model":"nope","prompt":"x"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error(r), "no text-generation model 'nope' (models: writer)");
  r = call("/v1/completions", R"({"prompt":"x","bogus":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error(r), "unknown field 'bogus'");
  r = call("/v1/completions", "not json");
  EXPECT_EQ(r.status, 400);
  r = call("/v1/completions", R"({"prompt":"x","max_tokens":100000})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error(r), "max_tokens must be between 0 and 4096");
  r = call("/v1/completions", R"({"prompt":"x","temperature":-1})");
  EXPECT_EQ(error(r), "temperature must be between 0 and 2");
  r = call("/v1/completions", R"({"prompt":"x","frequency_penalty":0.5})");
  EXPECT_EQ(r.status, 400);
  r = call("/v1/completions", R"({"max_tokens":3})");
  EXPECT_EQ(error(r), "prompt is missing");
  r = call("/v1/chat/completions", R"({"messages":[{"role":"robot","content":"x"}]})");
  EXPECT_EQ(error(r), "messages[0].role must be system, user or assistant, not 'robot'");
  r = call("/v1/completions", Json{{"prompt", std::string(5000, 'x')}}.dump());  // over the 4,096-token context
  EXPECT_EQ(r.status, 400);
  r = call("/model/writer/complete", R"({"prompt":"x","maxTokens":-1})");
  EXPECT_EQ(error(r), "maxTokens must be between 0 and 4096");
  r = call("/v1/images/generations", R"({"prompt":"a cat"})");
  EXPECT_EQ(r.status, 501);
  EXPECT_NE(error(r).find("no image model"), std::string::npos);
  EXPECT_EQ(server_->Call("GET", "/v1/completions").status, 405);
  EXPECT_EQ(server_->Call("GET", "/health").status, 200);
  const Json models = Json::parse(server_->Call("GET", "/v1/models").body);
  EXPECT_EQ(models.at("data").at(0).at("id"), "writer");
  EXPECT_EQ(models.at("data").at(0).at("meta").at("architecture"), "gpt2");
  const std::string metrics = server_->Call("GET", "/metrics").body;
  EXPECT_NE(metrics.find("tabpilot_hub_generated_tokens_total{endpoint=\"writer\"}"), std::string::npos);
}

TEST_F(CompletionApiTest, AClientThatGoesAwayFreesItsSlot) {
  const int64_t before = server_->hub().Get("writer")->engine->stats().generated_tokens;
  {
    RawConnection c(server_->port());
    // min_tokens: no end of text cuts it short; only the client's leaving can.
    const std::string body = R"({"prompt":"to be","max_tokens":4000,"min_tokens":4000,"temperature":1,"stream":true})";
    c.Send("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body);
    c.ReadHead();
    c.ReadChunk();
  }  // gone after its first piece
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server_->hub().Get("writer")->engine->stats().running > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(server_->hub().Get("writer")->engine->stats().running, 0);
  // It stopped early: min_tokens makes a finished run exactly 4,000 tokens
  // (seconds of work here), so fewer means the disconnect cancelled it.
  EXPECT_LT(server_->hub().Get("writer")->engine->stats().generated_tokens - before, 4000);
}

TEST(CompletionApiServer, HealthWhileLoadingAndAfterAFailure) {
  TempDir dir;
  const std::string fifo = (dir / "slow.gguf").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  HubServer server({{"slow", fifo, ""}}, {});
  // Opening a FIFO blocks until a writer comes: the model is "loading".
  auto health = server.Call("GET", "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(Json::parse(health.body).at("status"), "loading");
  EXPECT_EQ(server.Call("POST", "/v1/completions", R"({"prompt":"x"})").status, 503);
  EXPECT_EQ(server.Call("GET", "/ping").status, 503);
  const int writer = ::open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(writer, 0);
  ::close(writer);
  server.hub().WaitLoaded();
  health = server.Call("GET", "/health");
  EXPECT_EQ(health.status, 500);
  EXPECT_NE(Json::parse(health.body).at("error").get<std::string>().find("slow: "), std::string::npos);
  const auto r = server.Call("POST", "/v1/completions", R"({"prompt":"x"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("failed to load"), std::string::npos);
}

TEST(CompletionApiServer, TheTokenAndTheQueueLimit) {
  TempDir dir;
  // A long context: the two slow requests below run for seconds, not milliseconds.
  const auto model = testing::MakeReferenceModel(dir, "llama", "q8_0", "--ctx 4096");
  HubServer server({{"m", model.file, ""}}, {.threads = 1, .max_sequences = 1, .max_queued = 1}, "secret");
  server.hub().WaitLoaded();
  EXPECT_EQ(server.Call("POST", "/v1/completions", R"({"prompt":"x"})").status, 401);
  EXPECT_EQ(server.Call("GET", "/health").status, 200);  // open, like /ping
  const std::string auth = "Authorization: Bearer secret\r\n";
  {
    // One running and one waiting fill the room; the third is refused.
    const std::string slow = R"({"prompt":"x","max_tokens":4000,"temperature":1,"min_tokens":4000,"stream":true})";
    RawConnection a(server.port()), b(server.port());
    for (RawConnection* c : {&a, &b}) {
      c->Send("POST /v1/completions HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: " + std::to_string(slow.size()) +
              "\r\n\r\n" + slow);
      EXPECT_EQ(c->ReadHead().status, 200);
    }
    a.ReadChunk();  // the first runs
    const auto third = server.Call("POST", "/v1/completions", R"({"prompt":"x","max_tokens":2})", auth);
    EXPECT_EQ(third.status, 429) << third.body;
  }  // both clients go away: their generations stop
  GenerationEngine& engine = *server.hub().Get("m")->engine;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((engine.stats().running > 0 || engine.stats().queued > 0) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(engine.stats().running, 0);
  EXPECT_EQ(engine.stats().queued, 0);
}

}  // namespace
}  // namespace tabpilot
