// Runs every tests/cases/cli/*.case file: each names a tabpilot command line,
// the files it needs, the exit code and what it must print or write. Failing
// commands must leave no output behind (nothing half-written) and print one
// "error: ..." line, which the case states in full.
//
// Case file format (keys may repeat unless noted; {dir} is the case's folder,
// which is also the working directory):
//   # comment lines
//   setup: train ...      a command that must succeed first (run in order)
//   args: train --data {dir}/data.csv --target y --output {dir}/model  (once)
//   exit: 2               (once; default 0)
//   error: TEXT           the error line on stderr is exactly "error: TEXT",
//                         where {any} stands for any characters (an execution
//                         id); required when exit is not 0
//   message: TEXT         a substring of stdout + stderr
//   line: REGEX           a line of stdout or stderr matches REGEX in full
//   stdout: REGEX         the whole of stdout matches REGEX (\n ends a line)
//   absent: {dir}/model   a path that must not exist afterwards
//   file_line: PATH REGEX a line of the file PATH matches REGEX in full
//   file_rows: PATH REGEX every line of PATH but the first (a CSV header)
//                         matches REGEX in full
//   file_lines: PATH N    the file PATH has exactly N lines
//   json: POINTER CHECK   stdout parsed as JSON satisfies CHECK at POINTER
//   file_json: PATH POINTER CHECK   the same for the JSON file PATH
//   backends: sqlite postgresql   (once) run once per metadata store backend
//                         (default: sqlite only)
//   file_size_limit_kb: N (once) the command runs under `ulimit -f N`: a
//                         write past N KiB fails as on a full disk
//   --- data.csv          a file written to {dir}; lines follow to the next ---
//   a,b
//   1,2
// REGEX is ECMAScript. POINTER is a JSON pointer ("/" alone is the document)
// whose components may also be "*" (every element of an array or value of an
// object) or "[key=value]" (the array elements whose member `key` is the
// string `value`, or whose value prints as `value`); the check must hold for
// every value selected, and at least one must be. CHECK is one of:
//   = JSON                equal to the JSON value (= "ok", = 3, = true)
//   in LO HI              a number within [LO, HI]
//   is TYPE               string, number, integer, boolean, array, object, null
//   keys K1 K2 ...        an object with exactly these keys, in any order
//   size N / size>= N     an array or object with N (at least N) elements
//   sorted KEY asc|desc   an array of objects ordered by their member KEY
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
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/json.h"
#include "store_test_support.h"
#include "support/test_support.h"

namespace tabpilot {
namespace {
namespace fs = std::filesystem;

// A "json:" or "file_json:" line; `file` is empty for stdout.
struct JsonCheck {
  std::string file;
  std::string pointer;
  std::string check;
};

// A "file_line:" or "file_lines:" line.
struct FileCheck {
  std::string file;
  std::string expected;  // a REGEX, or the line count
};

struct Case {
  std::string name;
  std::vector<std::string> setup;
  std::string args;
  int exit_code = 0;
  std::vector<std::string> errors;
  std::vector<std::string> messages;
  std::vector<std::string> lines;
  std::vector<std::string> stdout_regexes;
  std::vector<std::string> absent;
  std::vector<FileCheck> file_lines;
  std::vector<FileCheck> file_rows;
  std::vector<FileCheck> file_line_counts;
  std::vector<JsonCheck> json;
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> backends = {"sqlite"};
  std::string file_size_limit_kb;  // empty: no limit
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

// Splits "FIRST REST" at the first space.
std::pair<std::string, std::string> FirstWord(const std::string& s) {
  const size_t space = s.find(' ');
  if (space == std::string::npos) return {s, ""};
  return {s.substr(0, space), s.substr(space + 1)};
}

// Records one "key: value" line; returns false for an unknown key, so a typo
// in a case file fails the case instead of silently checking nothing.
bool AddKey(Case& c, const std::string& key, const std::string& value) {
  if (key == "setup") {
    c.setup.push_back(value);
  } else if (key == "args") {
    c.args = value;
  } else if (key == "exit") {
    c.exit_code = std::stoi(value);
  } else if (key == "error") {
    c.errors.push_back(value);
  } else if (key == "message") {
    c.messages.push_back(value);
  } else if (key == "line") {
    c.lines.push_back(value);
  } else if (key == "stdout") {
    c.stdout_regexes.push_back(value);
  } else if (key == "absent") {
    c.absent.push_back(value);
  } else if (key == "file_line") {
    auto [file, regex] = FirstWord(value);
    c.file_lines.push_back({file, regex});
  } else if (key == "file_rows") {
    auto [file, regex] = FirstWord(value);
    c.file_rows.push_back({file, regex});
  } else if (key == "file_lines") {
    auto [file, count] = FirstWord(value);
    c.file_line_counts.push_back({file, count});
  } else if (key == "json") {
    auto [pointer, check] = FirstWord(value);
    c.json.push_back({"", pointer, check});
  } else if (key == "backends") {
    c.backends.clear();
    std::istringstream words(value);
    for (std::string w; words >> w;) c.backends.push_back(w);
  } else if (key == "file_size_limit_kb") {
    c.file_size_limit_kb = value;
  } else if (key == "file_json") {
    auto [file, rest] = FirstWord(value);
    auto [pointer, check] = FirstWord(rest);
    c.json.push_back({file, pointer, check});
  } else {
    return false;
  }
  return true;
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
    const std::string key = line.substr(0, colon);
    EXPECT_TRUE(colon != std::string::npos && AddKey(c, key, line.substr(colon + 2)))
        << path.filename().string() << ": unknown line '" << line << "'";
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

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A regex matching `text` literally, except that {any} matches anything.
std::string LiteralPattern(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  const std::string any = "{any}";
  std::string out;
  size_t start = 0;
  for (size_t p; (p = text.find(any, start)) != std::string::npos; start = p + any.size()) {
    out += std::regex_replace(text.substr(start, p - start), special, "\\$&") + ".*";
  }
  return out + std::regex_replace(text.substr(start), special, "\\$&");
}

bool AnyLineMatches(const std::vector<std::string>& lines, const std::string& regex) {
  const std::regex re(regex);
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return std::regex_match(l, re); });
}

// The values a POINTER selects (see the format above).
std::vector<const Json*> Select(const Json& doc, const std::string& pointer) {
  std::vector<const Json*> current = {&doc};
  if (pointer == "/") return current;
  std::istringstream parts(pointer.substr(1));
  for (std::string part; std::getline(parts, part, '/');) {
    std::vector<const Json*> next;
    for (const Json* j : current) {
      if (part == "*" && (j->is_array() || j->is_object())) {
        for (const Json& e : *j) next.push_back(&e);
      } else if (part.size() > 2 && part.front() == '[' && part.back() == ']' && j->is_array()) {
        const size_t eq = part.find('=');
        const std::string key = part.substr(1, eq - 1), want = part.substr(eq + 1, part.size() - eq - 2);
        for (const Json& e : *j) {
          if (!e.is_object() || !e.contains(key)) continue;
          const Json& v = e.at(key);
          if ((v.is_string() && v.get<std::string>() == want) || v.dump() == want) next.push_back(&e);
        }
      } else if (j->is_object() && j->contains(part)) {
        next.push_back(&j->at(part));
      } else if (j->is_array() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit) &&
                 std::stoul(part) < j->size()) {
        next.push_back(&j->at(std::stoul(part)));
      }
    }
    current = std::move(next);
  }
  return current;
}

// Why `value` fails CHECK, or "" when it passes.
std::string CheckJson(const Json& value, const std::string& check) {
  auto [op, arg] = FirstWord(check);
  const std::string shown = value.dump();
  if (op == "=") {
    return value == Json::parse(arg) ? "" : shown + " is not " + arg;
  }
  if (op == "in") {
    auto [lo, hi] = FirstWord(arg);
    if (!value.is_number()) return shown + " is not a number";
    const double v = value.get<double>();
    return v >= std::stod(lo) && v <= std::stod(hi) ? "" : shown + " is outside [" + lo + ", " + hi + "]";
  }
  if (op == "is") {
    const bool ok = (arg == "string" && value.is_string()) || (arg == "number" && value.is_number()) ||
                    (arg == "integer" && value.is_number_integer()) || (arg == "boolean" && value.is_boolean()) ||
                    (arg == "array" && value.is_array()) || (arg == "object" && value.is_object()) ||
                    (arg == "null" && value.is_null());
    return ok ? "" : shown.substr(0, 200) + " is not " + arg;
  }
  if (op == "keys") {
    if (!value.is_object()) return shown.substr(0, 200) + " is not an object";
    std::set<std::string> want, have;
    std::istringstream words(arg);
    for (std::string w; words >> w;) want.insert(w);
    for (const auto& [k, v] : value.items()) have.insert(k);
    std::string got;
    for (const auto& k : have) got += " " + k;
    return want == have ? "" : "keys are" + got;
  }
  if (op == "size" || op == "size>=") {
    if (!value.is_array() && !value.is_object()) return shown.substr(0, 200) + " has no size";
    const size_t n = std::stoul(arg);
    const bool ok = op == "size" ? value.size() == n : value.size() >= n;
    return ok ? "" : "size is " + std::to_string(value.size());
  }
  if (op == "sorted") {
    auto [key, order] = FirstWord(arg);
    if (!value.is_array()) return shown.substr(0, 200) + " is not an array";
    for (size_t i = 1; i < value.size(); ++i) {
      const Json &a = value[i - 1].at(key), &b = value[i].at(key);
      if (order == "asc" ? b < a : a < b) return "not sorted by " + key + " at element " + std::to_string(i);
    }
    return "";
  }
  return "unknown check '" + check + "'";
}

void ExpectJson(const std::string& text, const JsonCheck& check, const std::string& source) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    ADD_FAILURE() << source << " is not JSON: " << e.what() << "\n" << text;
    return;
  }
  const std::vector<const Json*> selected = Select(doc, check.pointer);
  EXPECT_FALSE(selected.empty()) << source << ": nothing at " << check.pointer;
  for (const Json* v : selected) {
    const std::string why = CheckJson(*v, check.check);
    EXPECT_EQ(why, "") << source << " " << check.pointer << " " << check.check;
  }
}

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(TABPILOT_CASES_DIR) / "cli")) {
    if (e.path().extension() == ".case") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Checks on the files the command wrote.
void ExpectFiles(const Case& c, const Placeholders& dir) {
  for (const auto& a : c.absent) EXPECT_FALSE(fs::exists(Substitute(a, dir))) << a << " should not exist";
  for (const auto& f : c.file_lines) {
    const fs::path path = Substitute(f.file, dir);
    const std::string text = ReadText(path);
    EXPECT_TRUE(AnyLineMatches(Lines(text), Substitute(f.expected, dir)))
        << "no line of " << f.file << " matches '" << f.expected << "':\n"
        << text;
  }
  for (const auto& f : c.file_rows) {
    const std::string text = ReadText(Substitute(f.file, dir));
    const std::vector<std::string> lines = Lines(text);
    EXPECT_GE(lines.size(), 2u) << f.file << " has no rows:\n" << text;
    const std::regex re(Substitute(f.expected, dir));
    for (size_t i = 1; i < lines.size(); ++i) {
      EXPECT_TRUE(std::regex_match(lines[i], re))
          << f.file << " line " << i + 1 << " '" << lines[i] << "' does not match '" << f.expected << "'";
    }
  }
  for (const auto& f : c.file_line_counts) {
    EXPECT_EQ(Lines(ReadText(Substitute(f.file, dir))).size(), std::stoul(f.expected)) << f.file;
  }
  for (const auto& j : c.json) {
    if (!j.file.empty()) ExpectJson(ReadText(Substitute(j.file, dir)), j, j.file);
  }
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

TEST_P(CliCase, ExitCodeAndOutput) {
  Case c = ParseCase(GetParam().file);
  ASSERT_FALSE(c.args.empty()) << c.name << ": no 'args:' line";
  testing::TempDir dir, scratch;
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
  // stderr goes to its own file so stdout can be parsed (json:) on its own.
  const fs::path stderr_path = scratch / "stderr";
  const std::string limit = c.file_size_limit_kb.empty() ? "" : "ulimit -f " + c.file_size_limit_kb + " && ";
  const std::string cmd = "{ " + limit + prefix + Substitute(c.args, p) + " 2>" + stderr_path.string() + "; }";
  const testing::CommandResult r = testing::RunCommand(cmd);
  const std::string out = r.output, err = ReadText(stderr_path), both = out + err;
  EXPECT_EQ(r.exit_code, c.exit_code) << cmd << "\n" << both;
  for (const auto& m : c.messages) {
    EXPECT_NE(both.find(Substitute(m, p)), std::string::npos) << "expected '" << m << "' in:\n" << both;
  }
  std::vector<std::string> lines = Lines(out), err_lines = Lines(err);
  lines.insert(lines.end(), err_lines.begin(), err_lines.end());
  for (const auto& l : c.lines) {
    EXPECT_TRUE(AnyLineMatches(lines, Substitute(l, p))) << "no line matches '" << l << "' in:\n" << both;
  }
  for (const auto& regex : c.stdout_regexes) {
    EXPECT_TRUE(std::regex_match(out, std::regex(Substitute(regex, p)))) << "stdout does not match '" << regex << "':\n"
                                                                         << out;
  }
  for (const auto& j : c.json) {
    if (j.file.empty()) ExpectJson(out, j, "stdout");
  }
  ExpectFiles(c, p);

  std::vector<std::string> error_lines;
  for (const auto& l : err_lines) {
    if (l.rfind("error: ", 0) == 0) error_lines.push_back(l);
  }
  for (const auto& e : c.errors) {
    const std::string want = "error: " + Substitute(e, p);
    EXPECT_TRUE(AnyLineMatches(error_lines, LiteralPattern(want))) << "expected the line '" << want << "' on stderr:\n"
                                                                   << err;
  }
  if (c.exit_code != 0) {
    // The case states its error in full, and the command printed exactly one
    // error line and no stack trace.
    EXPECT_FALSE(c.errors.empty()) << c.name << ": a failing case needs an 'error:' line; stderr was:\n" << err;
    EXPECT_EQ(error_lines.size(), 1u) << err;
    EXPECT_EQ(both.find("terminate called"), std::string::npos) << both;
    // Nothing half-written: no temporary files left in the folder.
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
    }
  } else {
    EXPECT_TRUE(error_lines.empty()) << err;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CliCase, ::testing::ValuesIn(CaseRuns()),
                         [](const ::testing::TestParamInfo<CaseRun>& param_info) {
                           std::string n = param_info.param.file.stem().string();
                           if (param_info.param.backend != "sqlite") n += "_" + param_info.param.backend;
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace tabpilot
