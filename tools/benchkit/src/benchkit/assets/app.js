// Benchmark trend dashboard. Data arrives as scripts calling benchkitLoaded()
// because browsers refuse fetch() on file:// pages. Every string from the
// results (benchmark names, commit messages, branches) reaches the page only
// through textContent, or through esc() where Plotly parses its own markup.
"use strict";

(function () {
  const cache = new Map();
  const waiting = new Map();
  let INDEX = null;

  window.benchkitLoaded = function (key, data) {
    cache.set(key, data);
    const entry = waiting.get(key);
    if (entry) entry.resolve(data);
    if (key === "index") start(data);
  };

  function load(key) {
    if (cache.has(key)) return Promise.resolve(cache.get(key));
    if (waiting.has(key)) return waiting.get(key).promise;
    const entry = {};
    entry.promise = new Promise((resolve, reject) => { entry.resolve = resolve; entry.reject = reject; });
    waiting.set(key, entry);
    const script = document.createElement("script");
    script.src = "data/" + key.split("/").map(encodeURIComponent).join("/") + ".js";
    script.onerror = () => entry.reject(new Error("could not load " + script.src));
    document.head.appendChild(script);
    return entry.promise;
  }

  // ---- helpers ------------------------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // Plotly renders a small HTML subset in names and hover text; entities make
  // every character literal there.
  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g,
      (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function fmtSeconds(s) {
    if (s === null || s === undefined || !isFinite(s)) return "–";
    const units = [["s", 1], ["ms", 1e-3], ["µs", 1e-6]];
    for (const [unit, scale] of units) if (Math.abs(s) >= scale) return (s / scale).toPrecision(3) + " " + unit;
    return (s / 1e-9).toPrecision(3) + " ns";
  }

  function fmtDate(iso) { return iso ? iso.replace("T", " ").replace(/(:\d\d)([+-]00:00|Z)$/, "$1 UTC") : "–"; }
  function shortCommit(run) { return run.commit ? run.commit.slice(0, 8) : "no commit"; }

  function commitUrl(run) {
    if (!INDEX.commit_url || !run.linkable || !/^[0-9a-fA-F]{7,64}$/.test(run.commit)) return null;
    return INDEX.commit_url.replace("{commit}", run.commit);
  }

  function commitLink(run) {
    const url = commitUrl(run);
    const label = shortCommit(run) + (run.dirty ? " (dirty)" : "");
    return url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, label) : label;
  }

  // Okabe & Ito's colour-blind-safe palette, with fixed colours for the
  // implementations every chart shares, then Paul Tol's muted scheme. Beyond
  // thirteen series the marker shape and the dash pattern keep them apart.
  const IMPL_COLORS = { ours: "#0072B2", zarr: "#E69F00", "numpy-limit": "#000000", "cupy-pinned": "#009E73",
    "cupy-pageable": "#CC79A7", "ours-pinned-source": "#56B4E9" };
  const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#882255",
    "#44AA99", "#999933", "#332288", "#AA4499", "#DDCC77"];
  // No triangles or diamonds: those shapes mark flags.
  const SYMBOLS = ["circle", "square", "cross", "x", "star", "hexagon", "pentagon", "hourglass", "bowtie",
    "star-square", "circle-open", "square-open", "hexagram"];
  const DASHES = ["solid", "dash", "dot", "dashdot"];
  const BAD = "#C0362C";
  const GOOD = "#1B7F3B";
  const DRIFT = "#667085";

  function seriesStyles(series) {
    const used = new Set();
    return series.map((s, i) => {
      let color = IMPL_COLORS[s.impl];
      if (!color || used.has(color)) color = PALETTE.find((c) => !used.has(c)) || PALETTE[i % PALETTE.length];
      used.add(color);
      const round = Math.floor(i / PALETTE.length);
      return { color, symbol: SYMBOLS[i % SYMBOLS.length],
        dash: s.role === "baseline" ? "dash" : DASHES[round % DASHES.length] };
    });
  }

  function rgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
  }

  // ---- axes ---------------------------------------------------------------------------------

  // A number with at most three significant digits and no trailing zeros.
  function trim(x) { return String(parseFloat(Number(x).toPrecision(3))); }

  function tickSeconds(s) {
    for (const [unit, scale] of [["s", 1], ["ms", 1e-3], ["µs", 1e-6]]) {
      if (Math.abs(s) >= scale * 0.9995) return trim(s / scale) + " " + unit;
    }
    return trim(s / 1e-9) + " ns";
  }

  // The largest 1, 2, 2.5 or 5 times a power of ten not above ``limit``.
  function niceStep(limit) {
    const e = Math.pow(10, Math.floor(Math.log10(limit)));
    for (const m of [5, 2.5, 2, 1]) if (m * e <= limit) return m * e;
    return e;
  }

  // A log axis whose labels never collide: labelled majors chosen from 1, 1-3,
  // 1-2-5 or 1-1.5-2-3-5-7 per decade (the sparsest giving three), unlabelled
  // minors at every digit; a range narrower than that gets even steps instead.
  function logAxis(lo, hi, fmt, title) {
    if (!(lo > 0) || !(hi > 0)) return { type: "log", title: { text: title } };
    if (hi / lo < 1.0001) { lo /= 1.05; hi *= 1.05; }
    const a = Math.floor(Math.log10(lo)) - 1;
    const b = Math.ceil(Math.log10(hi)) + 1;
    const inside = (v) => v >= lo * 0.9999 && v <= hi * 1.0001;
    let major = [];
    for (const set of [[1], [1, 3], [1, 2, 5], [1, 1.5, 2, 3, 5, 7]]) {
      major = [];
      for (let e = a; e <= b; e++) for (const m of set) { const v = m * Math.pow(10, e); if (inside(v)) major.push(v); }
      if (major.length >= 3) break;
    }
    if (major.length < 3) {
      const step = niceStep((hi - lo) / 3);
      major = [];
      for (let v = Math.ceil(lo / step) * step; v <= hi * 1.0001; v += step) major.push(Number(v.toPrecision(6)));
    }
    while (major.length > 7) major = major.filter((_, i) => i % 2 === 0);
    const minor = [];
    for (let e = a; e <= b; e++) for (let m = 1; m <= 9; m++) {
      const v = m * Math.pow(10, e);
      if (inside(v) && !major.some((x) => Math.abs(x - v) / v < 1e-6)) minor.push(v);
    }
    const pad = Math.max(0.03, 0.06 * (Math.log10(hi) - Math.log10(lo)));
    return { type: "log", autorange: false, range: [Math.log10(lo) - pad, Math.log10(hi) + pad],
      tickmode: "array", tickvals: major, ticktext: major.map(fmt), title: { text: title },
      minor: { tickmode: "array", tickvals: minor, ticks: "", showgrid: true, gridcolor: "#f1f3f6" } };
  }

  const LEGEND = { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" };

  function linearAxis(fmt, title) {
    return { type: "linear", rangemode: "tozero", title: { text: title }, tickformat: fmt };
  }

  // ---- state in the URL ---------------------------------------------------------------------

  const DEFAULTS = { view: "trends", machine: "", device: "", q: "", scale: "log", x: "order",
    bench: "", head: "", kind: "all", status: "all", unit: "time" };
  let state = { ...DEFAULTS };

  function readState() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const next = { ...DEFAULTS };
    for (const key of Object.keys(DEFAULTS)) if (params.has(key)) next[key] = params.get(key);
    return next;
  }

  function writeState(changes, push) {
    state = { ...state, ...changes };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) if (value !== DEFAULTS[key]) params.set(key, value);
    const url = "#" + params.toString();
    if (url !== location.hash && !(url === "#" && location.hash === "")) {
      if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
    }
    render();
  }

  // ---- filters ------------------------------------------------------------------------------

  function benchMatches(bench) {
    if (state.machine && !bench.machines.includes(state.machine)) return false;
    if (state.device && !bench.devices.includes(state.device)) return false;
    if (state.q) {
      const hay = [bench.title, ...bench.tests, ...bench.labels].join(" ").toLowerCase();
      if (!state.q.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w))) return false;
    }
    return true;
  }

  function seriesMatches(series) {
    return (!state.machine || series.machine === state.machine) && (!state.device || series.device === state.device);
  }

  function setupControls() {
    const machine = document.getElementById("machine");
    machine.replaceChildren(el("option", { value: "" }, `all machines (${INDEX.machines.length})`),
      ...INDEX.machines.map((m) => el("option", { value: m.key }, `${m.key} (${m.runs} runs)`)));
    const devices = [...new Set(INDEX.benchmarks.flatMap((b) => b.devices))].sort();
    const device = document.getElementById("device");
    device.replaceChildren(el("option", { value: "" }, "all devices"),
      ...devices.map((d) => el("option", { value: d }, d)));
    machine.addEventListener("change", () => writeState({ machine: machine.value }));
    device.addEventListener("change", () => writeState({ device: device.value }));
    const search = document.getElementById("search");
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => writeState({ q: search.value.trim() }), 150);
    });
    const scale = document.getElementById("scale");
    scale.addEventListener("change", () => writeState({ scale: scale.value }));
    const xaxis = document.getElementById("xaxis");
    xaxis.addEventListener("change", () => writeState({ x: xaxis.value }));
    const unit = document.getElementById("unit");
    unit.addEventListener("change", () => writeState({ unit: unit.value }));
    for (const button of document.querySelectorAll("#tabs button")) {
      button.addEventListener("click", () => writeState({ view: button.dataset.view, bench: "" }, true));
    }
  }

  function syncControls() {
    document.getElementById("machine").value = state.machine;
    document.getElementById("device").value = state.device;
    const search = document.getElementById("search");
    if (document.activeElement !== search) search.value = state.q;
    document.getElementById("scale").value = state.scale === "linear" ? "linear" : "log";
    document.getElementById("xaxis").value = ["run", "commit"].includes(state.x) ? state.x : "order";
    document.getElementById("unit").value = state.unit === "gbps" ? "gbps" : "time";
    for (const button of document.querySelectorAll("#tabs button")) {
      if (button.dataset.view === state.view) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
  }

  // ---- trend charts -------------------------------------------------------------------------

  let observer = null;
  const PAGE = 40;
  let shown = PAGE;

  const FLAG_CLASSES = {
    "confirmed regression": { symbol: "triangle-up", color: BAD, text: "▲" },
    "confirmed improvement": { symbol: "triangle-down", color: GOOD, text: "▼" },
    "candidate regression": { symbol: "triangle-up-open", color: BAD, text: "△" },
    "candidate improvement": { symbol: "triangle-down-open", color: GOOD, text: "▽" },
    drift: { symbol: "diamond-open", color: DRIFT, text: "◇" },
  };

  function flagClass(flag) {
    if (flag.status === "drift") return "drift";
    return `${flag.status} ${flag.kind}`;
  }

  function markerKey() {
    const items = [["confirmed regression", "confirmed regression"], ["confirmed improvement", "confirmed improvement"],
      ["candidate regression", "candidate (not yet confirmed, not counted)"],
      ["drift", "drift: the same-run baselines moved too (not counted)"]];
    return el("p", { class: "key", id: "marker-key" }, "Markers: ", items.map(([cls, label]) =>
      el("span", { class: "key-item" }, el("span", { class: "glyph", style: `color:${FLAG_CLASSES[cls].color}` },
        FLAG_CLASSES[cls].text), " " + label)));
  }

  function renderTrends(view) {
    const focus = state.bench ? INDEX.benchmarks.find((b) => b.id === state.bench) : null;
    if (focus) return renderFocus(view, focus);
    const matches = INDEX.benchmarks.filter(benchMatches);
    view.append(el("p", { class: "summary", id: "count" },
      `${matches.length} of ${INDEX.benchmarks.length} charts · ${INDEX.runs.length} runs · `,
      byCommit() ? "one point per commit: the median of its runs' medians, with whiskers from the fastest run to the slowest, "
        : "one point per run: its median, ",
      "and the interquartile range as a band; drag to zoom, double-click to reset; click a point to open its commit."),
    markerKey());
    const grid = el("div", { class: "grid", id: "charts" });
    view.append(grid);
    observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        drawChart(entry.target);
      }
    }, { rootMargin: "300px" });
    for (const bench of matches.slice(0, shown)) {
      const card = chartCard(bench, false);
      grid.append(card);
      observer.observe(card);
    }
    if (matches.length > shown) {
      view.append(el("button", { class: "more", type: "button",
        onclick: () => { shown += PAGE; render(); } }, `show ${Math.min(PAGE, matches.length - shown)} more`));
    }
  }

  function chartCard(bench, focused) {
    const title = focused
      ? el("h2", {}, bench.title)
      : el("h2", {}, el("button", { class: "link", type: "button",
        onclick: () => writeState({ bench: bench.id }, true) }, bench.title));
    // Only confirmed steps count; candidates and drift get muted badges of their own.
    for (const kind of ["regression", "improvement"]) {
      const count = bench.flags[kind];
      if (count) title.append(el("span", { class: "badge " + kind }, `${count} ${kind}${count > 1 ? "s" : ""}`));
    }
    if (bench.flags.candidate) title.append(el("span", { class: "badge pending" }, `${bench.flags.candidate} candidate${bench.flags.candidate > 1 ? "s" : ""}`));
    if (bench.flags.resolved) title.append(el("span", { class: "badge resolved" }, `${bench.flags.resolved} resolved`));
    if (bench.flags.drift) title.append(el("span", { class: "badge drift" }, `${bench.flags.drift} drift`));
    const card = el("article", { class: "card chart-card" + (focused ? " focus" : ""), "data-bench": bench.id },
      title,
      el("div", { class: "path" }, bench.tests.join("  ·  ")),
      el("div", { class: "plot" }));
    card.bench = bench;
    return card;
  }

  // By commit (order or date), the runs of one commit are one point; by run date each run is.
  const byCommit = () => state.x !== "run";

  function commitKey(run) {
    return (run.commit || run.id) + (run.dirty ? "+" : "") + "|" + run.machine;
  }

  function xValue(run) {
    return byCommit() && run.commit_time ? run.commit_time : run.time;
  }

  // In commit order the axis is categorical: one even slot per commit (its
  // short hash, "+" when dirty), oldest commit first. Dates squeeze a history
  // recorded in one afternoon into a vertical line.
  function xLabel(run) {
    if (state.x !== "order") return xValue(run);
    return run.commit ? run.commit.slice(0, 8) + (run.dirty ? "+" : "") : run.id;
  }

  function xAxis(points) {
    if (state.x !== "order") return { type: "date" };
    const seen = new Map();
    for (const p of points) if (!seen.has(p.x)) seen.set(p.x, p.t);
    const order = [...seen.entries()].sort((a, b) => a[1] - b[1]).map((e) => e[0]);
    return { type: "category", categoryorder: "array", categoryarray: order, title: { text: "commit (oldest first)" },
      tickangle: -35, automargin: true };
  }

  // Points come in run order; by commit date an older commit may be measured
  // later, so sort by the x shown (stable: runs of one commit keep their order).
  function inXOrder(points) {
    const keyed = points.map((p, i) => [Date.parse(xValue(INDEX.runs[p[0]])), i, p]);
    keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return keyed.map((k) => k[2]);
  }

  function median(values) {
    const sorted = values.slice().sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  // One point per x: by commit date, the runs of one commit are one point.
  function chartPoints(points) {
    const groups = new Map();
    for (const p of inXOrder(points)) {
      const run = INDEX.runs[p[0]];
      const key = byCommit() ? commitKey(run) : run.id;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(p);
    }
    const out = [...groups.values()].map((ps) => {
      const medians = ps.map((p) => p[1]);
      const first = INDEX.runs[ps[0][0]];
      return { x: xLabel(first), t: Date.parse(xValue(first)), runs: ps.map((p) => p[0]), median: median(medians),
        q1: median(ps.map((p) => p[2])), q3: median(ps.map((p) => p[3])),
        lo: Math.min(...medians), hi: Math.max(...medians) };
    });
    out.sort((a, b) => a.t - b.t);
    return out;
  }

  // Time per call, or GB/s (decimal) for a series that declares the bytes it moves.
  function transform(s) {
    if (state.unit === "gbps" && s.bytes) {
      const f = (v) => s.bytes / v / 1e9;
      return { f, swap: true, unit: "gbps" };
    }
    return { f: (v) => v, swap: false, unit: "time" };
  }

  function fmtValue(v, unit) { return unit === "gbps" ? trim(v) + " GB/s" : fmtSeconds(v); }

  // Every number a person reads comes worded from Python (benchkit.wording):
  // the page never turns a ratio into "faster" or "slower" itself.
  function flagText(flag, runs) {
    const run = runs[flag.run];
    const where = run ? ` at ${shortCommit(run)}` : "";
    if (flag.status === "drift") return `drift${where}: ${flag.words}; ${flag.evidence} (not counted)`;
    const what = flag.status === "candidate" ? `candidate ${flag.kind} (not counted yet)` : `confirmed ${flag.kind}`;
    const resolved = flag.resolved_by !== null && flag.resolved_by !== undefined && runs[flag.resolved_by]
      ? `; resolved at ${shortCommit(runs[flag.resolved_by])}` : "";
    return `${what}${where}: ${flag.words}; ${flag.evidence}; threshold ±${(flag.threshold * 100).toFixed(0)}%${resolved}`;
  }

  async function drawChart(card) {
    const bench = card.bench;
    const plot = card.querySelector(".plot");
    let data;
    try {
      data = await load("bench/" + bench.id);
    } catch (error) {
      plot.replaceChildren(el("p", { class: "muted" }, String(error)));
      return;
    }
    if (!card.isConnected) return;
    const series = data.series.filter(seriesMatches);
    const machines = new Set(series.map((s) => s.machine));
    const styles = seriesStyles(series);
    const traces = [];
    const flagPoints = new Map(Object.keys(FLAG_CLASSES).map((k) => [k, { x: [], y: [], text: [] }]));
    let lo = Infinity;
    let hi = 0;
    const units = new Set();
    const allPoints = [];
    series.forEach((s, i) => {
      const { color, symbol, dash } = styles[i];
      const { f, swap, unit } = transform(s);
      units.add(unit);
      const label = s.label + (machines.size > 1 ? " · " + s.machine : "");
      const pts = chartPoints(s.points).map((p) => {
        const [q1, q3] = swap ? [f(p.q3), f(p.q1)] : [f(p.q1), f(p.q3)];
        const [l, h] = swap ? [f(p.hi), f(p.lo)] : [f(p.lo), f(p.hi)];
        return { ...p, y: f(p.median), q1, q3, l, h };
      });
      for (const p of pts) { lo = Math.min(lo, p.q1, p.l); hi = Math.max(hi, p.q3, p.h); allPoints.push(p); }
      const x = pts.map((p) => p.x);
      const group = "g" + i;
      // The band as one closed shape: no fill between unrelated traces.
      traces.push({ x: x.concat(x.slice().reverse()), y: pts.map((p) => p.q3).concat(pts.map((p) => p.q1).reverse()),
        mode: "lines", line: { width: 0, color }, fill: "toself", fillcolor: rgba(color, 0.14), hoverinfo: "skip",
        showlegend: false, legendgroup: group, type: "scatter" });
      const spread = pts.some((p) => p.runs.length > 1);
      traces.push({
        // Thousands of SVG markers make a chart slow to draw; long series show the line only.
        x, y: pts.map((p) => p.y), mode: pts.length > 300 ? "lines" : "lines+markers",
        type: "scatter", name: esc(label), legendgroup: group,
        line: { color, width: s.role === "baseline" ? 1.3 : 1.9, dash }, marker: { size: 6, color, symbol },
        error_y: spread ? { type: "data", symmetric: false, array: pts.map((p) => p.h - p.y),
          arrayminus: pts.map((p) => p.y - p.l), color, thickness: 1, width: 3 } : { visible: false },
        customdata: pts.map((p) => {
          const run = INDEX.runs[p.runs[p.runs.length - 1]];
          const gbps = s.bytes ? " · " + trim(s.bytes / (unit === "gbps" ? s.bytes / p.y / 1e9 : p.y) / 1e9) + " GB/s" : "";
          const runsText = p.runs.length > 1 ? `${p.runs.length} runs, ${fmtValue(p.l, unit)} – ${fmtValue(p.h, unit)}` : "1 run";
          return [esc(shortCommit(run) + (run.dirty ? " (dirty)" : "")), esc(fmtDate(run.commit_time)),
            esc(fmtDate(run.time)), esc(fmtValue(p.y, unit) + (unit === "time" ? gbps : "")),
            esc(fmtValue(p.q1, unit) + " – " + fmtValue(p.q3, unit)), esc((run.message || "").slice(0, 80)),
            esc(run.branch || ""), p.runs[p.runs.length - 1], esc(s.machine), esc(runsText)];
        }),
        hovertemplate: "<b>%{customdata[3]}</b> (IQR %{customdata[4]})<br>%{customdata[9]}<br>commit %{customdata[0]} " +
          "%{customdata[6]}<br>%{customdata[5]}<br>committed %{customdata[1]}<br>measured %{customdata[2]}" +
          "<br>%{customdata[8]}<extra>" + esc(label) + "</extra>",
      });
      for (const flag of s.flags || []) {
        const p = pts.find((q) => q.runs.includes(flag.run));
        if (!p) continue;
        const bucket = flagPoints.get(flagClass(flag));
        bucket.x.push(p.x);
        bucket.y.push(p.y);
        bucket.text.push(esc(label + ": " + flagText(flag, INDEX.runs)));
      }
    });
    for (const [cls, pts] of flagPoints) {
      if (!pts.x.length) continue;
      const style = FLAG_CLASSES[cls];
      traces.push({ x: pts.x, y: pts.y, mode: "markers", type: "scatter", name: cls, legendgroup: "flag " + cls,
        hoverinfo: "text", hovertext: pts.text,
        marker: { size: 15, symbol: style.symbol, color: style.color,
          line: { width: cls.startsWith("confirmed") ? 1 : 2, color: cls.startsWith("confirmed") ? "#fff" : style.color } } });
    }
    if (!traces.length) {
      plot.replaceChildren(el("p", { class: "muted" }, "no series match the filters"));
      return;
    }
    const unit = units.size === 1 && units.has("gbps") ? "gbps" : "time";
    const title = unit === "gbps" ? "throughput (GB/s, higher is better)" : "time per call";
    const yaxis = state.scale === "linear"
      ? linearAxis(unit === "gbps" ? ".3~g" : "~s", title)
      : logAxis(lo, hi, unit === "gbps" ? (v) => trim(v) + " GB/s" : tickSeconds, title);
    if (state.scale === "linear" && unit !== "gbps") yaxis.ticksuffix = "s";
    const layout = {
      // The legend above the plot: below it, it collides with slanted commit labels.
      margin: { l: 72, r: 10, t: 36, b: 40 }, hovermode: "closest", showlegend: true,
      legend: LEGEND, xaxis: xAxis(allPoints), yaxis,
    };
    await Plotly.newPlot(plot, traces, layout, { responsive: true, displaylogo: false });
    plot.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      const runIndex = point && point.customdata && point.customdata[7];
      const url = typeof runIndex === "number" ? commitUrl(INDEX.runs[runIndex]) : null;
      if (url) window.open(url, "_blank", "noopener");
    });
    card.dataset.unit = unit;
    card.dataset.rendered = "1";
  }

  function renderFocus(view, bench) {
    view.append(el("p", { class: "summary" },
      el("button", { type: "button", onclick: () => writeState({ bench: "" }, true) }, "← all charts")));
    const card = chartCard(bench, true);
    view.append(card);
    drawChart(card);
    const flags = INDEX.flags.filter((f) => f.bench === bench.id && seriesMatches(f));
    view.append(el("h2", {}, "Flagged steps"), flags.length ? flagTable(flags) : el("p", { class: "muted" }, "none"));
  }

  // ---- regressions --------------------------------------------------------------------------

  const STATUS_TEXT = { confirmed: "confirmed", candidate: "candidate", drift: "drift" };

  function renderRegressions(view) {
    const kind = el("select", { id: "kind", onchange: (e) => writeState({ kind: e.target.value }) },
      el("option", { value: "all" }, "regressions and improvements"),
      el("option", { value: "regression" }, "regressions only"),
      el("option", { value: "improvement" }, "improvements only"));
    kind.value = state.kind;
    const status = el("select", { id: "status", onchange: (e) => writeState({ status: e.target.value }) },
      el("option", { value: "all" }, "confirmed, candidates and drift"),
      el("option", { value: "confirmed" }, "confirmed only (what counts)"),
      el("option", { value: "candidate" }, "candidates only"),
      el("option", { value: "drift" }, "drift only"));
    status.value = state.status;
    const benches = new Map(INDEX.benchmarks.map((b) => [b.id, b]));
    const flags = INDEX.flags.filter((f) => benchMatches(benches.get(f.bench)) && seriesMatches(f) &&
      (state.kind === "all" || f.kind === state.kind) && (state.status === "all" || f.status === state.status));
    const count = (st) => flags.filter((f) => f.status === st).length;
    const d = INDEX.thresholds.default;
    view.append(el("div", { class: "pickers" }, el("label", {}, "Show ", kind), el("label", {}, "Status ", status)),
      el("p", { class: "summary", id: "count" },
        `${count("confirmed")} confirmed (counted), ${count("candidate")} candidate(s), ${count("drift")} drift. `,
        INDEX.rule + ` Over the history a step must hold for ${d.confirm} runs in a row (else it is a candidate), `,
        `judged against the median of up to ${d.window} runs before it, after at least ${d.min_samples} runs` +
        (INDEX.thresholds.overrides.length ? ` (${INDEX.thresholds.overrides.length} per-benchmark overrides).` : ".")),
      flags.length ? flagTable(flags) : el("p", { class: "muted" }, "No steps beyond the noise threshold."));
  }

  function flagTable(flags) {
    const benches = new Map(INDEX.benchmarks.map((b) => [b.id, b]));
    const rows = flags.map((f) => {
      const run = INDEX.runs[f.run];
      const bench = benches.get(f.bench);
      const resolvedRun = f.resolved_by !== null && f.resolved_by !== undefined ? INDEX.runs[f.resolved_by] : null;
      return el("tr", { class: f.status === "drift" ? "drift" : resolvedRun ? "resolved" : f.kind, "data-status": f.status,
        "data-resolved": resolvedRun ? "1" : null, "data-fullname": f.fullname, "data-kind": f.kind },
        el("td", { class: "verdict" }, el("span", { class: "glyph", style: `color:${FLAG_CLASSES[flagClass(f)].color}` },
          FLAG_CLASSES[flagClass(f)].text), " " + (f.status === "drift" ? "drift" : f.kind),
        f.status === "candidate" ? el("span", { class: "badge pending" }, "candidate") : null,
        resolvedRun ? el("span", { class: "badge resolved" }, "resolved at " + shortCommit(resolvedRun)) : null),
        el("td", { class: "name" }, el("a", { href: "#", onclick: (e) => { e.preventDefault();
          writeState({ view: "trends", bench: f.bench }, true); } }, bench ? bench.title : f.fullname),
          " · " + f.name),
        el("td", {}, f.machine), el("td", {}, commitLink(run)), el("td", {}, fmtDate(run.time)),
        el("td", { class: "num" }, fmtSeconds(f.before)), el("td", { class: "num" }, fmtSeconds(f.after)),
        el("td", { class: "words" }, f.words), el("td", {}, f.evidence),
        el("td", { class: "num" }, "±" + (f.threshold * 100).toFixed(0) + "%"));
    });
    return el("table", { id: "flags" }, el("thead", {}, el("tr", {}, ...["step", "benchmark", "machine", "commit",
      "run date"].map((h) => el("th", {}, h)), ...["time before", "time after"].map((h) =>
      el("th", { class: "num" }, h)), el("th", {}, "change"), el("th", {}, "evidence"), el("th", { class: "num" }, "threshold"))), el("tbody", {}, rows));
  }

  // ---- compare ------------------------------------------------------------------------------

  function runLabel(run) {
    return `${fmtDate(run.time)} · ${shortCommit(run)}${run.dirty ? "+" : ""} · ${run.machine} · ${run.id}` +
      (run.partial ? ` · partial (${run.partial})` : "");
  }

  // The verdicts come from benchkit.compare.compare_runs (the rule of nox -s
  // bench-compare), written into each run's file when the site was built:
  // each run against the previous commit's runs on its machine, pooled.
  async function renderCompare(view) {
    const candidates = INDEX.runs.map((run, i) => [run, i]).filter(([run]) => !state.machine || run.machine === state.machine);
    if (!candidates.length) {
      view.append(el("p", { class: "muted" }, "No runs recorded."));
      return;
    }
    // By default the newest run that has something to compare with (a new
    // machine's first run has none).
    const head = candidates.find(([run]) => run.id === state.head) ||
      candidates.filter(([run]) => run.compared).slice(-1)[0] || candidates[candidates.length - 1];
    const select = el("select", { id: "head" }, candidates.slice().reverse().map(([run]) =>
      el("option", { value: run.id }, runLabel(run))));
    select.value = head[0].id;
    select.addEventListener("change", () => writeState({ head: select.value }));
    view.append(el("div", { class: "pickers" }, el("label", {}, "Candidate run ", select)));
    const holder = el("div", {}, el("p", { class: "muted" }, "Loading run…"));
    view.append(holder);
    const data = await load("runs/" + head[1]);
    if (!view.isConnected) return;
    if (!data.base) {
      holder.replaceChildren(el("p", { class: "muted", id: "count" },
        `Run ${head[0].id} is the first commit recorded on ${head[0].machine}: nothing to compare it with.`));
      return;
    }
    const base = INDEX.runs[data.base.runs[data.base.runs.length - 1]];
    const benches = new Map(INDEX.benchmarks.map((x) => [x.id, x]));
    const counts = { regression: 0, improvement: 0, drift: 0, same: 0, new: 0, gone: 0 };
    let baselines = 0;
    const rows = data.base.rows.filter((r) => {
      const bench = benches.get(r.bench);
      return bench && benchMatches(bench) && (!state.device || r.device === state.device);
    });
    for (const r of rows) { if (r.ours) counts[r.verdict] += 1; else baselines += 1; }
    const order = { regression: 0, improvement: 1, drift: 2, same: 3, new: 4, gone: 5, baseline: 6 };
    rows.sort((x, y) => order[x.verdict] - order[y.verdict] || (y.ratio || 0) - (x.ratio || 0) || (x.fullname < y.fullname ? -1 : 1));
    const short = (name) => name.split("::").slice(-1)[0];
    const tableOf = (rows, id) => el("table", { id },
      el("thead", {}, el("tr", {}, el("th", {}, "benchmark"), ...["base", "candidate", "candidate/base"].map((t) =>
        el("th", { class: "num" }, t)), el("th", {}, "verdict"), el("th", {}, "in words"), el("th", {}, "why"))),
      el("tbody", {}, rows.map((r) => el("tr", { class: r.verdict, title: r.fullname, "data-fullname": r.fullname,
        "data-verdict": r.verdict },
        el("td", { class: "name" }, short(r.fullname)), el("td", { class: "num" }, r.base),
        el("td", { class: "num" }, r.head),
        el("td", { class: "num" }, r.ratio === null ? "–" : r.ratio.toFixed(3)),
        el("td", { class: "verdict" }, r.verdict), el("td", { class: "words" }, r.words), el("td", { class: "why" }, r.why)))));
    // Baselines are context: folded away under the table of ours, as bench-compare lists them apart.
    const context = rows.filter((r) => !r.ours);
    const table = tableOf(rows.filter((r) => r.ours), "compare-table");
    const folded = context.length ? el("details", { id: "compare-context" },
      el("summary", {}, `${context.length} baseline(s): context, not judged`), tableOf(context, "compare-baselines")) : null;
    const pooled = data.base.runs.length > 1 ? ` (${data.base.runs.length} runs pooled)` : "";
    holder.replaceChildren(
      el("p", { class: "summary", id: "count" },
        `base ${shortCommit(base)}${pooled} → candidate ${shortCommit(head[0])}: ${counts.regression} regressed, `,
        `${counts.improvement} improved, ${counts.drift} drift, ${counts.same} unchanged, ${counts.new} new, `,
        `${counts.gone} gone; ${baselines} baseline(s) not judged. One candidate run against the previous commit decides `,
        "nothing: a change counts once the Regressions view confirms it over the history. ",
        "Ratios are candidate time / base time (below 1: the candidate is faster). ",
        INDEX.rule + " For any other pair: nox -s bench-compare -- BASE HEAD."),
      ...data.base.warnings.map((w) => el("p", { class: "warning" }, "Warning: " + w)),
      ...[table, folded].filter(Boolean));
  }

  // ---- ours vs zarr -------------------------------------------------------------------------

  const BASELINE_NAMES = { zarr: "zarr's buffers", "numpy-limit": "the memory limit (plain NumPy)",
    "cupy-pinned": "CuPy from pinned memory (the copy engine)", "cupy-pageable": "CuPy from pageable memory" };

  // One machine at a time (the one with the most history unless one is
  // chosen): a headline, the table worst first, then one small chart per
  // workload family. The verdicts and words come from Python (benchkit.judge).
  async function renderRatios(view) {
    const machine = state.machine || INDEX.main_machine;
    const entry = INDEX.ratio_machines.find((m) => m.machine === machine);
    view.append(el("p", { class: "summary", id: "count" },
      "Median time of our buffers divided by the baseline's median on the same operation in the same run ",
      "(below 1: ours is faster), said in words; \"same\" means within the ratio's noise. ",
      "Against a hardware limit the ratio says how close to the limit ours gets."));
    if (!entry) {
      view.append(el("p", { class: "muted" }, "No benchmark pairs (ours and a baseline) on the selected machine."));
      return;
    }
    if (!state.machine) {
      view.append(el("p", { class: "muted", id: "machine-note" },
        `Machine ${machine} (${(INDEX.machines.find((m) => m.key === machine) || {}).runs} runs, the most history); choose another above.`));
    }
    const data = await load(entry.data);
    if (!view.isConnected) return;
    const q = state.q.toLowerCase();
    for (const baseline of Object.keys(entry.headlines)) {
      const series = data.series.filter((s) => s.baseline === baseline && (!state.device || s.device === state.device) &&
        (!q || s.pair.toLowerCase().includes(q)));
      if (!series.length) continue;
      const name = BASELINE_NAMES[baseline] || baseline;
      const section = el("section", { class: "ratio-section", "data-baseline": baseline },
        el("h2", {}, `ours / ${name}`),
        el("p", { class: "headline" }, entry.headlines[baseline] + (series.length < data.series.filter((s) => s.baseline === baseline).length
          ? " (all pairs; the table and charts below are filtered)" : "")));
      view.append(section);
      section.append(el("table", { class: "ratio-table" }, el("thead", {}, el("tr", {}, el("th", {}, "operation (latest run)"),
        ...["ours", baseline, "ours / " + baseline].map((t) => el("th", { class: "num" }, t)), el("th", {}, "in words"))),
        el("tbody", {}, series.map((s) => {
          const p = s.points[s.points.length - 1];
          const cls = s.latest.verdict === "slower" ? "regression" : s.latest.verdict === "faster" ? "improvement" : "same";
          return el("tr", { class: cls, "data-verdict": s.latest.verdict, "data-fullname": s.fullname },
            el("td", { class: "name" }, s.pair), el("td", { class: "num" }, fmtSeconds(p[2])),
            el("td", { class: "num" }, fmtSeconds(p[3])), el("td", { class: "num" }, p[1].toFixed(3)),
            el("td", { class: "verdict" }, s.latest.words));
        }))));
      const families = new Map();
      for (const s of series) {
        if (!families.has(s.family)) families.set(s.family, []);
        families.get(s.family).push(s);
      }
      const grid = el("div", { class: "grid small-multiples" });
      section.append(grid);
      for (const [family, members] of [...families.entries()].sort()) {
        // A legend below the plot grows the card by a line per member; beyond a
        // few, Plotly squeezes it into a scrolling box, so hover and the table name them.
        const legend = members.length > 1 && members.length <= SMALL_LEGEND;
        const plot = el("div", { class: "plot", style: `height:${240 + (legend ? 18 * members.length : 0)}px` });
        const card = el("article", { class: "card ratio-card" }, el("h3", {}, family),
          el("div", { class: "path" }, `${members.length} operation${members.length > 1 ? "s" : ""}` +
            (members.length > SMALL_LEGEND ? "; hover a line for its name" : "")), plot);
        grid.append(card);
        await drawRatioChart(card, members, baseline, name);
        if (!view.isConnected) return;
      }
    }
  }

  const SMALL_LEGEND = 6;

  async function drawRatioChart(card, series, baseline, name) {
    const styles = seriesStyles(series.map(() => ({})));
    let lo = Infinity;
    let hi = 0;
    const allPoints = [];
    const traces = series.map((s, i) => {
      const pts = chartPoints(s.points);
      for (const p of pts) { lo = Math.min(lo, p.lo); hi = Math.max(hi, p.hi); allPoints.push(p); }
      return {
        x: pts.map((p) => p.x), y: pts.map((p) => p.median), type: "scatter",
        mode: pts.length > 300 ? "lines" : "lines+markers", name: esc(s.pair),
        line: { color: styles[i].color, dash: styles[i].dash, width: 1.6 },
        marker: { color: styles[i].color, symbol: styles[i].symbol, size: 5 },
        customdata: pts.map((p) => {
          const run = INDEX.runs[p.runs[p.runs.length - 1]];
          const own = s.points.filter((q) => p.runs.includes(q[0]));
          return [esc(shortCommit(run)), esc(fmtSeconds(median(own.map((q) => q[2])))),
            esc(fmtSeconds(median(own.map((q) => q[3])))), esc(p.runs.length > 1 ? `${p.runs.length} runs` : "1 run")];
        }),
        hovertemplate: "ours/" + esc(baseline) + " %{y:.3f}<br>ours %{customdata[1]}, " + esc(baseline) +
          " %{customdata[2]}<br>commit %{customdata[0]} (%{customdata[3]})<extra>" + esc(s.pair) + "</extra>",
      };
    });
    lo = Math.min(lo, 1);
    hi = Math.max(hi, 1);
    // Plotly reads its own markup in titles: the baseline's name is escaped like every other.
    const ytitle = esc("ours / " + name);
    await Plotly.newPlot(card.querySelector(".plot"), traces, {
      margin: { l: 64, r: 10, t: 10, b: 10 }, hovermode: "closest",
      showlegend: series.length > 1 && series.length <= SMALL_LEGEND, legend: { orientation: "h", x: 0, y: -0.02, yanchor: "top", font: { size: 10 } },
      xaxis: { ...xAxis(allPoints), title: null, showticklabels: false },
      yaxis: state.scale === "linear" ? linearAxis(".2~f", ytitle) : logAxis(lo, hi, (v) => trim(v) + "×", ytitle),
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { dash: "dot", color: "#667085" } }],
    }, { responsive: true, displaylogo: false });
    card.dataset.rendered = "1";
  }

  // ---- machines -----------------------------------------------------------------------------

  function renderMachines(view) {
    const cols = [["key", "machine key"], ["runs", "runs"], ["cpu_model", "CPU"], ["cpu_cores", "cores"],
      ["memory_gib", "memory GiB"], ["gpus", "GPUs"], ["gpu_driver", "driver"], ["cuda_version", "CUDA"],
      ["numpy_version", "NumPy"], ["cupy_version", "CuPy"], ["python", "Python"], ["system", "OS"]];
    view.append(el("table", { id: "machines" }, el("thead", {}, el("tr", {}, cols.map(([, t]) => el("th", {}, t)))),
      el("tbody", {}, INDEX.machines.map((m) => el("tr", {}, cols.map(([k]) =>
        el("td", {}, Array.isArray(m[k]) ? m[k].join(", ") || "–" : m[k] === null || m[k] === undefined ? "–" : m[k])))))));
  }

  // ---- shell --------------------------------------------------------------------------------

  function render() {
    if (observer) { observer.disconnect(); observer = null; }
    const old = document.getElementById("view");
    for (const plot of old.querySelectorAll(".js-plotly-plot")) Plotly.purge(plot);
    // A fresh element per render: a view still drawing from an earlier render
    // (one awaiting its data) finds its element detached and stops, instead of
    // appending a second copy of its charts to this one.
    const view = old.cloneNode(false);
    old.replaceWith(view);
    syncControls();
    const views = { trends: renderTrends, regressions: renderRegressions, compare: renderCompare,
      ratios: renderRatios, machines: renderMachines };
    const draw = views[state.view] || renderTrends;
    Promise.resolve(draw(view)).catch((error) => view.append(el("p", { class: "muted" }, String(error))));
    document.body.dataset.view = state.view;
  }

  function showNotice() {
    const notice = document.getElementById("notice");
    if (!INDEX.skipped.length) return;
    notice.hidden = false;
    notice.append(el("strong", {}, `${INDEX.skipped.length} file(s) in the results could not be read and were skipped:`),
      el("ul", {}, INDEX.skipped.map((s) => el("li", {}, `${s.path}: ${s.reason}`))));
  }

  function start(index) {
    INDEX = index;
    state = readState();
    setupControls();
    showNotice();
    if (index.docs_url) {
      document.querySelector("header").append(el("a", { id: "docs-link", href: index.docs_url }, "Documentation"));
    }
    document.getElementById("footer").textContent =
      `Built ${fmtDate(index.generated)} from ${index.runs.length} runs on ${index.machines.length} machine(s); ` +
      `charts by plotly.js ${window.Plotly ? Plotly.version : "?"}.`;
    window.addEventListener("popstate", () => { state = readState(); render(); });
    window.addEventListener("hashchange", () => { state = readState(); render(); });
    render();
    document.body.dataset.ready = "1";
  }
})();
