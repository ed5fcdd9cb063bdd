#!/usr/bin/env python3
"""Replaces one section of BENCHMARKS.md, keeping the others.

Usage: merge-section.py NAME SECTION_FILE TARGET

A section is the text between `<!-- NAME:begin -->` and `<!-- NAME:end -->`.
If TARGET has no such section it is appended. Each bench script owns one
section, so rerunning one benchmark never erases another's results.
"""
import re
import sys

name, section_file, target = sys.argv[1:4]
section = open(section_file).read().strip("\n")
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
block = f"{begin}\n{section}\n{end}\n"
try:
    text = open(target).read()
except FileNotFoundError:
    text = ""
pat = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.S)
if pat.search(text):
    text = pat.sub(lambda _: block, text, count=1)
else:
    text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + block
open(target, "w").write(text)
