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
//   --- data.csv                         (a file written to {dir}; lines follow)
//   a,b
//   1,2
// In file blocks, \xNN writes the byte NN (for invalid UTF-8) and a block named
// with the suffix " (no newline)" drops the final newline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
  }
  finish();
  return c;
}

std::string Substitute(std::string s, const fs::path& dir) {
  const std::string key = "{dir}";
  for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), dir.string());
  return s;
}

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(TABPILOT_CASES_DIR) / "cli")) {
    if (e.path().extension() == ".case") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CliCase : public ::testing::TestWithParam<fs::path> {};

TEST_P(CliCase, ExitCodeAndMessage) {
  Case c = ParseCase(GetParam());
  testing::TempDir dir;
  for (const auto& [name, content] : c.files) dir.Write(name, content);
  const std::string prefix = "cd " + dir.path().string() + " && " + testing::TabpilotBinary().string() + " ";
  for (const auto& s : c.setup) {
    testing::CommandResult setup = testing::RunCommand(prefix + Substitute(s, dir.path()));
    ASSERT_EQ(setup.exit_code, 0) << s << "\n" << setup.output;
  }
  std::string cmd = prefix + Substitute(c.args, dir.path());
  testing::CommandResult r = testing::RunCommand(cmd);
  EXPECT_EQ(r.exit_code, c.exit_code) << cmd << "\n" << r.output;
  for (const auto& m : c.messages) EXPECT_NE(r.output.find(Substitute(m, dir.path())), std::string::npos) << "expected '" << m << "' in:\n" << r.output;
  for (const auto& a : c.absent) EXPECT_FALSE(fs::exists(Substitute(a, dir.path()))) << a << " should not exist";
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

INSTANTIATE_TEST_SUITE_P(Cases, CliCase, ::testing::ValuesIn(CaseFiles()),
                         [](const ::testing::TestParamInfo<fs::path>& param_info) {
                           std::string n = param_info.param.stem().string();
                           for (char& ch : n) if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace tabpilot
