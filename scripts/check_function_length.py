#!/usr/bin/env python3
"""Fails when a function in the given source trees is longer than the limit.

Usage: scripts/check_function_length.py [--max-lines N] DIR...

A function's length is counted from the line of its opening brace to the line
of its closing brace; lambdas and local classes count towards the function
that holds them. A function may be longer only when the comment block right
above it (or on its signature's lines) says why, with a line containing
"long on purpose:" followed by the reason (e.g. a hot loop kept in one piece).
Prints one line per offender (file:line: N lines: signature) and exits 1 if
there is any, 0 otherwise. Uses only the standard library.
"""

import argparse
import re
import sys
from pathlib import Path

CONTROL = re.compile(r"^(if|for|while|switch|catch|do|else|try)\b")
NOT_FUNCTION = re.compile(r"^(namespace|class|struct|union|enum|extern)\b|=\s*$|^\s*$")
EXEMPT = "long on purpose:"


def strip_code(text):
    """Blanks comments, strings and character literals, keeping line breaks."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c == 'R' and text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = ")" + m.group(1) + '"'
            j = text.find(end, i + m.end())
            j = n if j < 0 else j + len(end)
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """Yields (start_line, end_line, signature_line) of outermost function bodies."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    code = strip_code(raw)
    stack = []  # one entry per open brace: True if it opens an outermost function body
    in_function = 0
    head_start = 0
    for i, c in enumerate(code):
        if c in ";}":
            if c == "}" and stack:
                is_fn, start = stack.pop()
                if is_fn:
                    in_function -= 1
                    yield start, code.count("\n", 0, i) + 1
            head_start = i + 1
        elif c == "{":
            head = " ".join(code[head_start:i].split())
            is_fn = (
                in_function == 0
                and ")" in head
                and not CONTROL.match(head)
                and not NOT_FUNCTION.search(head)
            )
            if is_fn:
                in_function += 1
            stack.append((is_fn, code.count("\n", 0, i) + 1))
            head_start = i + 1


def exempt(lines, start):
    """Whether the comments above the function starting at line `start` (1-based)
    say why it is long: the lines from the brace up through the signature and
    the comment block above it, stopping at the previous declaration's end."""
    k = start - 1
    for _ in range(20):
        text = lines[k].strip()
        if EXEMPT in text.lower():
            return True
        k -= 1
        if k < 0:
            break
        prev = lines[k].strip()
        if prev.endswith((";", "}", "{")) and not prev.startswith("//"):
            break
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-lines", type=int, default=120)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    offenders = []
    checked = 0
    for d in args.dirs:
        for path in sorted(Path(d).rglob("*")):
            if path.suffix not in (".cpp", ".h", ".cc", ".hpp"):
                continue
            lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
            for start, end in functions(path):
                checked += 1
                length = end - start + 1
                if length > args.max_lines and not exempt(lines, start):
                    offenders.append(f"{path}:{start}: {length} lines: {lines[start - 1].strip()[:100]}")
    for line in offenders:
        print(line)
    print(f"{checked} functions checked, {len(offenders)} longer than {args.max_lines} lines")
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main())
