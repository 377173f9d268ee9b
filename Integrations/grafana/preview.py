#!/usr/bin/env python3
"""A preview of the Grafana dashboard netmgr.json, drawn from real scrapes of netmgrd.

Grafana is not needed (nor run): this script reads the dashboard JSON and a directory of
scrapes in the Prometheus text format, evaluates each panel's PromQL with a small evaluator
(the subset netmgr.json uses: selectors, rate/increase with Prometheus' extrapolation,
sum/max/min/avg/count by, arithmetic and comparisons with on()/group_left(),
histogram_quantile) and writes one self-contained HTML page with every panel as inline SVG,
laid out by the panels' gridPos. It is a picture of what the panels show, not Grafana.

Scrapes: DIR/<instance>/<unix-milliseconds>.prom, one file per scrape attempt of that
instance (what Prometheus would call a target); an empty file is a failed scrape (the
node was down), which ends every series of that instance as Prometheus' staleness does.
Every sample gets the labels instance="<instance>" and job="netmgr", as Prometheus adds.

Python 3 standard library only.
usage: preview.py DASHBOARD.json SCRAPES-DIR OUT.html [--step SECONDS] [--title TEXT]
"""
import argparse
import html
import json
import math
import os
import re
import sys

# ---------------------------------------------------------------- scrapes (text format)

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?\s*$')
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_value(text):
    lowered = text.lower()
    if lowered in ("nan",):
        return math.nan
    if lowered in ("+inf", "inf"):
        return math.inf
    if lowered == "-inf":
        return -math.inf
    return float(text)


def parse_labels(text):
    labels, position = {}, 0
    while position < len(text):
        match = LABEL.match(text, position)
        if not match:
            raise ValueError("bad labels: " + text)
        labels[match.group(1)] = match.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        position = match.end()
    return labels


def parse_scrape(text, where):
    samples = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            raise ValueError(f"{where}:{number}: not a sample line: {line!r}")
        labels = parse_labels(match.group(2) or "")
        labels["__name__"] = match.group(1)
        samples.append((labels, parse_value(match.group(3))))
    return samples


class Store:
    """Every series from the scrapes, with Prometheus' staleness: a series that a later
    scrape of its instance lacks (or a failed scrape) ends there."""

    def __init__(self, directory):
        self.series = {}  # key -> [(t, value or None for a staleness marker)]
        self.labels = {}
        self.start, self.end, self.scrapes = math.inf, -math.inf, 0
        self.intervals = []
        for instance in sorted(os.listdir(directory)):
            folder = os.path.join(directory, instance)
            if not os.path.isdir(folder):
                continue
            files = sorted((int(name.split(".")[0]), name) for name in os.listdir(folder) if name.endswith(".prom"))
            live = set()
            for index, (milliseconds, name) in enumerate(files):
                t = milliseconds / 1000.0
                if index:
                    self.intervals.append(t - files[index - 1][0] / 1000.0)
                self.start, self.end = min(self.start, t), max(self.end, t)
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    samples = parse_scrape(handle.read(), os.path.join(folder, name))
                self.scrapes += 1
                seen = set()
                for labels, value in samples:
                    labels = dict(labels, instance=instance, job="netmgr")
                    key = tuple(sorted(labels.items()))
                    self.labels[key] = labels
                    self.series.setdefault(key, []).append((t, value))
                    seen.add(key)
                for key in live - seen:
                    self.series[key].append((t, None))
                live = seen
        if self.scrapes == 0:
            raise SystemExit(f"preview.py: no scrapes (*.prom) under {directory}/<instance>/")
        self.intervals.sort()
        self.scrape_interval = self.intervals[len(self.intervals) // 2] if self.intervals else 1.0


# ---------------------------------------------------------------- PromQL subset

TOKEN = re.compile(r'\s*(?:(?P<duration>(?<=\[)[0-9.]+(?:ms|s|m|h|d))|(?P<number>[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)'
                   r'|(?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)|(?P<string>"(?:[^"\\]|\\.)*")'
                   r'|(?P<op>=~|!~|!=|==|>=|<=|[{}()\[\],=<>*/+-]))')
AGGREGATIONS = {"sum", "max", "min", "avg", "count"}
COMPARISONS = {">", "<", ">=", "<=", "==", "!="}


def duration_seconds(text):
    for suffix, factor in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)):
        if text.endswith(suffix) and re.fullmatch(r"[0-9.]+", text[: -len(suffix)]):
            return float(text[: -len(suffix)]) * factor
    raise ValueError("bad duration " + text)


class Parser:
    def __init__(self, text):
        self.text, self.tokens, position = text, [], 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise ValueError(f"cannot parse PromQL at {text[position:]!r}")
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def peek(self, offset=0):
        return self.tokens[self.index + offset] if self.index + offset < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        if value is not None and token[1] != value:
            raise ValueError(f"expected {value!r} at {token[1]!r} in {self.text}")
        self.index += 1
        return token

    def parse(self):
        tree = self.comparison()
        if self.index != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()[1]!r} in {self.text}")
        return tree

    def modifiers(self):
        matching = None
        group = None
        if self.peek()[1] in ("on", "ignoring"):
            matching = (self.take()[1], self.label_list())
        if self.peek()[1] in ("group_left", "group_right"):
            kind = self.take()[1]
            group = (kind, self.label_list() if self.peek()[1] == "(" else [])
        return matching, group

    def comparison(self):
        left = self.additive()
        while self.peek()[1] in COMPARISONS:
            op = self.take()[1]
            keep = False
            if self.peek()[1] == "bool":
                self.take()
                keep = True
            matching, group = self.modifiers()
            left = ("binary", op, left, self.additive(), matching, group, keep)
        return left

    def additive(self):
        left = self.multiplicative()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            matching, group = self.modifiers()
            left = ("binary", op, left, self.multiplicative(), matching, group, False)
        return left

    def multiplicative(self):
        left = self.primary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            matching, group = self.modifiers()
            left = ("binary", op, left, self.primary(), matching, group, False)
        return left

    def label_list(self):
        self.take("(")
        names = []
        while self.peek()[1] != ")":
            names.append(self.take()[1])
            if self.peek()[1] == ",":
                self.take()
        self.take(")")
        return names

    def primary(self):
        kind, value = self.peek()
        if kind == "number":
            self.take()
            return ("number", float(value))
        if value == "(":
            self.take()
            inner = self.comparison()
            self.take(")")
            return inner
        if kind != "ident":
            raise ValueError(f"unexpected {value!r} in {self.text}")
        if value in AGGREGATIONS:
            self.take()
            grouping = None
            if self.peek()[1] in ("by", "without"):
                grouping = (self.take()[1], self.label_list())
            self.take("(")
            inner = self.comparison()
            self.take(")")
            if self.peek()[1] in ("by", "without"):
                grouping = (self.take()[1], self.label_list())
            return ("aggregate", value, grouping, inner)
        if self.peek(1)[1] == "(":
            self.take()
            self.take("(")
            arguments = []
            while self.peek()[1] != ")":
                arguments.append(self.comparison())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return ("call", value, arguments)
        self.take()
        matchers = []
        if self.peek()[1] == "{":
            self.take()
            while self.peek()[1] != "}":
                name = self.take()[1]
                op = self.take()[1]
                text = json.loads(self.take()[1])
                matchers.append((name, op, text))
                if self.peek()[1] == ",":
                    self.take()
            self.take("}")
        window = None
        if self.peek()[1] == "[":
            self.take()
            window = duration_seconds(self.take()[1])
            self.take("]")
        return ("selector", value, matchers, window)


def matches(labels, matchers):
    for name, op, text in matchers:
        value = labels.get(name, "")
        if op == "=" and value != text or op == "!=" and value == text:
            return False
        if op == "=~" and not re.fullmatch(text, value) or op == "!~" and re.fullmatch(text, value):
            return False
    return True


def without_name(labels):
    return {k: v for k, v in labels.items() if k != "__name__"}


class Evaluator:
    LOOKBACK = 300.0

    def __init__(self, store):
        self.store = store

    def selected(self, name, matchers):
        for key, labels in self.store.labels.items():
            if labels["__name__"] == name and matches(labels, matchers):
                yield key, labels

    def evaluate(self, tree, t):
        kind = tree[0]
        if kind == "number":
            return tree[1]
        if kind == "selector":
            _, name, matchers, window = tree
            if window is not None:
                return [(labels, [(s, v) for s, v in self.store.series[key] if t - window < s <= t and v is not None])
                        for key, labels in self.selected(name, matchers)]
            result = []
            for key, labels in self.selected(name, matchers):
                latest = None
                for s, v in self.store.series[key]:
                    if s > t:
                        break
                    latest = (s, v)
                if latest and latest[1] is not None and t - latest[0] <= self.LOOKBACK:
                    result.append((labels, latest[1]))
            return result
        if kind == "call":
            return self.call(tree[1], tree[2], t)
        if kind == "aggregate":
            return self.aggregate(tree[1], tree[2], self.evaluate(tree[3], t))
        if kind == "binary":
            return self.binary(tree, t)
        raise ValueError(kind)

    def call(self, name, arguments, t):
        if name in ("rate", "increase"):
            window = arguments[0][3]
            out = []
            for labels, points in self.evaluate(arguments[0], t):
                value = extrapolated_delta(points, t - window, t, is_rate=name == "rate")
                if value is not None:
                    out.append((without_name(labels), value))
            return out
        if name == "histogram_quantile":
            return histogram_quantile(self.evaluate(arguments[0], t), self.evaluate(arguments[1], t))
        raise ValueError("preview.py does not evaluate " + name + "()")

    @staticmethod
    def aggregate(op, grouping, vector):
        groups = {}
        for labels, value in vector:
            labels = without_name(labels)
            if grouping is None:
                key = {}
            elif grouping[0] == "by":
                key = {k: labels[k] for k in grouping[1] if k in labels}
            else:
                key = {k: v for k, v in labels.items() if k not in grouping[1]}
            groups.setdefault(tuple(sorted(key.items())), []).append(value)
        reduce = {"sum": sum, "max": max, "min": min, "count": len, "avg": lambda values: sum(values) / len(values)}[op]
        return [(dict(key), reduce(values)) for key, values in groups.items()]

    def binary(self, tree, t):
        _, op, left_tree, right_tree, matching, group, keep = tree
        left, right = self.evaluate(left_tree, t), self.evaluate(right_tree, t)
        apply = lambda a, b: arithmetic(op, a, b)
        if not isinstance(left, list) and not isinstance(right, list):
            return apply(left, right)
        if not isinstance(right, list) or not isinstance(left, list):
            vector, scalar, swapped = (left, right, False) if isinstance(left, list) else (right, left, True)
            out = []
            for labels, value in vector:
                a, b = (scalar, value) if swapped else (value, scalar)
                result = apply(a, b)
                if op in COMPARISONS and not keep:
                    if result:
                        out.append((labels, value))
                else:
                    out.append((without_name(labels), float(result)))
            return out

        def signature(labels):
            if matching and matching[0] == "on":
                return tuple((k, labels.get(k, "")) for k in sorted(matching[1]))
            ignored = set(matching[1]) if matching else set()
            return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__" and k not in ignored))

        one_side = {}
        many, one, flipped = (left, right, False) if not group or group[0] == "group_left" else (right, left, True)
        for labels, value in one:
            if signature(labels) in one_side:
                raise ValueError("many-to-many matching in preview: " + str(labels))
            one_side[signature(labels)] = (labels, value)
        out = []
        for labels, value in many:
            partner = one_side.get(signature(labels))
            if partner is None:
                continue
            a, b = (partner[1], value) if flipped else (value, partner[1])
            result = apply(a, b)
            if op in COMPARISONS and not keep:
                if not result:
                    continue
                result = a
            merged = without_name(labels) if op not in COMPARISONS or keep else dict(labels)
            if not group and matching:  # one-to-one: Prometheus keeps the on() labels, or drops the ignoring() ones
                keep_it = (lambda k: k in matching[1]) if matching[0] == "on" else (lambda k: k not in matching[1])
                merged = {k: v for k, v in merged.items() if keep_it(k)}
            if group:
                for name in group[1]:
                    if name in partner[0]:
                        merged[name] = partner[0][name]
            out.append((merged, float(result)))
        return out


def arithmetic(op, a, b):
    if op == "+": return a + b
    if op == "-": return a - b
    if op == "*": return a * b
    if op == "/": return a / b if b else (math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a))
    if op == ">": return a > b
    if op == "<": return a < b
    if op == ">=": return a >= b
    if op == "<=": return a <= b
    if op == "==": return a == b
    if op == "!=": return a != b
    raise ValueError(op)


def extrapolated_delta(points, range_start, range_end, is_rate):
    """Prometheus' extrapolatedRate for counters (promql/functions.go)."""
    if len(points) < 2:
        return None
    result, previous = 0.0, points[0][1]
    for _, value in points[1:]:
        if value < previous:
            result += previous  # a counter reset
        previous = value
    result += points[-1][1] - points[0][1]
    sampled = points[-1][0] - points[0][0]
    average = sampled / (len(points) - 1)
    to_start, to_end = points[0][0] - range_start, range_end - points[-1][0]
    if result > 0 and points[0][1] >= 0:
        to_zero = sampled * (points[0][1] / result)
        to_start = min(to_start, to_zero)
    threshold = average * 1.1
    interval = sampled + (to_start if to_start < threshold else average / 2) + (to_end if to_end < threshold else average / 2)
    result *= interval / sampled
    return result / (range_end - range_start) if is_rate else result


def histogram_quantile(phi, vector):
    groups = {}
    for labels, value in vector:
        key = tuple(sorted((k, v) for k, v in without_name(labels).items() if k != "le"))
        groups.setdefault(key, []).append((parse_value(labels["le"]), value))
    out = []
    for key, buckets in groups.items():
        buckets.sort()
        if not buckets or buckets[-1][0] != math.inf or len(buckets) < 2:
            continue
        total = buckets[-1][1]
        if total == 0 or math.isnan(total):
            out.append((dict(key), math.nan))
            continue
        rank = phi * total
        index = next(i for i, (_, count) in enumerate(buckets) if count >= rank)
        if index == len(buckets) - 1:
            out.append((dict(key), buckets[-2][0]))
            continue
        start, below = (0.0, 0.0) if index == 0 else (buckets[index - 1][0], buckets[index - 1][1])
        end, count = buckets[index]
        if index == 0 and end <= 0:
            out.append((dict(key), end))
            continue
        out.append((dict(key), start + (end - start) * ((rank - below) / (count - below) if count > below else 0)))
    return out


# ---------------------------------------------------------------- panels → data

def substitute(expr, variables):
    for name in sorted(variables, key=len, reverse=True):
        expr = expr.replace("$" + name, variables[name]).replace("${" + name + "}", variables[name])
    return expr


def legend(template, labels):
    return re.sub(r"\{\{\s*([a-zA-Z_]+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template or "") or \
        "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def panel_data(panel, evaluator, times, variables):
    """[(name, labels, [(t, value)])] per panel; instant targets give one point at the end."""
    series = []
    for target in panel.get("targets", []):
        tree = Parser(substitute(target["expr"], variables)).parse()
        points_by = {}
        for t in ([times[-1]] if target.get("instant") else times):
            result = evaluator.evaluate(tree, t)
            if not isinstance(result, list):
                result = [({}, result)]
            for labels, value in result:
                key = tuple(sorted(labels.items()))
                points_by.setdefault(key, (labels, []))[1].append((t, value))
        for key in sorted(points_by):
            labels, points = points_by[key]
            series.append((legend(target.get("legendFormat"), labels), labels, points))
    return series


# ---------------------------------------------------------------- drawing

PALETTE = ["#7EB26D", "#EAB839", "#6ED0E0", "#EF843C", "#E24D42", "#1F78C1", "#BA43A9", "#705DA0",
           "#508642", "#CCA300", "#447EBC", "#C15C17", "#890F02", "#0A437C", "#6D1F62", "#584477"]
NAMED = {"green": "#73BF69", "yellow": "#FADE2A", "blue": "#5794F2", "orange": "#FF9830", "red": "#F2495C",
         "purple": "#B877D9", "text": "#CCCCDC", "transparent": "transparent"}
CELL_W, CELL_H, PAD = 1600 / 24, 30, 6


def color(name):
    return NAMED.get(name, name)


def fmt(value, unit=None, decimals=None):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else (2 if abs(value) < 10 else 1)
    text = f"{value:.{decimals}f}"
    if unit == "s":
        return text + " s"
    if unit and unit.startswith("suffix:"):
        return text + " " + unit[len("suffix:"):]
    return text


def clock(t):
    import time as _time
    stamp = _time.gmtime(t)
    return f"{stamp.tm_hour:02d}:{stamp.tm_min:02d}:{stamp.tm_sec:02d}"


def mapping_of(defaults, value):
    for mapping in defaults.get("mappings", []):
        if mapping.get("type") == "value":
            key = str(int(value)) if value is not None and not math.isnan(value) and float(value).is_integer() else str(value)
            if key in mapping["options"]:
                return mapping["options"][key]
    return None


def threshold_color(defaults, value):
    steps = defaults.get("thresholds", {}).get("steps", [])
    chosen = steps[0]["color"] if steps else "text"
    for step in steps:
        if step.get("value") is not None and value is not None and not math.isnan(value) and value >= step["value"]:
            chosen = step["color"]
    return color(chosen)


def nice_ticks(low, high, count=5):
    """Round axis ticks covering [low, high], as a plotting library chooses them."""
    if high <= low:
        high = low + 1
    raw = (high - low) / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9:
        ticks.append(ticks[-1] + step)
    return ticks


def time_axis(sx, t0, t1, y):
    """Clock labels at round seconds across [t0, t1]."""
    span = max(t1 - t0, 1)
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if span / s <= 6)
    out, t = [], math.ceil(t0 / step) * step
    while t <= t1:
        anchor = "end" if sx(t1) - sx(t) < 30 else "start" if sx(t) - sx(t0) < 30 else "middle"
        out.append(f'<text x="{sx(t):.1f}" y="{y}" class="axis" text-anchor="{anchor}">{clock(t)}</text>')
        t += step
    return "".join(out)


def legend_svg(items, x, y, width):
    """Legend entries (name, colour) left to right; returns (svg, height)."""
    out, cx, cy = [], x, y
    for name, colour in items:
        w = 18 + 6.2 * len(name)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 15
        out.append(f'<rect x="{cx:.1f}" y="{cy - 7:.1f}" width="10" height="4" fill="{colour}"/>'
                   f'<text x="{cx + 14:.1f}" y="{cy:.1f}" class="small">{html.escape(name)}</text>')
        cx += w + 8
    return "".join(out), cy - y + 15


def draw_timeseries(panel, series, box, times):
    x0, y0, w, h = box
    defaults = panel["fieldConfig"]["defaults"]
    custom = defaults.get("custom", {})
    unit = defaults.get("unit")
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    for override in panel["fieldConfig"].get("overrides", []):
        if override["matcher"]["id"] == "byRegexp":
            for i, (name, _, _) in enumerate(series):
                if re.fullmatch(override["matcher"]["options"], name):
                    for prop in override["properties"]:
                        if prop["id"] == "color":
                            colours[i] = color(prop["value"].get("fixedColor", colours[i]))
    values = [v for _, _, pts in series for _, v in pts if v is not None and not math.isnan(v) and not math.isinf(v)]
    low = min(values + [defaults["min"]] if "min" in defaults else values or [0])
    high = max(values or [1])
    ticks = nice_ticks(low, high)
    low, high = ticks[0], ticks[-1]
    decimals = max(0, -math.floor(math.log10(ticks[1] - ticks[0]) + 1e-9))
    margin = 12 + 6 * max(len(fmt(v, unit if unit == "s" else None, decimals)) for v in ticks)
    legend, legend_h = legend_svg([(s[0], c) for s, c in zip(series, colours)], x0 + margin, 0, w - margin - 6)
    legend_h = min(legend_h, 62)
    plot = (x0 + margin, y0 + 6, w - margin - 8, h - 28 - legend_h)
    t0, t1 = times[0], times[-1]
    sx = lambda t: plot[0] + (t - t0) / (t1 - t0 or 1) * plot[2]
    sy = lambda v: plot[1] + plot[3] - (v - low) / (high - low) * plot[3]
    out = []
    for v in ticks:
        y = sy(v)
        out.append(f'<line x1="{plot[0]}" x2="{plot[0] + plot[2]}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                   f'<text x="{plot[0] - 4}" y="{y + 3:.1f}" class="axis" text-anchor="end">{fmt(v, unit if unit == "s" else None, decimals)}</text>')
    out.append(time_axis(sx, t0, t1, plot[1] + plot[3] + 12))
    bars = custom.get("drawStyle") == "bars"
    step = custom.get("lineInterpolation") == "stepAfter"
    for (name, _, points), colour in zip(series, colours):
        if bars:
            width = max(2.0, plot[2] / max(len(times), 1) * 0.7)  # series at one time overlap, as in Grafana
            for t, v in points:
                if v and not math.isnan(v) and v > 0:
                    out.append(f'<rect x="{sx(t) - width / 2:.1f}" y="{sy(v):.1f}" width="{width:.1f}" height="{sy(low) - sy(v):.1f}" fill="{colour}" opacity="0.8"/>')
            continue
        path, pen = [], False
        previous_y = None
        for t, v in points:
            if v is None or math.isnan(v) or math.isinf(v):
                pen = False
                continue
            x, y = sx(t), sy(v)
            if pen and step:
                path.append(f"L{x:.1f},{previous_y:.1f}")
            path.append(("L" if pen else "M") + f"{x:.1f},{y:.1f}")
            pen, previous_y = True, y
        dash = ' stroke-dasharray="6,4"' if colour == NAMED["red"] and "limit" in name else ""
        if path:
            out.append(f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="1.5"{dash}/>')
    if not series:
        out.append(f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" class="nodata" text-anchor="middle">No data</text>')
    out.append(f'<g transform="translate(0,{plot[1] + plot[3] + 30})">{legend}</g>')
    return "".join(out)


def draw_state_timeline(panel, series, box, times):
    x0, y0, w, h = box
    defaults = panel["fieldConfig"]["defaults"]
    items = []
    for mapping in defaults.get("mappings", []):
        for key, option in sorted(mapping["options"].items(), key=lambda kv: kv[1].get("index", 0)):
            items.append((option["text"], color(option["color"])))
    legend, legend_h = legend_svg(items, x0 + 8, 0, w - 16)
    if not panel["options"].get("legend", {}).get("showLegend", True):
        legend, legend_h = "", 0
    label_w = max([6.4 * len(s[0]) for s in series] + [40]) + 10
    plot = (x0 + label_w, y0 + 4, w - label_w - 8, h - 22 - legend_h)
    t0, t1 = times[0], times[-1]
    sx = lambda t: plot[0] + (t - t0) / (t1 - t0 or 1) * plot[2]
    out = []
    if series:
        row = plot[3] / len(series)
        for index, (name, _, points) in enumerate(series):
            y = plot[1] + index * row
            size = min(11, row * 0.85)
            out.append(f'<text x="{plot[0] - 6}" y="{y + row / 2 + size * 0.35:.1f}" class="small" style="font-size:{size:.1f}px" text-anchor="end">{html.escape(name)}</text>')
            # mergeValues: one bar per run of equal values; a gap where the series has no value.
            step = (t1 - t0) / max(len(times) - 1, 1)
            runs = []
            for t, v in points:
                if v is None or math.isnan(v):
                    continue
                if runs and runs[-1][2] == v and t - runs[-1][1] <= step * 1.5:
                    runs[-1][1] = t
                else:
                    runs.append([t, t, v])
            for start, end, v in runs:
                option = mapping_of(defaults, v)
                # A mapped value shows its text and colour; another its number in the thresholds' colour.
                fill = color(option["color"]) if option else threshold_color(defaults, v)
                text = option["text"] if option else fmt(v, defaults.get("unit"), defaults.get("decimals"))
                right = sx(min(end + step, t1))
                out.append(f'<rect x="{sx(start):.1f}" y="{y + row * 0.08:.1f}" width="{max(right - sx(start), 0.6):.1f}" '
                           f'height="{row * 0.84:.1f}" fill="{fill}" opacity="0.85"/>')
                if panel["options"].get("showValue") != "never" and right - sx(start) > 6.5 * len(text) + 8 and row >= 12:
                    out.append(f'<text x="{sx(start) + 5:.1f}" y="{y + row / 2 + 4:.1f}" class="onbar">{html.escape(text)}</text>')
    else:
        out.append(f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" class="nodata" text-anchor="middle">No data</text>')
    out.append(time_axis(sx, t0, t1, plot[1] + plot[3] + 12))
    out.append(f'<g transform="translate(0,{plot[1] + plot[3] + 28})">{legend}</g>')
    return "".join(out)


def draw_stat(panel, series, box, times):
    x0, y0, w, h = box
    defaults = panel["fieldConfig"]["defaults"]
    out = []
    if not series:
        return f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" class="nodata" text-anchor="middle">No data</text>'
    row = min(h / len(series), 60)
    for index, (name, _, points) in enumerate(series):
        value = points[-1][1] if points else None
        y = y0 + index * row
        colour = threshold_color(defaults, value)
        if panel["options"].get("colorMode") == "background":
            out.append(f'<rect x="{x0 + 4}" y="{y + 3:.1f}" width="{w - 8}" height="{row - 6:.1f}" fill="{colour}" rx="2"/>')
            colour = "#111217"
        out.append(f'<text x="{x0 + 14}" y="{y + row / 2 + 5:.1f}" class="statname" fill="{colour if colour != "#111217" else colour}">{html.escape(name)}</text>'
                   f'<text x="{x0 + w - 14}" y="{y + row / 2 + 9:.1f}" class="statvalue" text-anchor="end" fill="{colour}">'
                   f'{fmt(value, defaults.get("unit"), defaults.get("decimals"))}</text>')
    return "".join(out)


def draw_bargauge_heatmap(panel, series, box, times):
    """format: heatmap turns cumulative le buckets into counts per bucket, as Grafana does."""
    x0, y0, w, h = box
    buckets = sorted(((parse_value(labels.get("le", name)), points[-1][1]) for name, labels, points in series if points),
                     key=lambda b: b[0])
    counts, previous = [], 0.0
    for le, cumulative in buckets:
        counts.append((le, (cumulative or 0) - previous))
        previous = cumulative or 0
    out = []
    if not counts:
        return f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" class="nodata" text-anchor="middle">No data</text>'
    top = max([c for _, c in counts] + [1])
    slot = (w - 24) / len(counts)
    base = y0 + h - 22
    bottom_prev = 0
    for index, (le, count) in enumerate(counts):
        x = x0 + 12 + index * slot
        height = (base - y0 - 22) * (count / top)
        label = ("≤ " + fmt(le) + " s") if not math.isinf(le) else "> " + fmt(bottom_prev) + " s"
        bottom_prev = le
        out.append(f'<rect x="{x + 6:.1f}" y="{base - (base - y0 - 22):.1f}" width="{slot - 12:.1f}" height="{base - y0 - 22:.1f}" fill="#22252b"/>'
                   f'<rect x="{x + 6:.1f}" y="{base - height:.1f}" width="{slot - 12:.1f}" height="{height:.1f}" fill="{NAMED["green"] if le <= 2 else NAMED["orange"] if le <= 5 else NAMED["red"]}"/>'
                   f'<text x="{x + slot / 2:.1f}" y="{base - height - 4:.1f}" class="small" text-anchor="middle">{fmt(count, None, 0)}</text>'
                   f'<text x="{x + slot / 2:.1f}" y="{base + 14:.1f}" class="small" text-anchor="middle">{html.escape(label)}</text>')
    return "".join(out)


def render(dashboard, store, step, title_note):
    times = []
    t = store.start
    while t <= store.end + 1e-9:
        times.append(t)
        t += step
    rate_interval = max(step + store.scrape_interval, 4 * store.scrape_interval)
    variables = {"node": ".*", "resource": ".*", "__rate_interval": f"{rate_interval * 1000:.0f}ms",
                 "__range": f"{(store.end - store.start) * 1000 + 1:.0f}ms", "__interval": f"{step * 1000:.0f}ms"}
    evaluator = Evaluator(store)
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    width, height = 1600, bottom * CELL_H + 4
    parts = []
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        x, y = grid["x"] * CELL_W + PAD / 2, grid["y"] * CELL_H + PAD / 2
        w, h = grid["w"] * CELL_W - PAD, grid["h"] * CELL_H - PAD
        series = panel_data(panel, evaluator, times, variables)
        body = (x + 8, y + 26, w - 16, h - 32)
        kind = panel["type"]
        if kind == "timeseries":
            inner = draw_timeseries(panel, series, body, times)
        elif kind == "state-timeline":
            inner = draw_state_timeline(panel, series, body, times)
        elif kind == "stat":
            inner = draw_stat(panel, series, body, times)
        elif kind == "bargauge":
            inner = draw_bargauge_heatmap(panel, series, body, times)
        else:
            inner = f'<text x="{x + 10}" y="{y + 40}" class="small">panel type {kind} not previewed</text>'
        parts.append(f'<g class="panel" data-title="{html.escape(panel["title"])}" data-series="{len(series)}">'
                     f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="2" class="box"/>'
                     f'<text x="{x + 10:.1f}" y="{y + 18:.1f}" class="title">{html.escape(panel["title"])}</text>'
                     f'<svg x="0" y="0" width="{width}" height="{height}" overflow="hidden">'
                     f'<clipPath id="c{panel["id"]}"><rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"/></clipPath>'
                     f'<g clip-path="url(#c{panel["id"]})">{inner}</g></svg></g>')
    nodes = sorted({labels["instance"] for labels in store.labels.values()})
    caption = (f'Preview of Integrations/grafana/netmgr.json drawn by preview.py (not Grafana) from {store.scrapes} real scrapes '
               f'of {len(nodes)} netmgrd targets ({", ".join(nodes)}), one every {store.scrape_interval:.2f} s, '
               f'{clock(store.start)}–{clock(store.end)} UTC. $__rate_interval = {rate_interval:g} s, $__range = the whole series. '
               + title_note)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>{html.escape(dashboard["title"])} dashboard preview</title>
<style>
body {{ margin: 0; background: #111217; color: #ccccdc; font-family: Inter, "Helvetica Neue", Arial, sans-serif; }}
header {{ padding: 10px 14px 6px; }} h1 {{ font-size: 17px; margin: 0 0 4px; font-weight: 500; }}
p {{ font-size: 12px; margin: 0; color: #9fa7b3; }}
.box {{ fill: #181b1f; stroke: #2c3235; }} .title {{ fill: #ccccdc; font-size: 13px; font-weight: 500; }}
.small {{ fill: #ccccdc; font-size: 11px; }} .axis {{ fill: #8e8e9a; font-size: 10px; }}
.grid {{ stroke: #2c3235; stroke-width: 1; }} .nodata {{ fill: #8e8e9a; font-size: 14px; }}
.statname {{ font-size: 14px; }} .onbar {{ fill: #111217; font-size: 11px; }} .statvalue {{ font-size: 26px; font-weight: 500; }}
</style></head><body>
<header><h1>{html.escape(dashboard["title"])} — dashboard preview from real scrapes</h1><p>{html.escape(caption)}</p></header>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">{"".join(parts)}</svg>
</body></html>
""", height + 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dashboard")
    parser.add_argument("scrapes")
    parser.add_argument("output")
    parser.add_argument("--step", type=float, default=None, help="seconds between evaluations (default: the scrape interval)")
    parser.add_argument("--note", default="", help="a sentence added to the caption")
    arguments = parser.parse_args()
    with open(arguments.dashboard, encoding="utf-8") as handle:
        dashboard = json.load(handle)
    store = Store(arguments.scrapes)
    page, height = render(dashboard, store, arguments.step or store.scrape_interval, arguments.note)
    with open(arguments.output + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(page)
    os.replace(arguments.output + ".tmp", arguments.output)
    print(f"{arguments.output}: {len(dashboard['panels'])} panels from {store.scrapes} scrapes; page height {height}")


if __name__ == "__main__":
    main()
