// The graph explorer: edit a program, see its graph with every value's data and grad, walk
// backpropagation one node at a time, and move an input with a slider.
"use strict";

const STARTER = `# the notebook's first graph
a = 2.0
b = -3.0
c = 10.0
e = a * b
d = e + c
f = -2.0
L = d * f
`;

const ex = {
  editor: document.getElementById("program"),
  backdrop: document.getElementById("backdrop"),
  gutter: document.getElementById("gutter"),
  errorBox: document.getElementById("program-error"),
  status: document.getElementById("program-status"),
  sliders: document.getElementById("sliders"),
  svg: document.getElementById("graph"),
  ruleBody: document.getElementById("rule-body"),
  result: null,     // the last good answer of /api/graph
  error: null,      // the current error, if any
  pos: null,        // null: backward() done; 0: grads zero; 1: output seeded; 1+i: after step i
  seq: 0,           // the number of the latest request, so a late answer to an older one is dropped
  inFlight: false,
  pending: false,
  sliderBase: {},   // name -> the value a slider is centred on, kept while it is dragged
};

// ---------- editor ----------

function renderEditorChrome() {
  const text = ex.editor.value;
  const lines = text.split("\n");
  const bad = ex.error ? ex.error.line : -1;
  ex.gutter.innerHTML = lines.map((_, i) => i + 1 === bad ? `<span class="bad">${i + 1}</span>` : String(i + 1)).join("\n");
  let html = "";
  if (ex.error && ex.error.line >= 1 && ex.error.line <= lines.length) {
    const before = lines.slice(0, ex.error.line - 1).map(escapeHtml).join("\n");
    const chars = Array.from(lines[ex.error.line - 1]);
    const c = Math.max(0, Math.min(chars.length, ex.error.col - 1));
    const w = Math.max(1, ex.error.width || 1);
    let mid = chars.slice(c, c + w).join("");
    if (mid === "") mid = " ";
    html = (before ? before + "\n" : "") + escapeHtml(chars.slice(0, c).join("")) + "<mark>" + escapeHtml(mid) + "</mark>" +
      escapeHtml(chars.slice(c + w).join("")) + "\n" + lines.slice(ex.error.line).map(escapeHtml).join("\n");
  } else {
    html = escapeHtml(text);
  }
  ex.backdrop.innerHTML = html + "\n";
  syncScroll();
}

function syncScroll() {
  ex.backdrop.scrollTop = ex.editor.scrollTop;
  ex.backdrop.scrollLeft = ex.editor.scrollLeft;
  ex.gutter.scrollTop = ex.editor.scrollTop;
  ex.gutter.style.transform = `translateY(${-ex.editor.scrollTop}px)`;
}

function showError(err) {
  ex.error = err;
  if (!err) {
    ex.errorBox.hidden = true;
  } else {
    ex.errorBox.hidden = false;
    const where = err.line ? `<span class="pos">line ${err.line}, column ${err.col}:</span> ` : "";
    ex.errorBox.innerHTML = where + escapeHtml(err.error) + (err.excerpt ? `<pre>${escapeHtml(err.excerpt)}</pre>` : "");
  }
  ex.svg.style.opacity = err ? 0.4 : 1;
  renderEditorChrome();
}

async function evaluate() {
  if (ex.inFlight) { ex.pending = true; return; }
  ex.inFlight = true;
  const seq = ++ex.seq;
  const res = await api("POST", "/api/graph", { program: ex.editor.value });
  ex.inFlight = false;
  if (seq === ex.seq) {
    if (res.ok) {
      ex.result = res.body;
      ex.pos = null;
      showError(null);
      const n = res.body.nodes.length;
      ex.status.textContent = `${n} node${n === 1 ? "" : "s"}, output ${res.body.output_name}`;
      renderSliders();
      drawGraph();
      describeStep();
    } else {
      showError(res.body && res.body.error ? res.body : { error: `the server answered ${res.status}` });
      ex.status.textContent = "";
    }
  }
  if (ex.pending) { ex.pending = false; evaluate(); }
}

let typingTimer = null;
ex.editor.addEventListener("input", () => {
  ex.sliderBase = {};
  renderEditorChrome();
  clearTimeout(typingTimer);
  typingTimer = setTimeout(evaluate, 120);
});
ex.editor.addEventListener("scroll", syncScroll);

// ---------- sliders on the inputs ----------

// Where `name = NUMBER` is written: the first such statement, as the language makes it a leaf.
function leafLiteral(text, name) {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`(^|[\\n;])([ \\t]*${esc}[ \\t]*=[ \\t]*)(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)(?=[ \\t]*(?:#[^\\n]*)?(?:$|[\\n;]))`);
  const m = re.exec(text);
  if (!m) return null;
  const start = m.index + m[1].length + m[2].length;
  return { start, end: start + m[3].length, value: Number(m[3]) };
}

function formatLiteral(x) {
  let s = x.toFixed(3).replace(/0+$/, "").replace(/\.$/, ".0");
  if (s === "-0.0") s = "0.0";
  return s;
}

function renderSliders() {
  const leaves = (ex.result.leaves || []).filter(l => leafLiteral(ex.editor.value, l.name));
  if (leaves.length === 0) {
    ex.sliders.innerHTML = `<div class="none">No input written as <code>name = number</code>.</div>`;
    return;
  }
  const names = leaves.map(l => l.name).join(",");
  if (ex.sliders.dataset.names !== names) {
    ex.sliders.dataset.names = names;
    ex.sliders.innerHTML = "";
    for (const leaf of leaves) {
      const row = document.createElement("div");
      row.className = "slider";
      row.innerHTML = `<span class="name" title="${escapeHtml(leaf.name)}">${escapeHtml(leaf.name)}</span><input type="range" aria-label="${escapeHtml(leaf.name)}"><span class="val"></span>`;
      row.dataset.name = leaf.name;
      row.querySelector("input").addEventListener("input", e => moveSlider(leaf.name, Number(e.target.value)));
      ex.sliders.appendChild(row);
    }
  }
  for (const leaf of leaves) {
    const row = ex.sliders.querySelector(`.slider[data-name="${CSS.escape(leaf.name)}"]`);
    const input = row.querySelector("input");
    const value = toNumber(leaf.data);
    if (!(leaf.name in ex.sliderBase)) {
      ex.sliderBase[leaf.name] = value;
      const span = Math.max(2, 2 * Math.abs(value));
      input.min = value - span;
      input.max = value + span;
      input.step = span / 200;
    }
    input.value = value;
    row.querySelector(".val").textContent = fmt4(value);
  }
}

function moveSlider(name, value) {
  const text = ex.editor.value;
  const lit = leafLiteral(text, name);
  if (!lit) return;
  ex.editor.value = text.slice(0, lit.start) + formatLiteral(value) + text.slice(lit.end);
  renderEditorChrome();
  evaluate();
}

// ---------- the graph drawing ----------

// Each value is a card: its label on top (when it has one), then its data and its grad.
const ROW = 20, ROW_GAP = 18, COL_GAP = 46, PAD = 18, MIN_W = 124, CHAR = 7.9;

// A label, or for an unnamed operation the short name the rules call it by (such as `(a*b)`).
function displayName(node) {
  return node.label || (node.kind === "op" ? node.name : "");
}

function cardHeight(n) {
  return (displayName(n) ? 3 : 2) * ROW + 4;
}

function opWidth(n) {
  const sym = n.op === "*" ? "×" : n.op;
  return Math.max(30, sym.length * 8.5 + 16);
}

function layout(result) {
  const nodes = result.nodes;
  const byId = new Map(nodes.map(n => [n.id, n]));
  const rank = new Map();
  for (const n of nodes) {   // nodes come in creation order, a topological order
    const r = n.children.length ? 1 + Math.max(...n.children.map(c => rank.get(c) ?? 0)) : 0;
    rank.set(n.id, r);
  }
  const parents = new Map(nodes.map(n => [n.id, []]));
  for (const n of nodes) for (const c of n.children) if (parents.has(c)) parents.get(c).push(n.id);
  // Inputs and constants sit just left of their first use, as Graphviz draws the notebook's graphs.
  for (const n of nodes) {
    const ps = parents.get(n.id);
    if (n.children.length === 0 && ps.length) rank.set(n.id, Math.min(...ps.map(p => rank.get(p))) - 1);
  }
  const maxRank = Math.max(0, ...rank.values());
  const cols = Array.from({ length: maxRank + 1 }, () => []);
  for (const n of nodes) cols[rank.get(n.id)].push(n);

  // Order each column by the mean position of the neighbours: a few sweeps each way.
  const order = new Map();
  cols.forEach(col => col.forEach((n, i) => order.set(n.id, i - (col.length - 1) / 2)));
  const mean = (ids, fallback) => ids.length ? ids.reduce((s, id) => s + order.get(id), 0) / ids.length : fallback;
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let r = 1; r <= maxRank; r++) {
      cols[r].sort((a, b) => mean(a.children, order.get(a.id)) - mean(b.children, order.get(b.id)));
      cols[r].forEach((n, i) => order.set(n.id, i - (cols[r].length - 1) / 2));
    }
    for (let r = maxRank - 1; r >= 0; r--) {
      cols[r].sort((a, b) => mean(parents.get(a.id), order.get(a.id)) - mean(parents.get(b.id), order.get(b.id)));
      cols[r].forEach((n, i) => order.set(n.id, i - (cols[r].length - 1) / 2));
    }
  }

  const widthOf = n => Math.max(MIN_W, Array.from(displayName(n)).length * 8.5 + 20,
    ("data " + fmt4(n.data)).length * CHAR + 16, ("grad " + fmt4(n.grad)).length * CHAR + 16);
  const colW = cols.map(col => Math.max(0, ...col.map(widthOf)));
  // The gap before a column holds its op nodes.
  const opGap = cols.map(col => Math.max(0, ...col.filter(n => n.kind === "op").map(opWidth)));
  const colX = [];
  let x = PAD;
  for (let r = 0; r <= maxRank; r++) {
    if (r > 0) x += COL_GAP + opGap[r];
    colX.push(x);
    x += colW[r];
  }
  const colHeight = col => col.reduce((h, n) => h + cardHeight(n), 0) + (col.length - 1) * ROW_GAP;
  const height = PAD * 2 + Math.max(...cols.map(colHeight));
  const pos = new Map();
  cols.forEach((col, r) => {
    let y = (height - colHeight(col)) / 2;
    col.forEach(n => {
      const w = widthOf(n);
      pos.set(n.id, { x: colX[r] + (colW[r] - w) / 2, y, w, h: cardHeight(n), rank: r, gapLeft: colX[r] - (COL_GAP + opGap[r]) + COL_GAP / 2 });
      y += cardHeight(n) + ROW_GAP;
    });
  });
  return { pos, width: x + PAD, height, byId };
}

function shownGrads() {
  const r = ex.result;
  if (ex.pos === null) return new Map(r.nodes.map(n => [n.id, toNumber(n.grad)]));
  const g = new Map(r.nodes.map(n => [n.id, 0]));
  if (ex.pos >= 1) g.set(r.output, 1);
  for (let i = 0; i < ex.pos - 1; i++) for (const [id, v] of r.steps[i].grads_after) g.set(id, toNumber(v));
  return g;
}

function drawGraph() {
  const r = ex.result;
  if (!r) return;
  const svg = ex.svg;
  svg.innerHTML = "";
  const L = layout(r);
  const wrap = document.getElementById("graph-scroll");
  const avail = Math.max(300, wrap.clientWidth - 4);
  // Shrink a wide graph to fit, down to a size still readable; beyond that, scroll.
  const scale = Math.min(1, Math.max(0.75, avail / L.width));
  svg.setAttribute("width", Math.round(L.width * scale));
  svg.setAttribute("height", Math.round(L.height * scale));
  svg.setAttribute("viewBox", `0 0 ${L.width} ${L.height}`);

  const grads = shownGrads();
  const step = ex.pos !== null && ex.pos >= 2 ? r.steps[ex.pos - 2] : null;
  const activeId = step ? step.node : (ex.pos === 1 ? r.output : null);
  const targets = new Set(step ? step.lines.map(l => l.child) : []);
  const done = new Set();
  if (ex.pos !== null) for (let i = 0; i < ex.pos - 2; i++) done.add(r.steps[i].node);

  const edges = svgEl("g", {}, svg);
  const opsG = svgEl("g", {}, svg);
  const recs = svgEl("g", {}, svg);
  const mid = p => p.y + p.h / 2;
  for (const n of r.nodes) {
    const p = L.pos.get(n.id);
    if (n.kind === "op") {
      const w = opWidth(n), h = 30;
      const cx = p.x - COL_GAP / 2 - w / 2, cy = mid(p);
      const isActive = n.id === activeId && step;
      const g = svgEl("g", { class: "opn" + (isActive ? " active" : ""), "data-id": n.id }, opsG);
      svgEl("rect", { x: cx - w / 2, y: cy - h / 2, width: w, height: h, rx: h / 2 }, g);
      const t = svgEl("text", { x: cx, y: cy }, g);
      t.textContent = n.op === "*" ? "×" : n.op;
      svgEl("path", { class: "edge" + (isActive ? " active" : ""), d: `M${cx + w / 2},${cy} L${p.x},${cy}` }, edges);
      for (const c of new Set(n.children)) {
        const q = L.pos.get(c);
        if (!q) continue;
        const x1 = q.x + q.w, y1 = mid(q), x2 = cx - w / 2, y2 = cy;
        const dx = Math.max(24, (x2 - x1) / 2);
        svgEl("path", { class: "edge" + (isActive ? " active" : ""), d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` }, edges);
      }
    }
    const cls = ["rec", n.kind];
    if (n.id === r.output) cls.push("output");
    if (n.id === activeId) cls.push("active");
    if (targets.has(n.id)) cls.push("target");
    if (done.has(n.id)) cls.push("done");
    const g = svgEl("g", { class: cls.join(" "), "data-id": n.id, "data-name": n.label || "", transform: `translate(${p.x},${p.y})` }, recs);
    svgEl("rect", { class: "box", width: p.w, height: p.h, rx: 7 }, g);
    const name = displayName(n);
    let y = 2;
    if (name) {
      svgEl("path", { class: "head", d: `M0,${ROW + 2} V7 Q0,0 7,0 H${p.w - 7} Q${p.w},0 ${p.w},7 V${ROW + 2} Z` }, g);
      const t = svgEl("text", { class: n.label ? "label" : "label auto", x: p.w / 2, y: y + ROW / 2 + 1, "text-anchor": "middle" }, g);
      t.textContent = name;
      y += ROW;
      svgEl("line", { class: "sep", x1: 0, y1: y, x2: p.w, y2: y }, g);
    }
    const td = svgEl("text", { class: "data", x: 9, y: y + ROW / 2 + 1 }, g);
    td.textContent = "data " + fmt4(n.data);
    const tg = svgEl("text", { class: "grad", x: 9, y: y + ROW + ROW / 2 }, g);
    tg.textContent = "grad " + fmt4(grads.get(n.id));
    if (targets.has(n.id)) {
      // What this step adds to the child, beside it.
      const added = step.lines.filter(l => l.child === n.id).reduce((a, l) => a + toNumber(l.amount), 0);
      const text = fmtAmount(added);
      const bw = text.length * 7.4 + 12;
      const badge = svgEl("g", { class: "badge", transform: `translate(${p.w - bw + 6},-11)` }, g);
      svgEl("rect", { width: bw, height: 18, rx: 9 }, badge);
      const bt = svgEl("text", { x: bw / 2, y: 9.5, "text-anchor": "middle" }, badge);
      bt.textContent = text;
    }
    const title = svgEl("title", {}, g);
    title.textContent = `${name || n.kind} = ${n.data}, grad ${grads.get(n.id)}`;
  }
}

window.addEventListener("resize", () => drawGraph());

// ---------- walking backpropagation ----------

function nameOf(id) {
  const n = ex.result.nodes.find(n => n.id === id);
  return n ? n.name : "#" + id;
}

function describeStep() {
  const r = ex.result;
  const body = ex.ruleBody;
  const out = nameOf(r.output);
  const total = r.steps.length;
  document.getElementById("bp-back").disabled = ex.pos === null || ex.pos === 0;
  document.getElementById("bp-step").disabled = ex.pos !== null && ex.pos >= total + 1;
  if (ex.pos === null) {
    body.innerHTML = `Showing the gradients after <code>${escapeHtml(out)}.backward()</code>: each grad is d${escapeHtml(out)}/d(node). ` +
      `Press <b>Step ▶</b> to walk backpropagation one node at a time, from the output back to the inputs, in reverse topological order (${total} step${total === 1 ? "" : "s"}).`;
  } else if (ex.pos === 0) {
    body.innerHTML = `All gradients are 0. The first step seeds the output: <code>${escapeHtml(out)}.grad = 1</code>.`;
  } else if (ex.pos === 1) {
    body.innerHTML = `<div class="where">step 0 of ${total} — the seed</div><div class="rule"><span class="sym">${escapeHtml(out)}.grad = 1</span>` +
      ` <span class="num">(d${escapeHtml(out)}/d${escapeHtml(out)} = 1)</span></div>`;
  } else {
    const s = r.steps[ex.pos - 2];
    const node = r.nodes.find(n => n.id === s.node);
    const lines = s.lines.map(l => `<div class="rule"><span class="sym">${escapeHtml(l.symbolic)}</span> <span class="num">= ${escapeHtml(l.numeric)}</span> = <span class="amt">${escapeHtml(fmtAmount(l.amount))}</span></div>`).join("");
    const last = ex.pos - 1 === total ? `<div class="done-note">Done: every gradient now equals what <code>${escapeHtml(out)}.backward()</code> gives.</div>` : "";
    body.innerHTML = `<div class="where">step ${ex.pos - 1} of ${total} — the local chain rule of <b>${escapeHtml(s.name)}</b> (<code>${escapeHtml(node.op)}</code>), with ${escapeHtml(s.name)}.grad = ${fmt4(s.grad)}</div>` + lines + last;
  }
}

function fmtAmount(x) {
  x = toNumber(x);
  const s = fmt4(x);
  return x >= 0 ? "+" + s : s;
}

function setPos(p) {
  ex.pos = p;
  drawGraph();
  describeStep();
}

document.getElementById("bp-step").addEventListener("click", () => {
  if (!ex.result) return;
  if (ex.pos === null) setPos(1);
  else if (ex.pos < ex.result.steps.length + 1) setPos(ex.pos + 1);
});
document.getElementById("bp-back").addEventListener("click", () => { if (ex.result && ex.pos) setPos(ex.pos - 1); });
document.getElementById("bp-reset").addEventListener("click", () => { if (ex.result) setPos(0); });
document.getElementById("bp-all").addEventListener("click", () => { if (ex.result) setPos(null); });

async function exportGraph(format) {
  const tab = window.open("", "_blank");
  try {
    const res = await fetch("/api/graph/export", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ program: ex.editor.value, format }),
    });
    const blob = await res.blob();
    const type = res.ok ? (format === "svg" ? "image/svg+xml" : "text/plain") : "text/plain";
    const url = URL.createObjectURL(new Blob([blob], { type: type + ";charset=utf-8" }));
    if (tab) tab.location = url; else window.location = url;
  } catch (e) {
    if (tab) tab.close();
  }
}
// Arrow keys walk the steps when the editor does not have the focus.
document.addEventListener("keydown", e => {
  if (e.target === ex.editor || !document.getElementById("view-explorer").classList.contains("active")) return;
  if (e.key === "ArrowRight") document.getElementById("bp-step").click();
  if (e.key === "ArrowLeft") document.getElementById("bp-back").click();
});
document.getElementById("export-svg").addEventListener("click", () => exportGraph("svg"));
document.getElementById("export-dot").addEventListener("click", () => exportGraph("dot"));

// A program can come in the address: `/#program=a%20%3D%202...` (links in docs, shared programs).
const linked = location.hash.startsWith("#program=") ? decodeURIComponent(location.hash.slice(9)) : null;
ex.editor.value = linked || STARTER;
renderEditorChrome();
evaluate();
