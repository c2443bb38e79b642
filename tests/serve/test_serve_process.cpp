// `tabpilot serve` as a user runs it: the binary started on a free port
// against a bundle or a temporary store, driven over HTTP, and stopped with
// SIGTERM. Covers the store's endpoints hot-swapped under load (no failed
// request), the status written back for `endpoint describe`, the admin
// routes, and the drain.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/json.h"
#include "model/bundle.h"
#include "predict/trained_bundles.h"
#include "serve/http_test_client.h"
#include "support/test_support.h"

extern char** environ;

namespace tabpilot {
namespace {

using testing::RawConnection;

// A `tabpilot serve` process; its stderr goes to a file read for the port.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& args, const std::filesystem::path& log) : log_(log) {
    std::vector<std::string> argv = {testing::TabpilotBinary().string(), "serve", "--port", "0", "--threads", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c_argv;
    for (std::string& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int rc = posix_spawn(&pid_, c_argv[0], &actions, nullptr, c_argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    const std::regex listening("listening on http://127\\.0\\.0\\.1:(\\d+)");
    while (std::chrono::steady_clock::now() < deadline) {
      std::smatch m;
      const std::string text = Log();
      if (std::regex_search(text, m, listening)) {
        port_ = static_cast<uint16_t>(std::stoi(m[1]));
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("tabpilot serve exited before listening: " + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("tabpilot serve did not listen within 60 s: " + Log());
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  uint16_t port() const { return port_; }
  std::string Log() const {
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // SIGTERM, then the exit code (-1 when it had not exited within 30 s).
  int Terminate() {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

std::string Request(const std::string& method, const std::string& path, const std::string& type,
                    const std::string& body) {
  return method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}
std::string Post(const std::string& path, const std::string& type, const std::string& body) {
  return Request("POST", path, type, body);
}
std::string JsonRequest(const std::string& method, const std::string& path, const std::string& body) {
  return Request(method, path, "application/json", body);
}

// `tabpilot ARGS --store STORE`, which must exit 0; its output.
std::string RunCli(const std::string& store, const std::string& args) {
  const testing::CommandResult r =
      testing::RunCommand(testing::TabpilotBinary().string() + " " + args + " --store " + store);
  EXPECT_EQ(r.exit_code, 0) << args << ": " << r.output;
  return r.output;
}
std::string Get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

class ServeProcess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SaveBundle(testing::TrainBundle(Task::kBinary, {"xgboost", "linear"}, 3), *dir_ / "binary", SaveOptions{});
    SaveBundle(testing::TrainBundle(Task::kMulticlass, {"xgboost"}, 1), *dir_ / "multiclass", SaveOptions{});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static testing::TempDir* dir_;
};
testing::TempDir* ServeProcess::dir_ = nullptr;

TEST_F(ServeProcess, ABundleAnswersEveryProtocolAndStopsCleanlyOnSigterm) {
  ServerProcess server({"--model", (*dir_ / "binary").string(), "--name", "m", "--access-log", "off"},
                       *dir_ / "serve1.log");
  RawConnection c(server.port());
  c.Send(Get("/ping"));
  EXPECT_EQ(c.Read().status, 200);
  c.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n,,,\n"));
  RawConnection::Response r = c.Read();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.body == "yes\nno\n" || r.body == "no\nno\n" || r.body == "yes\nyes\n" || r.body == "no\nyes\n")
      << r.body;
  c.Send(Post("/endpoints/m/invocations?output=probabilities", "application/json",
              R"({"instances": [{"a": 0.5, "b": -1, "colour": "red", "size": 1}]})"));
  r = c.Read();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["predictions"][0]["probabilities"].size(), 2u);
  c.Send(Post("/v2/models/m/infer", "application/json",
              R"({"inputs": [{"name": "rows", "shape": [1, 4], "datatype": "BYTES", "data": [0.5, -1, "red", 1]}]})"));
  r = c.Read();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["outputs"][0]["name"], "predicted_label");
  c.Send(Post("/invocations", "text/csv", "zero,-1,red,1\n"));
  r = c.Read();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("row 1, column 'a': 'zero' is not a number"), std::string::npos) << r.body;
  c.Send(Get("/v2/models/other"));
  EXPECT_EQ(c.Read().status, 404);
  // The small client: the same answers, errors as one line and exit 2.
  const std::string bin = testing::TabpilotBinary().string();
  const std::string url = " --url http://127.0.0.1:" + std::to_string(server.port());
  const std::filesystem::path rows = dir_->Write("rows.csv", "a,b,colour,size\n0.5,-1,red,1\n");
  const testing::CommandResult invoked =
      testing::RunCommand(bin + " endpoint invoke m --data " + rows.string() + url + " --accept application/json");
  ASSERT_EQ(invoked.exit_code, 0) << invoked.output;
  EXPECT_EQ(Json::parse(invoked.output)["predictions"].size(), 1u);
  const std::filesystem::path bad =
      dir_->Write("bad.json", R"({"instances": [{"a": "x", "b": 1, "colour": "red", "size": 1}]})");
  const testing::CommandResult refused = testing::RunCommand(bin + " endpoint invoke m --data " + bad.string() + url);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output, "error: endpoint 'm' answered 400: row 1, column 'a': 'x' is not a number\n");
  const testing::CommandResult unknown = testing::RunCommand(bin + " endpoint invoke zz --data " + rows.string() + url);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("answered 404: endpoint 'zz' is not served here"), std::string::npos) << unknown.output;
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
  EXPECT_NE(server.Log().find("tabpilot serve: stopped"), std::string::npos);
}

TEST_F(ServeProcess, StoreEndpointsHotSwapUnderLoadWithoutAFailedRequest) {
  const std::string store = (*dir_ / "store").string();
  const std::string bin = testing::TabpilotBinary().string();
  const testing::CommandResult created =
      testing::RunCommand(bin + " endpoint create e --model " + (*dir_ / "binary").string() + " --store " + store);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  ServerProcess server({"--store", store, "--poll-interval-ms", "100", "--access-log", "off"}, *dir_ / "serve2.log");
  // Load: two connections sending one-row requests until told to stop.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 2; ++t) {
    clients.emplace_back([&] {
      RawConnection c(server.port());
      while (!stop.load()) {
        c.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n"));
        (c.Read().status == 200 ? ok : failed).fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The update: a multiclass bundle; the server notices it within a poll.
  const testing::CommandResult updated =
      testing::RunCommand(bin + " endpoint update e --model " + (*dir_ / "multiclass").string() + " --store " + store);
  ASSERT_EQ(updated.exit_code, 0) << updated.output;
  RawConnection probe(server.port());
  std::string label;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    probe.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n"));
    label = probe.Read().body;
    if (label == "low\n" || label == "mid\n" || label == "high\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(label == "low\n" || label == "mid\n" || label == "high\n") << label;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop.store(true);
  for (std::thread& t : clients) t.join();
  EXPECT_GT(ok.load(), 20);
  EXPECT_EQ(failed.load(), 0);
  // The server wrote its status back to the store.
  const testing::CommandResult described = testing::RunCommand(bin + " endpoint describe e --json --store " + store);
  ASSERT_EQ(described.exit_code, 0) << described.output;
  const Json d = Json::parse(described.output);
  EXPECT_EQ(d["status"]["state"], "serving") << described.output;
  EXPECT_EQ(d["status"]["generation"], 2) << described.output;
  // A broken update: the old model keeps serving, the status says failed.
  const testing::TempDir broken;
  std::filesystem::create_directories(broken / "m");
  std::filesystem::copy_file(*dir_ / "multiclass" / "manifest.json", broken / "m" / "manifest.json");
  ASSERT_EQ(testing::RunCommand(bin + " endpoint update e --model " + (broken / "m").string() + " --store " + store)
                .exit_code,
            0);
  std::string state;
  for (int i = 0; i < 300 && state != "failed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const testing::CommandResult now = testing::RunCommand(bin + " endpoint describe e --json --store " + store);
    if (now.exit_code == 0) state = Json::parse(now.output)["status"].value("state", "");
  }
  EXPECT_EQ(state, "failed");
  probe.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n"));
  const RawConnection::Response still = probe.Read();
  EXPECT_EQ(still.status, 200);
  EXPECT_TRUE(still.body == "low\n" || still.body == "mid\n" || still.body == "high\n") << still.body;
  probe.Send(Get("/metrics"));
  EXPECT_NE(probe.Read().body.find("tabpilot_model_load_failures_total{endpoint=\"e\"} 1"), std::string::npos);
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST_F(ServeProcess, AnEndpointFollowingAGroupIsDeployedByApprovingAVersion) {
  const std::string store = (*dir_ / "store_approval").string();
  const auto run = [&](const std::string& args) { return RunCli(store, args); };
  run("registry register G --model " + (*dir_ / "binary").string());
  run("endpoint create adult --model-group G");
  ServerProcess server({"--store", store, "--poll-interval-ms", "100", "--access-log", "off"}, *dir_ / "serve3.log");
  RawConnection c(server.port());
  // Nothing Approved: the endpoint is not served yet, and says why.
  c.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n"));
  EXPECT_EQ(c.Read().status, 503);
  EXPECT_NE(
      Json::parse(run("endpoint describe adult --json"))["status"].value("message", "").find("no Approved version"),
      std::string::npos);
  run("registry approve G 1");
  int status = 0;
  for (int i = 0; i < 300 && status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.Send(Post("/invocations", "text/csv", "0.5,-1,red,1\n"));
    status = c.Read().status;
  }
  EXPECT_EQ(status, 200);
  const Json described = Json::parse(run("endpoint describe adult --json"));
  EXPECT_EQ(described["status"]["state"], "serving");
  EXPECT_EQ(described["status"]["model"], "G v1");
  c.Send(Get("/v2/models/adult"));
  EXPECT_EQ(Json::parse(c.Read().body)["versions"][0], "1");
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

TEST_F(ServeProcess, AdminRoutesChangeTheStoresEndpoints) {
  const std::string store = (*dir_ / "store_admin").string();
  const auto run = [&](const std::string& args) { return RunCli(store, args); };
  run("registry register G --model " + (*dir_ / "binary").string());
  run("registry register G --model " + (*dir_ / "binary").string());
  // Not on a public address without a token.
  const testing::CommandResult refused = testing::RunCommand(testing::TabpilotBinary().string() +
                                                             " serve --admin --host 0.0.0.0 --port 0 --store " + store);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("needs --auth-token-file"), std::string::npos) << refused.output;

  ServerProcess server({"--store", store, "--admin", "--poll-interval-ms", "60000", "--access-log", "off"},
                       *dir_ / "serve4.log");
  RawConnection c(server.port());
  // The poll interval is a minute: each change is picked up because the
  // admin route wakes the server, not by the poll.
  auto served_version = [&](const std::string& want) {
    std::string got;
    for (int i = 0; i < 300 && got != want; ++i) {
      c.Send(Get("/v2/models/web"));
      const RawConnection::Response r = c.Read();
      got = r.status == 200 ? Json::parse(r.body)["versions"][0].get<std::string>() : std::to_string(r.status);
      if (got != want) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return got;
  };
  c.Send(JsonRequest("PUT", "/admin/endpoints/web", R"({"model_group": "G", "version": 1})"));
  RawConnection::Response r = c.Read();
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Json::parse(r.body)["generation"], 1);
  EXPECT_EQ(served_version("1"), "1");
  c.Send(JsonRequest("PUT", "/admin/endpoints/web", R"({"model_group": "G", "version": 2})"));
  r = c.Read();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(served_version("2"), "2");
  c.Send(Post("/endpoints/web/invocations", "text/csv", "0.5,-1,red,1\n"));
  EXPECT_EQ(c.Read().status, 200);
  // The same source again changes nothing (no new generation, no reload).
  c.Send(JsonRequest("PUT", "/admin/endpoints/web", R"({"model_group": "G", "version": 2})"));
  r = c.Read();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["generation"], 2);
  c.Send(Get("/admin/endpoints"));
  const Json listed = Json::parse(c.Read().body)["endpoints"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["source"]["version"], 2);
  EXPECT_EQ(listed[0]["serving"], "G v2");

  // Bad changes: a file, a bad name, an unknown group, not JSON.
  for (const auto& [path, body, status] : std::vector<std::tuple<std::string, std::string, int>>{
           {"/admin/endpoints/web", R"({"model": "/etc"})", 400},
           {"/admin/endpoints/bad%20name", R"({"model_group": "G"})", 400},
           {"/admin/endpoints/web", R"({"model_group": "Nope"})", 404},
           {"/admin/endpoints/web", "{", 400}}) {
    SCOPED_TRACE(path + " " + body);
    c.Send(JsonRequest("PUT", path, body));
    EXPECT_EQ(c.Read().status, status);
  }
  EXPECT_EQ(served_version("2"), "2");

  // The store holds the changes (the CLI sees them), then the delete.
  EXPECT_EQ(Json::parse(run("endpoint describe web --json"))["source"]["version"], 2);
  c.Send(JsonRequest("DELETE", "/admin/endpoints/web", ""));
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_EQ(served_version("404"), "404");
  EXPECT_EQ(Json::parse(run("endpoint list --json")).size(), 0u);
  EXPECT_EQ(server.Terminate(), 0) << server.Log();
}

}  // namespace
}  // namespace tabpilot
