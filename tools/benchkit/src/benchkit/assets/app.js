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

  function fmtPct(x) { return (x >= 0 ? "+" : "") + (x * 100).toFixed(1) + "%"; }
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

  const PALETTE = ["#2557a7", "#d4572a", "#1b7f3b", "#8c3fb0", "#b8860b", "#0f7c8c", "#c0362c",
    "#5b6b7f", "#9a4d00", "#3b8f5a"];
  function rgba(hex, alpha) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
  }

  // ---- state in the URL ---------------------------------------------------------------------

  const DEFAULTS = { view: "trends", machine: "", device: "", q: "", scale: "log", x: "commit",
    bench: "", base: "", head: "", kind: "all" };
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
    document.getElementById("xaxis").value = state.x === "run" ? "run" : "commit";
    for (const button of document.querySelectorAll("#tabs button")) {
      if (button.dataset.view === state.view) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
  }

  // ---- trend charts -------------------------------------------------------------------------

  let observer = null;
  const PAGE = 40;
  let shown = PAGE;

  function renderTrends(view) {
    const focus = state.bench ? INDEX.benchmarks.find((b) => b.id === state.bench) : null;
    if (focus) return renderFocus(view, focus);
    const matches = INDEX.benchmarks.filter(benchMatches);
    view.append(el("p", { class: "summary", id: "count" },
      `${matches.length} of ${INDEX.benchmarks.length} benchmarks · ${INDEX.runs.length} runs · `,
      "median per run with the interquartile range as a band; drag to zoom, double-click to reset; ",
      "click a point to open its commit."));
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
    for (const kind of ["regression", "improvement"]) {
      const count = bench.flags[kind];
      if (count) title.append(el("span", { class: "badge " + kind }, `${count} ${kind}${count > 1 ? "s" : ""}`));
    }
    const card = el("article", { class: "card chart-card" + (focused ? " focus" : ""), "data-bench": bench.id },
      title,
      el("div", { class: "path" }, bench.tests.join("  ·  ")),
      el("div", { class: "plot" }));
    card.bench = bench;
    return card;
  }

  function xValue(run) {
    return state.x === "commit" && run.commit_time ? run.commit_time : run.time;
  }

  // Points come in run order; by commit date an older commit may be measured
  // later, so sort by the x shown (stable: runs of one commit keep their order).
  function inXOrder(points) {
    const keyed = points.map((p, i) => [Date.parse(xValue(INDEX.runs[p[0]])), i, p]);
    keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return keyed.map((k) => k[2]);
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
    const traces = [];
    series.forEach((s, i) => {
      s = { ...s, points: inXOrder(s.points) };
      const color = PALETTE[i % PALETTE.length];
      const label = s.label + (machines.size > 1 ? " · " + s.machine : "");
      const runs = s.points.map((p) => INDEX.runs[p[0]]);
      const x = runs.map(xValue);
      const group = "g" + i;
      traces.push({ x, y: s.points.map((p) => p[3]), mode: "lines", line: { width: 0, color },
        hoverinfo: "skip", showlegend: false, legendgroup: group, type: "scatter" });
      traces.push({ x, y: s.points.map((p) => p[2]), mode: "lines", line: { width: 0, color },
        fill: "tonexty", fillcolor: rgba(color, 0.18), hoverinfo: "skip", showlegend: false,
        legendgroup: group, type: "scatter" });
      traces.push({
        // Thousands of SVG markers make a chart slow to draw; long series show the line only.
        x, y: s.points.map((p) => p[1]), mode: s.points.length > 300 ? "lines" : "lines+markers",
        type: "scatter", name: esc(label),
        legendgroup: group, line: { color, width: 1.6 }, marker: { size: 5, color },
        customdata: s.points.map((p, j) => [
          esc(shortCommit(runs[j]) + (runs[j].dirty ? " (dirty)" : "")),
          esc(fmtDate(runs[j].commit_time)), esc(fmtDate(runs[j].time)), esc(fmtSeconds(p[1])),
          esc(fmtSeconds(p[2]) + " – " + fmtSeconds(p[3])), esc((runs[j].message || "").slice(0, 80)),
          esc(runs[j].branch || ""), p[0], esc(s.machine)]),
        hovertemplate: "<b>%{customdata[3]}</b> (IQR %{customdata[4]})<br>commit %{customdata[0]} " +
          "%{customdata[6]}<br>%{customdata[5]}<br>committed %{customdata[1]}<br>measured %{customdata[2]}" +
          "<br>%{customdata[8]}<extra>" + esc(label) + "</extra>",
      });
      const steps = (s.steps || []).filter((st) => st.confirmed);
      if (steps.length) {
        const byRun = new Map(s.points.map((p) => [p[0], p]));
        traces.push({
          x: steps.map((st) => xValue(INDEX.runs[st.run])), y: steps.map((st) => byRun.get(st.run)[1]),
          mode: "markers", type: "scatter", showlegend: false, legendgroup: group, hoverinfo: "text",
          hovertext: steps.map((st) => esc(`${st.kind} ${fmtPct(st.after / st.before - 1)} (threshold ±${(st.threshold * 100).toFixed(0)}%)`)),
          marker: { size: 13, symbol: steps.map((st) => st.kind === "regression" ? "triangle-up" : "triangle-down"),
            color: steps.map((st) => st.kind === "regression" ? "#c0362c" : "#1b7f3b"), line: { width: 1, color: "#fff" } },
        });
      }
    });
    const layout = {
      margin: { l: 60, r: 10, t: 10, b: 40 }, hovermode: "closest", showlegend: true,
      legend: { orientation: "h", y: -0.16 },
      xaxis: { type: "date" },
      yaxis: { type: state.scale === "linear" ? "linear" : "log", tickformat: "~s", ticksuffix: "s",
        title: { text: "time per call" }, rangemode: state.scale === "linear" ? "tozero" : undefined },
    };
    if (!traces.length) {
      plot.replaceChildren(el("p", { class: "muted" }, "no series match the filters"));
      return;
    }
    await Plotly.newPlot(plot, traces, layout, { responsive: true, displaylogo: false });
    plot.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      const runIndex = point && point.customdata && point.customdata[7];
      const url = typeof runIndex === "number" ? commitUrl(INDEX.runs[runIndex]) : null;
      if (url) window.open(url, "_blank", "noopener");
    });
    card.dataset.rendered = "1";
  }

  function renderFocus(view, bench) {
    view.append(el("p", { class: "summary" },
      el("button", { type: "button", onclick: () => writeState({ bench: "" }, true) }, "← all benchmarks")));
    const card = chartCard(bench, true);
    view.append(card);
    drawChart(card);
    const flags = INDEX.flags.filter((f) => f.bench === bench.id && seriesMatches(f));
    view.append(el("h2", {}, "Flagged steps"), flags.length ? flagTable(flags) : el("p", { class: "muted" }, "none"));
  }

  // ---- regressions --------------------------------------------------------------------------

  function renderRegressions(view) {
    const kind = el("select", { id: "kind", onchange: (e) => writeState({ kind: e.target.value }) },
      el("option", { value: "all" }, "regressions and improvements"),
      el("option", { value: "regression" }, "regressions only"),
      el("option", { value: "improvement" }, "improvements only"));
    kind.value = state.kind;
    const benches = new Map(INDEX.benchmarks.map((b) => [b.id, b]));
    const flags = INDEX.flags.filter((f) => benchMatches(benches.get(f.bench)) && seriesMatches(f) &&
      (state.kind === "all" || f.kind === state.kind));
    const d = INDEX.thresholds.default;
    view.append(el("div", { class: "pickers" }, el("label", {}, "Show ", kind)),
      el("p", { class: "summary", id: "count" }, `${flags.length} flagged steps. A run is judged against the rolling `,
        `median of the ${d.window} runs before it; it must differ by more than ${d.mad_multiple}× the scaled MAD `,
        `and by at least ${(d.min_relative_change * 100).toFixed(0)}%, for ${d.confirm} runs in a row, with at least `,
        `${d.min_samples} runs of baseline` +
        (INDEX.thresholds.overrides.length ? ` (${INDEX.thresholds.overrides.length} per-benchmark overrides).` : ".")),
      flags.length ? flagTable(flags) : el("p", { class: "muted" }, "No steps beyond the noise threshold."));
  }

  function flagTable(flags) {
    const benches = new Map(INDEX.benchmarks.map((b) => [b.id, b]));
    const rows = flags.map((f) => {
      const run = INDEX.runs[f.run];
      const bench = benches.get(f.bench);
      return el("tr", { class: f.kind },
        el("td", { class: "verdict" }, f.kind, f.confirmed ? null : el("span", { class: "badge pending" }, "unconfirmed")),
        el("td", { class: "name" }, el("a", { href: "#", onclick: (e) => { e.preventDefault();
          writeState({ view: "trends", bench: f.bench }, true); } }, bench ? bench.title : f.fullname),
          " · " + f.name),
        el("td", {}, f.machine), el("td", {}, commitLink(run)), el("td", {}, fmtDate(run.time)),
        el("td", { class: "num" }, fmtSeconds(f.before)), el("td", { class: "num" }, fmtSeconds(f.after)),
        el("td", { class: "num" }, fmtPct(f.change)), el("td", { class: "num" }, "±" + (f.threshold * 100).toFixed(0) + "%"));
    });
    return el("table", { id: "flags" }, el("thead", {}, el("tr", {}, ...["kind", "benchmark", "machine", "commit",
      "run date"].map((h) => el("th", {}, h)), ...["before", "after", "change", "threshold"].map((h) =>
      el("th", { class: "num" }, h)))), el("tbody", {}, rows));
  }

  // ---- compare ------------------------------------------------------------------------------

  function runLabel(run) {
    return `${fmtDate(run.time)} · ${shortCommit(run)}${run.dirty ? "+" : ""} · ${run.machine} · ${run.id}`;
  }

  async function renderCompare(view) {
    const candidates = INDEX.runs.map((run, i) => [run, i]).filter(([run]) => !state.machine || run.machine === state.machine);
    if (candidates.length < 2) {
      view.append(el("p", { class: "muted" }, "Need at least two runs to compare."));
      return;
    }
    const find = (id) => candidates.find(([run]) => run.id === id);
    const head = find(state.head) || candidates[candidates.length - 1];
    const base = find(state.base) || candidates.filter(([r]) => r.machine === head[0].machine && r !== head[0]).slice(-1)[0] ||
      candidates[candidates.length - 2];
    const picker = (id, chosen) => {
      const select = el("select", { id }, candidates.slice().reverse().map(([run]) =>
        el("option", { value: run.id }, runLabel(run))));
      select.value = chosen[0].id;
      select.addEventListener("change", () => writeState({ [id]: select.value }));
      return select;
    };
    view.append(el("div", { class: "pickers" }, el("label", {}, "Base ", picker("base", base)),
      el("label", {}, "Head ", picker("head", head))));
    const holder = el("div", {}, el("p", { class: "muted" }, "Loading runs…"));
    view.append(holder);
    const [b, h] = await Promise.all([load("runs/" + base[1]), load("runs/" + head[1])]);
    const names = [...new Set([...Object.keys(b.results), ...Object.keys(h.results)])].sort();
    const benches = new Map(INDEX.benchmarks.map((x) => [x.id, x]));
    const rows = [];
    const counts = { regression: 0, improvement: 0, same: 0, new: 0, gone: 0 };
    for (const name of names) {
      const before = b.results[name];
      const after = h.results[name];
      const bench = benches.get((before || after).bench);
      if (!bench || !benchMatches(bench)) continue;
      if (state.device && (before || after).device !== state.device) continue;
      const threshold = before && before.threshold !== null ? before.threshold : INDEX.thresholds.default.min_relative_change;
      let verdict = "same";
      let ratio = null;
      if (!before) verdict = "new";
      else if (!after) verdict = "gone";
      else {
        ratio = after.median / before.median;
        if (ratio - 1 > threshold && after.q1 > before.q3) verdict = "regression";
        else if (ratio - 1 < -threshold && after.q3 < before.q1) verdict = "improvement";
      }
      counts[verdict] += 1;
      rows.push({ name, before, after, ratio, threshold, verdict });
    }
    const order = { regression: 0, improvement: 1, same: 2, new: 3, gone: 4 };
    rows.sort((x, y) => order[x.verdict] - order[y.verdict] || (y.ratio || 0) - (x.ratio || 0) || (x.name < y.name ? -1 : 1));
    const table = el("table", { id: "compare-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "benchmark"), ...["base", "head", "head/base", "threshold"].map((t) =>
        el("th", { class: "num" }, t)), el("th", {}, "verdict"))),
      el("tbody", {}, rows.map((r) => el("tr", { class: r.verdict },
        el("td", { class: "name" }, r.name), el("td", { class: "num" }, r.before ? fmtSeconds(r.before.median) : "–"),
        el("td", { class: "num" }, r.after ? fmtSeconds(r.after.median) : "–"),
        el("td", { class: "num" }, r.ratio === null ? "–" : r.ratio.toFixed(3)),
        el("td", { class: "num" }, "±" + (r.threshold * 100).toFixed(0) + "%"), el("td", { class: "verdict" }, r.verdict)))));
    const warn = base[0].machine !== head[0].machine
      ? el("p", { class: "badge regression" }, "The runs are from different machines: ratios mix hardware.") : null;
    holder.replaceChildren(...[el("p", { class: "summary", id: "count" },
      `base ${shortCommit(base[0])} → head ${shortCommit(head[0])}: ${counts.regression} regressed, ${counts.improvement} improved, `,
      `${counts.same} unchanged, ${counts.new} new, ${counts.gone} gone. A regression needs head/base beyond the `,
      "threshold and non-overlapping interquartile ranges (same rule as nox -s bench-compare)."), warn, table]
      .filter(Boolean));
  }

  // ---- ours vs zarr -------------------------------------------------------------------------

  const BASELINE_NAMES = { zarr: "zarr's buffers", "numpy-limit": "the memory limit (plain NumPy)" };

  async function renderRatios(view) {
    const wanted = INDEX.ratio_machines.filter((m) => !state.machine || m.machine === state.machine);
    view.append(el("p", { class: "summary", id: "count" },
      "Median time of our buffers divided by the baseline's median on the same operation in the same run. ",
      "Below 1: ours is faster. Against a hardware limit the ratio says how close to the limit ours gets."));
    if (!wanted.length) {
      view.append(el("p", { class: "muted" }, "No benchmark pairs (ours and a baseline) in the selected runs."));
      return;
    }
    const q = state.q.toLowerCase();
    for (const entry of wanted) {
      const data = await load(entry.data);
      if (!view.isConnected) return;
      const baselines = [...new Set(data.series.map((s) => s.baseline))];
      for (const baseline of baselines) {
        const series = data.series.filter((s) => s.baseline === baseline && (!state.device || s.device === state.device) &&
          (!q || s.pair.toLowerCase().includes(q)));
        if (!series.length) continue;
        const card = el("article", { class: "card focus ratio-card" },
          el("h2", {}, `ours / ${BASELINE_NAMES[baseline] || baseline}`), el("div", { class: "path" }, entry.machine),
          el("div", { class: "plot" }));
        view.append(card);
        const traces = series.map((s) => ({ ...s, points: inXOrder(s.points) })).map((s, i) => ({
          x: s.points.map((p) => xValue(INDEX.runs[p[0]])), y: s.points.map((p) => p[1]), type: "scatter",
          mode: s.points.length > 300 ? "lines" : "lines+markers", name: esc(s.pair),
          line: { color: PALETTE[i % PALETTE.length] },
          customdata: s.points.map((p) => [esc(shortCommit(INDEX.runs[p[0]])), esc(fmtSeconds(p[2])), esc(fmtSeconds(p[3]))]),
          hovertemplate: "ours/" + esc(baseline) + " %{y:.3f}<br>ours %{customdata[1]}, " + esc(baseline) +
            " %{customdata[2]}<br>commit %{customdata[0]}<extra>" + esc(s.pair) + "</extra>",
        }));
        await Plotly.newPlot(card.querySelector(".plot"), traces, {
          margin: { l: 60, r: 10, t: 10, b: 40 }, hovermode: "closest", legend: { orientation: "h", y: -0.15 },
          xaxis: { type: "date" }, yaxis: { type: state.scale === "linear" ? "linear" : "log",
            title: { text: "ours / " + esc(baseline) } },
          shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 1, y1: 1, line: { dash: "dot", color: "#667085" } }],
        }, { responsive: true, displaylogo: false });
        card.dataset.rendered = "1";
        const latest = series.map((s) => [s, s.points[s.points.length - 1]]);
        card.append(el("table", { class: "ratio-table" }, el("thead", {}, el("tr", {}, el("th", {}, "operation (latest run)"),
          ...["ours", baseline, "ratio"].map((t) => el("th", { class: "num" }, t)))),
          el("tbody", {}, latest.map(([s, p]) => el("tr", { class: p[1] > 1 ? "regression" : "improvement" },
            el("td", { class: "name" }, s.pair), el("td", { class: "num" }, fmtSeconds(p[2])),
            el("td", { class: "num" }, fmtSeconds(p[3])), el("td", { class: "num verdict" }, p[1].toFixed(3)))))));
      }
    }
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
    const view = document.getElementById("view");
    for (const plot of view.querySelectorAll(".js-plotly-plot")) Plotly.purge(plot);
    view.replaceChildren();
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
