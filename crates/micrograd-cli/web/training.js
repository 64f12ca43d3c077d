// The training view: choose a data set and a network, then play, pause, step or reset. The server
// trains with the library and streams snapshots; this page draws the decision boundary with the
// points, the loss and accuracy curves, and the network's weights.
"use strict";

const tr = {
  form: document.getElementById("train-form"),
  error: document.getElementById("train-error"),
  canvas: document.getElementById("boundary"),
  play: document.getElementById("t-play"),
  id: null,
  points: [],
  bounds: null,
  events: null,
  snapshot: null,
  creating: null,
  started: false,
};

function trainConfig() {
  // By id: a form's `dataset` property is its data-* attributes, not the field of that name.
  const v = id => document.getElementById(id).value;
  const hidden = v("t-hidden").split(/[\s,]+/).filter(s => s !== "").map(Number);
  return {
    dataset: v("t-dataset"),
    samples: Number(v("t-samples")),
    noise: Number(v("t-noise")),
    hidden,
    activation: v("t-activation"),
    loss: v("t-loss"),
    init: v("t-init"),
    optimizer: v("t-optimizer"),
    learning_rate: Number(v("t-lr")),
  };
}

function showTrainError(message) {
  tr.error.hidden = !message;
  tr.error.textContent = message || "";
}

async function newSession() {
  const old = tr.id;
  tr.id = null;
  if (tr.events) { tr.events.close(); tr.events = null; }
  if (old) api("DELETE", `/api/train/${old}`);
  const res = await api("POST", "/api/train", trainConfig());
  if (!res.ok) {
    showTrainError(res.body && res.body.error ? res.body.error : `the server answered ${res.status}`);
    return;
  }
  showTrainError(null);
  tr.id = res.body.id;
  tr.points = res.body.points;
  tr.dataset = res.body.dataset;
  tr.bounds = res.body.bounds;
  render(res.body.snapshot);
  const speed = Number(document.getElementById("t-speed").value);
  await api("POST", `/api/train/${tr.id}/control`, { action: "speed", speed });
  tr.events = new EventSource(`/api/train/${tr.id}/events`);
  tr.events.onmessage = e => render(JSON.parse(e.data));
  const events = tr.events;
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED && tr.events === events) {
      showTrainError("the connection to the server was lost: change a setting or press Reset to start again");
      tr.id = null;
    }
  };
}

function ensureSession() {
  if (!tr.creating) tr.creating = newSession().finally(() => { tr.creating = null; });
  return tr.creating;
}

async function control(action, extra) {
  if (tr.creating) await tr.creating;
  if (!tr.id) await ensureSession();
  if (!tr.id) return;
  const res = await api("POST", `/api/train/${tr.id}/control`, Object.assign({ action }, extra || {}));
  if (res.status === 404) { await ensureSession(); if (tr.id) api("POST", `/api/train/${tr.id}/control`, Object.assign({ action }, extra || {})); }
  else if (!res.ok) showTrainError(res.body && res.body.error);
}

// ---------- drawing ----------

function render(s) {
  tr.snapshot = s;
  document.getElementById("s-step").textContent = s.step;
  document.getElementById("s-loss").textContent = s.loss === null ? "–" : toNumber(s.loss).toFixed(4);
  document.getElementById("s-acc").textContent = s.accuracy === null ? "–" : (100 * s.accuracy).toFixed(1) + " %";
  tr.play.textContent = s.playing ? "❚❚ Pause" : "▶ Play";
  tr.play.dataset.playing = s.playing ? "1" : "";
  if (s.message) showTrainError(s.message);
  drawBoundary(s);
  drawCurve(document.getElementById("chart-loss"), s.curves.loss.map(toNumber), s.curves.every, "loss", null);
  drawCurve(document.getElementById("chart-acc"), s.curves.accuracy, s.curves.every, "acc", [0, 1]);
  drawNetwork(s.network);
}

// Class +1 in blue, class -1 in orange; the boundary's shade is the score's confidence.
const POS = [47, 127, 216], NEG = [232, 116, 59];

function drawBoundary(s) {
  const canvas = tr.canvas;
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  if (s.grid && tr.bounds) {
    const n = s.grid.size;
    const img = ctx.createImageData(n, n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const score = s.grid.scores[j * n + i];
        const t = Math.tanh(Math.abs(score) * 1.5);
        const c = score > 0 ? POS : NEG;
        const k = ((n - 1 - j) * n + i) * 4;   // rows come from the bottom
        const a = 0.18 + 0.42 * t;
        img.data[k] = Math.round(255 + (c[0] - 255) * a);
        img.data[k + 1] = Math.round(255 + (c[1] - 255) * a);
        img.data[k + 2] = Math.round(255 + (c[2] - 255) * a);
        img.data[k + 3] = 255;
      }
    }
    const off = document.createElement("canvas");
    off.width = n; off.height = n;
    off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(off, 0, 0, W, H);
    drawContour(ctx, s.grid.scores, n, W, H);
  }
  if (!tr.bounds) return;
  const [x0, x1] = tr.bounds.x, [y0, y1] = tr.bounds.y;
  const r = Math.max(3, Math.min(6, 900 / Math.sqrt(tr.points.length) / 12));
  for (const [x, y, label] of tr.points) {
    const px = (x - x0) / (x1 - x0) * W, py = H - (y - y0) / (y1 - y0) * H;
    ctx.beginPath();
    ctx.arc(px, py, r, 0, 2 * Math.PI);
    ctx.fillStyle = label > 0 ? "rgb(31,98,184)" : "rgb(214,90,30)";
    ctx.fill();
    ctx.lineWidth = 1.3;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
  }
}

// The zero level of the scores (the decision boundary) by marching squares over the cell centres,
// each crossing placed by linear interpolation.
function drawContour(ctx, scores, n, W, H) {
  const px = i => (i + 0.5) / n * W, py = j => H - (j + 0.5) / n * H;
  const at = (i, j) => scores[j * n + i];
  ctx.beginPath();
  for (let j = 0; j + 1 < n; j++) {
    for (let i = 0; i + 1 < n; i++) {
      const c = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
      const v = c.map(([a, b]) => at(a, b));
      const cross = [];
      for (let k = 0; k < 4; k++) {
        const v0 = v[k], v1 = v[(k + 1) % 4];
        if ((v0 > 0) !== (v1 > 0)) {
          const t = v0 / (v0 - v1);
          const [a0, b0] = c[k], [a1, b1] = c[(k + 1) % 4];
          cross.push([px(a0 + (a1 - a0) * t), py(b0 + (b1 - b0) * t)]);
        }
      }
      for (let k = 0; k + 1 < cross.length; k += 2) {
        ctx.moveTo(cross[k][0], cross[k][1]);
        ctx.lineTo(cross[k + 1][0], cross[k + 1][1]);
      }
    }
  }
  ctx.strokeStyle = "rgba(28,35,51,0.7)";
  ctx.lineWidth = 2;
  ctx.lineCap = "round";
  ctx.stroke();
}

function drawCurve(svg, values, every, cls, range) {
  svg.innerHTML = "";
  const W = 320, H = 120, P = 6;
  for (let k = 1; k < 4; k++) svgEl("line", { class: "grid", x1: 0, x2: W, y1: H * k / 4, y2: H * k / 4 }, svg);
  const label = (cls2, text) => {
    let el = svg.parentElement.querySelector(`.axis.${cls2}`);
    if (!el) { el = document.createElement("div"); el.className = "axis " + cls2; svg.parentElement.appendChild(el); }
    el.textContent = text;
    el.style.cssText = cls2 === "top" ? "left:4px;top:2px" : cls2 === "bottom" ? "left:4px;bottom:2px" : "right:4px;bottom:2px";
  };
  const log = !range && values.length > 0 && values.every(v => v > 0);
  const tf = log ? Math.log10 : (x => x);
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) { label("top", ""); label("bottom", "no steps yet: press ▶ Play or Step"); label("right", ""); return; }
  let lo = range ? range[0] : Math.min(...finite.map(tf)), hi = range ? range[1] : Math.max(...finite.map(tf));
  if (!log && !range) lo = Math.min(0, lo);
  if (hi - lo < 1e-9) hi = lo + 1;
  const show = x => range ? (100 * x).toFixed(0) + " %" : (log ? Math.pow(10, x) : x).toPrecision(3);
  label("top", show(hi));
  label("bottom", show(lo));
  label("right", `step ${values.length * every}`);
  values = values.map(tf);
  const n = Math.max(values.length - 1, 1);
  const pts = values.map((v, i) => `${(i / n * (W - 2 * P) + P).toFixed(1)},${(H - P - (Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo) * (H - 2 * P)).toFixed(1)}`);
  if (values.length === 1) pts.push(`${W - P},${pts[0].split(",")[1]}`);
  svgEl("polyline", { class: cls, points: pts.join(" ") }, svg);
  svg.dataset.points = values.length;
}

function drawNetwork(net) {
  const svg = document.getElementById("network");
  svg.innerHTML = "";
  const W = svg.clientWidth || 600, H = svg.clientHeight || 250;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const sizes = net.sizes;
  const colX = i => 40 + i * (W - 80) / (sizes.length - 1);
  const rowY = (n, j) => {
    const gap = Math.min(24, (H - 40) / Math.max(n, 1));
    return H / 2 + (j - (n - 1) / 2) * gap;
  };
  let maxW = 1e-9;
  for (const l of net.layers) for (const row of l.weights) for (const w of row) maxW = Math.max(maxW, Math.abs(w));
  const lines = svgEl("g", {}, svg);
  net.layers.forEach((layer, li) => {
    layer.weights.forEach((row, j) => {
      row.forEach((w, i) => {
        const t = Math.abs(w) / maxW;
        svgEl("line", {
          x1: colX(li), y1: rowY(sizes[li], i), x2: colX(li + 1), y2: rowY(sizes[li + 1], j),
          stroke: w >= 0 ? "var(--pos)" : "var(--neg)", "stroke-width": (0.3 + 3.2 * t).toFixed(2),
          "stroke-opacity": (0.15 + 0.75 * t).toFixed(2),
        }, lines);
      });
    });
  });
  sizes.forEach((n, li) => {
    for (let j = 0; j < n; j++) {
      const b = li === 0 ? 0 : net.layers[li - 1].biases[j];
      const t = Math.tanh(Math.abs(b));
      const fill = li === 0 ? "#fff" : (b >= 0 ? `rgba(47,127,216,${0.1 + 0.8 * t})` : `rgba(232,116,59,${0.1 + 0.8 * t})`);
      const gap = Math.min(24, (H - 40) / Math.max(n, 1));
      svgEl("circle", { cx: colX(li), cy: rowY(n, j), r: Math.max(2.5, Math.min(7, gap / 2 - 1.5)), fill }, svg);
    }
    const label = li === 0 ? "input (x, y)" : li === sizes.length - 1 ? "output" : `hidden ${li} (${n})`;
    const t = svgEl("text", { x: colX(li), y: H - 6 }, svg);
    t.textContent = label;
  });
}

// ---------- controls ----------

tr.play.addEventListener("click", () => control(tr.play.dataset.playing ? "pause" : "play"));
document.getElementById("t-step").addEventListener("click", () => control("step"));
document.getElementById("t-reset").addEventListener("click", () => control("reset"));
document.getElementById("t-speed").addEventListener("change", e => control("speed", { speed: Number(e.target.value) }));

let configTimer = null;
tr.form.addEventListener("input", e => {
  document.getElementById("o-samples").textContent = tr.form.samples.value;
  document.getElementById("o-noise").textContent = Number(tr.form.noise.value).toFixed(2);
  if (e.target.name === "optimizer") tr.form.learning_rate.value = e.target.value === "sgd" ? "1.0" : "0.05";
  clearTimeout(configTimer);
  configTimer = setTimeout(ensureSession, 200);
});

window.addEventListener("viewchange", e => { if (e.detail === "training" && !tr.id && !tr.creating) ensureSession(); });
window.addEventListener("pagehide", () => { if (tr.id) fetch(`/api/train/${tr.id}`, { method: "DELETE", keepalive: true }); });
