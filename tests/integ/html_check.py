#!/usr/bin/env python3
"""html_check.py — checks a hostmix HTML report (or the DOM a browser
dumped of it) with python3's html.parser: every element closes in order,
nothing is fetched (no script, no src/href to another host), and every
chart (<svg class="chart" data-chart=ID>) has a title, axis or legend text
and at least one drawn data mark (class "mark" with a non-empty shape).

    html_check.py FILE [--charts ID,ID,...] [--text STRING]... [--dom]

--charts: these chart ids must be present; --text: the page's text (tags
removed, whitespace folded) must contain STRING; --dom: FILE is a browser's
DOM dump (the browser adds its own <head> bits; void elements unclosed).
Prints one line per problem and exits 1 if there was any; prints the chart
ids it found and exits 0 otherwise."""
import html.parser
import re
import sys

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "source", "wbr", "area", "base"}


class Page(html.parser.HTMLParser):
    def __init__(self, dom):
        super().__init__(convert_charrefs=True)
        self.dom, self.stack, self.problems = dom, [], []
        self.charts, self.chart = {}, None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.check_fetch(tag, a)
        if tag == "svg" and "chart" in (a.get("class") or "").split():
            self.chart = a.get("data-chart") or "?"
            if self.chart in self.charts:
                self.problems.append("chart id %s twice" % self.chart)
            self.charts[self.chart] = {"marks": 0, "texts": 0, "title": False}
        elif self.chart and "mark" in (a.get("class") or "").split() and drawn(tag, a):
            self.charts[self.chart]["marks"] += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        self.check_fetch(tag, a)
        if self.chart and "mark" in (a.get("class") or "").split() and drawn(tag, a):
            self.charts[self.chart]["marks"] += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("line %d: </%s> closes <%s>" % (self.getpos()[0], tag,
                                                               self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()
        if tag == "svg" and self.chart and "svg" not in self.stack:
            self.chart = None

    def handle_data(self, data):
        self.text.append(data)
        if self.chart and self.stack and data.strip():
            if self.stack[-1] == "title":
                self.charts[self.chart]["title"] = True
            elif self.stack[-1] == "text":
                self.charts[self.chart]["texts"] += 1

    def check_fetch(self, tag, a):
        if tag == "script" and not self.dom:
            self.problems.append("a <script> element")
        for k in ("src", "href", "xlink:href"):
            v = a.get(k) or ""
            if re.match(r"^\s*(https?:|//|ftp:)", v):
                self.problems.append("<%s %s=%s> fetches from the network" % (tag, k, v))


def drawn(tag, a):
    """True if the mark has geometry: a width, points, a path or a radius."""
    if tag == "rect":
        return float(a.get("width") or 0) > 0 and float(a.get("height") or 0) > 0
    if tag in ("polygon", "polyline"):
        return len((a.get("points") or "").split()) >= 2
    if tag == "path":
        return len(a.get("d") or "") > 3
    if tag == "circle":
        return float(a.get("r") or 0) > 0
    if tag == "line":
        return a.get("x1") != a.get("x2") or a.get("y1") != a.get("y2")
    return False


def main(argv):
    path, want, texts, dom = argv[1], [], [], False
    i = 2
    while i < len(argv):
        if argv[i] == "--charts":
            want = [c for c in argv[i + 1].split(",") if c]
            i += 2
        elif argv[i] == "--text":
            texts.append(argv[i + 1])
            i += 2
        elif argv[i] == "--dom":
            dom, i = True, i + 1
        else:
            sys.exit("html_check.py: unexpected argument %r" % argv[i])
    p = Page(dom)
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    if p.stack and not dom:
        p.problems.append("unclosed at the end: %s" % ",".join(p.stack))
    if not p.charts:
        p.problems.append("no charts")
    for cid, c in p.charts.items():
        if c["marks"] < 1:
            p.problems.append("chart %s has no drawn marks" % cid)
        if not c["title"] or c["texts"] < 2:
            p.problems.append("chart %s lacks a title or axis/legend text" % cid)
    for cid in want:
        if cid not in p.charts:
            p.problems.append("chart %s missing" % cid)
    page = re.sub(r"\s+", " ", "".join(p.text))
    for t in texts:
        if t not in page:
            p.problems.append("text %r not on the page" % t)
    for x in p.problems:
        print(x)
    if p.problems:
        return 1
    print(" ".join(sorted(p.charts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
