// The lesson's graphs: the explorer's layout drawn again with room for the learner's answers (an
// input on each value's grad), and the quiz that checks each answer with the server. The page
// never computes a gradient: it sends what the learner typed to /api/lesson/check and shows the
// engine's verdict, with the local chain rule as the hint.
"use strict";

// Builds an element from HTML text (the lesson's own templates; learner text is escaped).
function html(text) {
  const t = document.createElement("template");
  t.innerHTML = text.trim();
  return t.content.firstElementChild;
}

// The server's answer, or an error box in `host` with its message.
async function lessonApi(path, body, host) {
  const res = await api("POST", path, body);
  if (!res.ok && host) {
    const box = html(`<div class="error-box"></div>`);
    box.textContent = (res.body && res.body.error) || `the server answered ${res.status}`;
    host.appendChild(box);
  }
  return res;
}

// Draws an explorer answer into `host`. opts.grads: "show" (the engine's), "hide" ("?"), "input"
// (a box to type in), or a Map id → grad (a walk in progress); opts.active / opts.targets: ids to
// highlight; opts.onNode: called with a node when its card is clicked.
function drawLessonGraph(host, result, opts) {
  opts = opts || {};
  host.innerHTML = "";
  const L = layout(result);
  const canvas = html(`<div class="lg-canvas" style="width:${L.width}px;height:${L.height}px"></div>`);
  const svg = svgEl("svg", { class: "mg-graph", width: L.width, height: L.height, viewBox: `0 0 ${L.width} ${L.height}` }, canvas);
  host.appendChild(canvas);
  const mode = opts.grads || "show";
  const active = opts.active || new Set();
  const targets = opts.targets || new Set();
  const edges = svgEl("g", {}, svg), opsG = svgEl("g", {}, svg), recs = svgEl("g", {}, svg);
  const mid = p => p.y + p.h / 2;
  const inputs = new Map();
  for (const n of result.nodes) {
    const p = L.pos.get(n.id);
    if (n.kind === "op") {
      const w = opWidth(n), h = 30, cx = p.x - COL_GAP / 2 - w / 2, cy = mid(p);
      const on = active.has(n.id);
      const g = svgEl("g", { class: "opn" + (on ? " active" : "") }, opsG);
      svgEl("rect", { x: cx - w / 2, y: cy - h / 2, width: w, height: h, rx: h / 2 }, g);
      svgEl("text", { x: cx, y: cy }, g).textContent = n.op === "*" ? "×" : n.op;
      svgEl("path", { class: "edge" + (on ? " active" : ""), d: `M${cx + w / 2},${cy} L${p.x},${cy}` }, edges);
      for (const c of new Set(n.children)) {
        const q = L.pos.get(c);
        if (!q) continue;
        const x1 = q.x + q.w, y1 = mid(q), x2 = cx - w / 2, y2 = cy, dx = Math.max(24, (x2 - x1) / 2);
        svgEl("path", { class: "edge" + (on ? " active" : ""), d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}` }, edges);
      }
    }
    const cls = ["rec", n.kind];
    if (n.id === result.output) cls.push("output");
    if (active.has(n.id)) cls.push("active");
    if (targets.has(n.id)) cls.push("target");
    if (opts.onNode && n.kind === "op") cls.push("pickable");
    const g = svgEl("g", { class: cls.join(" "), "data-id": n.id, "data-name": n.label || "", transform: `translate(${p.x},${p.y})` }, recs);
    svgEl("rect", { class: "box", width: p.w, height: p.h, rx: 7 }, g);
    const name = displayName(n);
    let y = 2;
    if (name) {
      svgEl("path", { class: "head", d: `M0,${ROW + 2} V7 Q0,0 7,0 H${p.w - 7} Q${p.w},0 ${p.w},7 V${ROW + 2} Z` }, g);
      svgEl("text", { class: n.label ? "label" : "label auto", x: p.w / 2, y: y + ROW / 2 + 1, "text-anchor": "middle" }, g).textContent = name;
      y += ROW;
      svgEl("line", { class: "sep", x1: 0, y1: y, x2: p.w, y2: y }, g);
    }
    svgEl("text", { class: "data", x: 9, y: y + ROW / 2 + 1 }, g).textContent = "data " + fmt4(n.data);
    const grad = svgEl("text", { class: "grad", x: 9, y: y + ROW + ROW / 2 }, g);
    if (mode === "show") grad.textContent = "grad " + fmt4(n.grad);
    else if (mode instanceof Map) grad.textContent = "grad " + fmt4(mode.get(n.id) ?? 0);
    else grad.textContent = mode === "hide" ? "grad ?" : "grad";
    if (mode === "input" && n.kind !== "const") {
      const box = html(`<input class="grad-in" inputmode="decimal" autocomplete="off" spellcheck="false">`);
      box.dataset.name = n.label || "";
      box.setAttribute("aria-label", `the gradient of ${name}`);
      Object.assign(box.style, { left: `${p.x + 44}px`, top: `${p.y + y + ROW + 1}px`, width: `${p.w - 52}px` });
      canvas.appendChild(box);
      inputs.set(n.label, box);
    }
    if (opts.onNode && n.kind === "op") g.addEventListener("click", () => opts.onNode(n));
  }
  return inputs;
}

// The rule lines of a check's hint, as the explorer writes them.
function hintHtml(hint) {
  return hint.map(h => `<div class="rule"><span class="sym">${escapeHtml(h.symbolic)}</span>` +
    (h.numeric !== "1" || !h.symbolic.includes("seed") ? ` <span class="num">= ${escapeHtml(h.numeric)}</span>` : "") + `</div>`).join("");
}

// The gradient quiz of sections 2 and 4: the graph `name` with a box on every grad. Each answer
// is checked by the server when it changes (Enter or leaving the box); a wrong one shows the local
// chain rule that sets that gradient; "Show me" fills in the box last used. `onDone` runs once
// every gradient is right.
async function gradQuiz(host, name, order, onDone) {
  const graphBox = html(`<div class="graph-scroll lesson-graph"></div>`);
  const tools = html(`<div class="quiz-tools">
      <button class="primary" data-act="check">Check my answers</button>
      <button data-act="show" title="fill in the gradient of the box you used last">Show me</button>
      <span class="quiz-score" aria-live="polite"></span></div>`);
  const feedback = html(`<div class="quiz-feedback" id="quiz-feedback" aria-live="polite"></div>`);
  host.append(graphBox, tools, feedback);
  const res = await lessonApi("/api/lesson/graph", { name, hide_grads: true }, host);
  if (!res.ok) return;
  const inputs = drawLessonGraph(graphBox, res.body, { grads: "input" });
  // On a narrow screen start at the output, where the learner starts.
  graphBox.scrollLeft = graphBox.scrollWidth;
  const right = new Set();
  let last = order[0];
  const score = tools.querySelector(".quiz-score");
  const total = [...inputs.keys()].length;
  const update = () => {
    score.textContent = `${right.size} of ${total} right`;
    if (right.size === total && onDone) { onDone(); onDone = null; }
  };
  const say = (node, cls, htmlText) => {
    let line = feedback.querySelector(`.fb[data-name="${CSS.escape(node)}"]`);
    if (!line) { line = html(`<div class="fb"></div>`); line.dataset.name = node; feedback.prepend(line); }
    line.className = "fb " + cls;
    line.innerHTML = htmlText;
  };
  async function check(node, reveal) {
    const box = inputs.get(node);
    const text = box.value.trim();
    if (!reveal && text === "") return;
    const answer = Number(text);
    if (!reveal && !Number.isFinite(answer)) {
      say(node, "wrong", `<b>${escapeHtml(node)}</b>: “${escapeHtml(text)}” is not a number.`);
      return;
    }
    const r = await lessonApi("/api/lesson/check", reveal ? { name, node } : { name, node, answer }, feedback);
    if (!r.ok) return;
    const c = r.body;
    box.classList.remove("right", "wrong", "shown");
    if (c.correct === false) {
      box.classList.add("wrong");
      right.delete(node);
      say(node, "wrong", `<b>${escapeHtml(node)}.grad</b> is not ${escapeHtml(text)}. Its gradient is set by this local chain rule:` + hintHtml(c.hint));
    } else {
      box.value = fmt4(c.grad).replace(/\.?0+$/, "") || "0";
      box.classList.add(reveal ? "shown" : "right");
      right.add(node);
      say(node, reveal ? "shown" : "right", `<b>${escapeHtml(node)}.grad = ${fmt4(c.grad)}</b> ${reveal ? "(shown)" : "✓ right"}: ` +
        hintHtml(c.hint));
    }
    update();
  }
  for (const [node, box] of inputs) {
    box.addEventListener("focus", () => { last = node; });
    box.addEventListener("change", () => check(node, false));
    box.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); box.blur(); } });
  }
  tools.querySelector('[data-act="check"]').addEventListener("click", () => { for (const n of inputs.keys()) check(n, false); });
  tools.querySelector('[data-act="show"]').addEventListener("click", () => {
    // The box used last, or else the first one not yet right, from the output back.
    const node = inputs.has(last) && !right.has(last) ? last : order.find(n => !right.has(n));
    if (node) check(node, true);
  });
  update();
}
