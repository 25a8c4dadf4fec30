#!/usr/bin/python3
"""Checks that the README and the pages of docs/ still say what the tree says.

  1. links: every relative link and image of every Markdown file of the tree (README.md,
     docs/, ports/, examples/, fuzz/; not build*/) names a file that exists, and an
     anchor (#...) names a heading of that page (GitHub's slugs);
  2. headline: README.md's headline table is what tools/headline.py makes of the
     generated sections of docs/ (no figure typed by hand);
  3. API: every line of the C++ blocks of the README's "The API in 25 lines" is a line of
     examples/readme_api.cpp (spaces aside), which the test readme_api builds and runs.

Usage: python3 tools/check_docs.py   (the ctest test readme_docs, and tools/static_checks.sh)
Exit status 1 with one line per problem.
"""
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import headline  # noqa: E402

ROOT = headline.ROOT
SKIP_DIRS = {".git"}
API_HEADING = "## The API in 25 lines"
API_SOURCE = "examples/readme_api.cpp"

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"`[^`]*`")


def markdown_files():
    for path in sorted(ROOT.rglob("*.md")):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIP_DIRS or p.startswith("build") for p in parts):
            continue
        yield path


def prose_lines(text):
    """(line number, line without inline code) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, CODE_SPAN.sub("", line)


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = CODE_SPAN.sub(lambda m: m.group(0)[1:-1], heading.strip().lstrip("#").strip())
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path):
    found, counts = set(), {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6} ", line):
            s = slug(line)
            n = counts.get(s, 0)
            counts[s] = n + 1
            found.add(s if n == 0 else f"{s}-{n}")
    return found


def check_links():
    problems = []
    for path in markdown_files():
        rel = path.relative_to(ROOT)
        for number, line in prose_lines(path.read_text(encoding="utf-8")):
            for target in LINK.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                destination = (path.parent / file_part).resolve() if file_part else path
                if not destination.exists():
                    problems.append(f"{rel}:{number}: link to {target}: no such file")
                elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                    problems.append(f"{rel}:{number}: link to {target}: no such heading")
    return problems


def check_headline():
    try:
        if headline.update(ROOT, check=True):
            return []
        return ["README.md: the headline table differs from what tools/headline.py makes of docs/ "
                "(run python3 tools/headline.py)"]
    except headline.PageError as e:
        return [f"headline: {e}"]


def squeeze(line):
    return " ".join(line.split())


def check_api():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    if API_HEADING not in readme:
        return [f"README.md: no section {API_HEADING!r}"]
    api = readme.split(API_HEADING, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```cpp\n(.*?)```", api, re.S)
    if not blocks:
        return [f"README.md: no ```cpp block under {API_HEADING!r}"]
    source = {squeeze(line) for line in (ROOT / API_SOURCE).read_text(encoding="utf-8").splitlines()}
    return [f"README.md: API line not in {API_SOURCE}: {line.strip()}"
            for block in blocks for line in block.splitlines()
            if line.strip() and squeeze(line) not in source]


def main():
    problems = check_links() + check_headline() + check_api()
    for p in problems:
        print(p)
    if problems:
        return 1
    print("check_docs: links, headline table and API example agree with the tree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
