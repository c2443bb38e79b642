#include "pipeline/yaml_guard.h"

#include <yaml-cpp/yaml.h>

#include <utility>
#include <vector>

#include "core/error.h"

namespace tabpilot {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

// Whether a quote or bracket after `previous` starts a token rather than
// sitting inside a plain scalar ("it's", "x[0]"). In block context only
// after a space; inside [ ] or { } also after the flow indicators (a plain
// scalar there cannot hold a bracket at all).
bool StartsToken(char previous, bool in_flow) {
  if (IsSpace(previous)) return true;
  return in_flow && (previous == ',' || previous == '[' || previous == '{' || previous == ':');
}

[[noreturn]] void TooDeep(const std::string& source, size_t line, const InputLimits& limits) {
  throw InvalidInput(Where(source, line, "") + ": nesting deeper than the limit of " +
                     std::to_string(limits.yaml_depth) + " levels (TABPILOT_LIMIT_YAML_DEPTH)");
}

// True when `content` (a line without its comment) ends with a block scalar
// header: "|" or ">" with optional chomping/indentation indicators.
bool EndsWithBlockScalarHeader(std::string_view content) {
  while (!content.empty() && IsSpace(content.back())) content.remove_suffix(1);
  size_t i = content.size();
  while (i > 0 && (content[i - 1] == '-' || content[i - 1] == '+' || (content[i - 1] >= '1' && content[i - 1] <= '9')))
    --i;
  if (i == 0 || (content[i - 1] != '|' && content[i - 1] != '>')) return false;
  return i == 1 || IsSpace(content[i - 2]);
}

// Line-by-line state of the nesting scan.
class NestingScan {
 public:
  NestingScan(const std::string& source, const InputLimits& limits) : source_(source), limits_(limits) {}

  void Line(std::string_view line, size_t line_no) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    const bool blank = indent == line.size() || line[indent] == '#';
    if (block_scalar_) {
      // A literal or folded block: its lines are text, whatever they hold.
      if (blank || indent > block_scalar_indent_) return;
      block_scalar_ = false;
    }
    size_t i = indent;
    if (!in_double_ && !in_single_ && flow_depth_ == 0) {
      if (blank) return;
      while (!indents_.empty() && indents_.back() > indent) indents_.pop_back();
      if (indents_.empty() || indents_.back() < indent) indents_.push_back(indent);
      // "- - - x" and "? ? x" nest on one line.
      size_t entries = 0;
      while (i < line.size() && (line[i] == '-' || line[i] == '?') && (i + 1 == line.size() || IsSpace(line[i + 1]))) {
        ++entries;
        ++i;
        while (i < line.size() && IsSpace(line[i])) ++i;
      }
      if (indents_.size() + entries > limits_.yaml_depth) TooDeep(source_, line_no, limits_);
      block_depth_ = indents_.size() + entries;
    }
    const size_t content_end = Scan(line, i, line_no);
    if (!in_double_ && !in_single_ && flow_depth_ == 0 &&
        EndsWithBlockScalarHeader(line.substr(indent, content_end - indent))) {
      block_scalar_ = true;
      block_scalar_indent_ = indent;
    }
  }

 private:
  // Scans characters from `i`: quotes, brackets, a comment. Returns where the
  // line's content ends (the comment's start or the line's end).
  size_t Scan(std::string_view line, size_t i, size_t line_no) {
    for (; i < line.size(); ++i) {
      const char c = line[i];
      const char previous = i == 0 ? ' ' : line[i - 1];
      if (in_double_) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_double_ = false;
        }
        continue;
      }
      if (in_single_) {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'') {
            ++i;
          } else {
            in_single_ = false;
          }
        }
        continue;
      }
      if (c == '#' && IsSpace(previous)) return i;
      const bool token_start = StartsToken(previous, flow_depth_ > 0);
      if ((c == '"' || c == '\'') && token_start) {
        (c == '"' ? in_double_ : in_single_) = true;
      } else if ((c == '[' || c == '{') && (token_start || flow_depth_ > 0)) {
        ++flow_depth_;
        if (block_depth_ + flow_depth_ > limits_.yaml_depth) TooDeep(source_, line_no, limits_);
      } else if ((c == ']' || c == '}') && flow_depth_ > 0) {
        --flow_depth_;
      }
    }
    return line.size();
  }

  const std::string& source_;
  const InputLimits& limits_;
  std::vector<size_t> indents_;  // indentation of the open block levels (at most yaml_depth)
  size_t block_depth_ = 0;       // block levels open at the current line
  size_t flow_depth_ = 0;        // [ and { open
  bool in_double_ = false;       // inside a "..." scalar (which may span lines)
  bool in_single_ = false;       // inside a '...' scalar
  bool block_scalar_ = false;    // inside a | or > block
  size_t block_scalar_indent_ = 0;
};

size_t LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? 0 : static_cast<size_t>(mark.line) + 1;
}

}  // namespace

void CheckYamlSize(uint64_t bytes, const std::string& source, const InputLimits& limits) {
  if (bytes > limits.yaml_bytes) {
    throw InvalidInput(source + ": " + std::to_string(bytes) + " bytes, more than the limit of " +
                       std::to_string(limits.yaml_bytes) + " (TABPILOT_LIMIT_YAML_BYTES)");
  }
}

void CheckYamlText(std::string_view text, const std::string& source, const InputLimits& limits) {
  CheckYamlSize(text.size(), source, limits);
  NestingScan scan(source, limits);
  size_t line_no = 1;
  for (size_t pos = 0; pos <= text.size(); ++line_no) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    scan.Line(text.substr(pos, nl - pos), line_no);
    pos = nl + 1;
  }
}

void CheckYamlTree(const YAML::Node& root, const std::string& source, const InputLimits& limits) {
  // Depth-first with an explicit stack (a cycle must not recurse); a node is
  // counted when it is pushed, so the stack never holds more than the budget.
  std::vector<std::pair<YAML::Node, size_t>> stack;
  uint64_t visited = 0;
  auto push = [&](const YAML::Node& node, size_t depth) {
    if (++visited > limits.yaml_nodes) {
      throw InvalidInput(Where(source, LineOf(node), "") + ": more than the limit of " +
                         std::to_string(limits.yaml_nodes) +
                         " YAML nodes, an alias counted each time it is used (TABPILOT_LIMIT_YAML_NODES)");
    }
    if (depth > limits.yaml_depth) TooDeep(source, LineOf(node), limits);
    stack.emplace_back(node, depth);
  };
  push(root, 1);
  while (!stack.empty()) {
    const auto [node, depth] = std::move(stack.back());
    stack.pop_back();
    if (node.IsSequence()) {
      for (const auto& item : node) push(item, depth + 1);
    } else if (node.IsMap()) {
      for (const auto& kv : node) {
        push(kv.first, depth + 1);
        push(kv.second, depth + 1);
      }
    }
  }
}

}  // namespace tabpilot
