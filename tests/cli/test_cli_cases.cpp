// Runs every tests/cases/cli/*.case file: each names a tabpilot command line,
// the files it needs, the exit code and a message it must print. Failing
// commands must leave no output behind (nothing half-written).
//
// Case file format:
//   # comment lines
//   setup: train ... (optional, may repeat: commands that must succeed first)
//   args: train --data {dir}/data.csv --target y --output {dir}/model
//   exit: 2
//   message: no target column 'y'        (substring of stdout+stderr; may repeat)
//   absent: {dir}/model                  (path that must not exist afterwards; may repeat)
//   backends: sqlite postgresql          (optional: run once per metadata store
//                                         backend; default sqlite only)
//   --- data.csv                         (a file written to {dir}; lines follow)
//   a,b
//   1,2
// {store} is the metadata store of the run: {dir}/.tabpilot/metadata.db (the
// default) on SQLite, a fresh database on a throwaway server on PostgreSQL,
// where every command also gets TABPILOT_STORE (so commands without --store
// use it; artifacts then go to .tabpilot/artifacts in {dir}, as on SQLite).
// {execution} is the last pipeline execution id an earlier command of the case
// printed.
// In file blocks, \xNN writes the byte NN (for invalid UTF-8) and a block named
// with the suffix " (no newline)" drops the final newline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "store_test_support.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

struct Case {
  std::string name;
  std::vector<std::string> setup;
  std::string args;
  int exit_code = 0;
  std::vector<std::string> messages;
  std::vector<std::string> absent;
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> backends = {"sqlite"};
};

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(s.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

Case ParseCase(const fs::path& path) {
  Case c;
  c.name = path.stem().string();
  std::ifstream in(path);
  std::string line;
  std::string* current = nullptr;
  bool no_newline = false;
  auto finish = [&] {
    if (current && no_newline && !current->empty()) current->pop_back();
  };
  while (std::getline(in, line)) {
    if (line.rfind("--- ", 0) == 0) {
      finish();
      std::string name = line.substr(4);
      no_newline = false;
      const std::string suffix = " (no newline)";
      if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        name = name.substr(0, name.size() - suffix.size());
        no_newline = true;
      }
      c.files.emplace_back(name, "");
      current = &c.files.back().second;
      continue;
    }
    if (current) {
      *current += Unescape(line) + "\n";
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    auto colon = line.find(": ");
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "setup") c.setup.push_back(value);
    if (key == "args") c.args = value;
    if (key == "exit") c.exit_code = std::stoi(value);
    if (key == "message") c.messages.push_back(value);
    if (key == "absent") c.absent.push_back(value);
    if (key == "backends") {
      c.backends.clear();
      std::istringstream words(value);
      for (std::string w; words >> w;) c.backends.push_back(w);
    }
  }
  finish();
  return c;
}

// What {placeholders} stand for in one run of a case.
struct Placeholders {
  fs::path dir;
  std::string store;
  std::string execution;
};

std::string Substitute(std::string s, const Placeholders& p) {
  for (const auto& [key, value] : {std::pair<std::string, std::string>{"{dir}", p.dir.string()},
                                   {"{store}", p.store},
                                   {"{execution}", p.execution}}) {
    for (size_t at; (at = s.find(key)) != std::string::npos;) s.replace(at, key.size(), value);
  }
  return s;
}

// Remembers the last execution id a command printed ("execution ID ...").
void NoteExecution(const std::string& output, Placeholders* p) {
  static const std::regex id(R"(execution (\d{8}-\d{6}-[0-9a-f]{6}))");
  for (std::sregex_iterator it(output.begin(), output.end(), id), end; it != end; ++it) p->execution = (*it)[1];
}

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(TABPILOT_CASES_DIR) / "cli")) {
    if (e.path().extension() == ".case") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct CaseRun {
  fs::path file;
  std::string backend;
};

std::vector<CaseRun> CaseRuns() {
  std::vector<CaseRun> out;
  for (const auto& f : CaseFiles()) {
    for (const auto& b : ParseCase(f).backends) out.push_back({f, b});
  }
  return out;
}

// For gtest's messages.
void PrintTo(const CaseRun& run, std::ostream* out) { *out << run.file.filename() << " on " << run.backend; }

class CliCase : public ::testing::TestWithParam<CaseRun> {};

TEST_P(CliCase, ExitCodeAndMessage) {
  Case c = ParseCase(GetParam().file);
  testing::TempDir dir;
  for (const auto& [name, content] : c.files) dir.Write(name, content);
  Placeholders p{dir.path(), (dir.path() / ".tabpilot" / "metadata.db").string(), ""};
  std::string env;
  std::unique_ptr<testing::TestStore> postgres;
  if (GetParam().backend == "postgresql") {
    postgres = std::make_unique<testing::TestStore>("postgresql");  // fails the case when no server starts
    p.store = postgres->location();
    env = "export TABPILOT_STORE='" + p.store + "' && ";
  } else {
    ASSERT_EQ(GetParam().backend, "sqlite") << "unknown backend in " << GetParam().file;
  }
  const std::string prefix = "cd " + dir.path().string() + " && " + env + testing::TabpilotBinary().string() + " ";
  for (const auto& s : c.setup) {
    testing::CommandResult setup = testing::RunCommand(prefix + Substitute(s, p));
    ASSERT_EQ(setup.exit_code, 0) << s << "\n" << setup.output;
    NoteExecution(setup.output, &p);
  }
  std::string cmd = prefix + Substitute(c.args, p);
  testing::CommandResult r = testing::RunCommand(cmd);
  EXPECT_EQ(r.exit_code, c.exit_code) << cmd << "\n" << r.output;
  for (const auto& m : c.messages) {
    EXPECT_NE(r.output.find(Substitute(m, p)), std::string::npos) << "expected '" << Substitute(m, p) << "' in:\n"
                                                                  << r.output;
  }
  for (const auto& a : c.absent) EXPECT_FALSE(fs::exists(Substitute(a, p))) << a << " should not exist";
  if (c.exit_code != 0) {
    // One clear line: an error is a single "error: ..." line, no stack trace.
    EXPECT_NE(r.output.find("error: "), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("terminate called"), std::string::npos) << r.output;
    // Nothing half-written: no temporary files left in the folder.
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CliCase, ::testing::ValuesIn(CaseRuns()),
                         [](const ::testing::TestParamInfo<CaseRun>& param_info) {
                           std::string n = param_info.param.file.stem().string();
                           if (param_info.param.backend != "sqlite") n += "_" + param_info.param.backend;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace tabpilot
