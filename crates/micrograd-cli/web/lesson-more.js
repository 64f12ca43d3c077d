// The lesson's sections 5 to 9: tanh rebuilt from exp, the reuse bug, topological order, an MLP
// on four samples, and on to the moons in the training view.
"use strict";

// ---------- 5. tanh rebuilt from exp ----------

LESSON_SECTIONS.push({
  title: "tanh rebuilt from exp",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>An operation can be as big or as small as we like, as long as we know its local derivative. tanh is one
      node with the rule <code>1 − o²</code>; it can also be built from smaller pieces,
      <code>o = (e − 1) / (e + 1)</code> with <code>e = exp(2n)</code>, each with its own rule.</p>
      <p><b>Predict:</b> will the weights and inputs get the same grads in both graphs?</p></div>`));
    const box = html(`<div>
      <div class="choice" id="exp-guess"><button data-v="same">The same</button><button data-v="different">Different</button></div>
      <div class="side-by-side">
        <div><h3>tanh as one node</h3><div class="graph-scroll lesson-graph" id="exp-a"></div></div>
        <div><h3>tanh from exp, −, +, /</h3><div class="graph-scroll lesson-graph" id="exp-b"></div></div>
      </div><div id="exp-result"></div></div>`);
    body.append(box);
    let graphs = null;
    const draw = grads => {
      drawLessonGraph(box.querySelector("#exp-a"), graphs[0], { grads });
      drawLessonGraph(box.querySelector("#exp-b"), graphs[1], { grads });
    };
    Promise.all(["neuron", "tanh_exp"].map(name => lessonApi("/api/lesson/graph", { name }, box))).then(rs => {
      if (!rs.every(r => r.ok)) return;
      graphs = rs.map(r => r.body);
      draw("hide");
    });
    box.querySelectorAll("#exp-guess button").forEach(b => b.addEventListener("click", () => {
      if (!graphs) return;
      box.querySelectorAll("#exp-guess button").forEach(o => { o.classList.toggle("picked", o === b); o.disabled = true; });
      draw("show");
      const leaf = (g, name) => g.nodes.find(n => n.label === name);
      const rows = ["x1", "w1", "x2", "w2", "b"].map(name => {
        const a = toNumber(leaf(graphs[0], name).grad), e = toNumber(leaf(graphs[1], name).grad);
        return `<tr><td>${name}</td><td>${a}</td><td>${e}</td><td>${Math.abs(a - e).toExponential(1)}</td></tr>`;
      }).join("");
      box.querySelector("#exp-result").innerHTML = `<p class="verdict">${b.dataset.v === "same" ? "Right" : "Not so"}: the same
        grads, to the last few bits of rounding. The chain rule does not care how an expression is cut into pieces.</p>
        <table class="readout wide" id="exp-table"><tr><th>leaf</th><th>grad, tanh</th><th>grad, from exp</th><th>difference</th></tr>${rows}</table>`;
      done();
    }));
  },
});

// ---------- 6. the reuse bug ----------

LESSON_SECTIONS.push({
  title: "The reuse bug: b = a + a",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>micrograd's first <code>_backward</code> for <code>+</code> wrote <code>self.grad = out.grad</code>. That
      looks right until a value is used twice: in <code>b = a + a</code> both shares go to the same <code>a</code>,
      and the second assignment overwrites the first.</p>
      <p><b>Predict:</b> b = 2a. What should <code>a.grad</code> be? <input id="reuse-guess" inputmode="decimal" size="6">
      <button id="reuse-check">Check</button> <span id="reuse-verdict"></span></p></div>`));
    const box = html(`<div>
      <div class="switch" role="radiogroup" aria-label="how _backward writes a gradient">
        <label><input type="radio" name="reuse-mode" value="set"> set: <code>self.grad = …</code></label>
        <label><input type="radio" name="reuse-mode" value="accumulate"> accumulate: <code>self.grad += …</code></label>
      </div>
      <div class="graph-scroll lesson-graph" id="reuse-graph"></div>
      <div class="rule-box" id="reuse-rules">Guess first, then pick one of the two rules above to run <code>b.backward()</code> with it.</div></div>`);
    body.append(box);
    const seen = new Set();
    async function show(mode) {
      const r = await lessonApi("/api/lesson/graph", { name: "reuse", mode }, box);
      if (!r.ok) return;
      drawLessonGraph(box.querySelector("#reuse-graph"), r.body, { grads: "show" });
      const a = r.body.nodes.find(n => n.label === "a");
      const lines = r.body.steps[0].lines.map(l => `<div class="rule"><span class="sym">${escapeHtml(l.symbolic)}</span> <span class="num">= ${escapeHtml(l.numeric)}</span></div>`).join("");
      box.querySelector("#reuse-rules").innerHTML = `<div class="rule-title">b's local step, ${mode === "set" ? "setting" : "accumulating"}</div>${lines}
        <p>a.grad = <b id="reuse-a">${fmt4(a.grad)}</b>; nudging a and measuring b, (b(a+h) − b(a−h)) / 2h = ${fmt4(r.body.finite_difference)}.
        ${mode === "set" ? "The first share was lost: the gradient is wrong whenever a value is used more than once."
          : "Both shares arrive. That is why every backward rule adds (<code>+=</code>), and why the grads must be zeroed before each new backward."}</p>`;
      seen.add(mode);
      if (seen.size === 2) done();
    }
    box.querySelectorAll('input[name="reuse-mode"]').forEach(r => r.addEventListener("change", () => show(r.value)));
    body.querySelector("#reuse-check").addEventListener("click", async () => {
      const text = body.querySelector("#reuse-guess").value.trim();
      const out = body.querySelector("#reuse-verdict");
      if (text === "" || !Number.isFinite(Number(text))) { out.textContent = "type a number first"; return; }
      const r = await api("POST", "/api/lesson/check", { name: "reuse", node: "a", answer: Number(text) });
      if (r.ok) out.textContent = r.body.correct ? "Right: 2, one for each use. Now switch to “set” below." : "Not quite: think of b = 2a. Switch between the two rules below.";
    });
    lessonApi("/api/lesson/graph", { name: "reuse", hide_grads: true }, box).then(r => {
      if (r.ok && !seen.size) drawLessonGraph(box.querySelector("#reuse-graph"), r.body, { grads: "hide" });
    });
  },
});

// ---------- 7. topological order ----------

LESSON_SECTIONS.push({
  title: "Topological order",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p><code>backward()</code> runs each operation's local step once, and a node's step may only run when its own
      grad is complete, that is after every node that uses it. Sorting the graph so every node comes after its
      inputs (a topological order) and walking it backwards guarantees that.</p>
      <p><b>Your turn:</b> click the operations in the order you would run their steps, then check, or play the
      engine's walk.</p></div>`));
    const box = html(`<div>
      <div class="quiz-tools"><span>Your order: <span id="topo-mine" class="chips"></span></span>
        <button id="topo-clear">Clear</button><button id="topo-check">Check my order</button>
        <button id="topo-play" class="primary">▶ Play backward()</button></div>
      <div class="graph-scroll lesson-graph" id="topo-graph"></div>
      <div class="rule-box" id="topo-rule" aria-live="polite">Which step can run first? Only one node's grad is complete before any step has run.</div></div>`);
    body.append(box);
    let graph = null, mine = [], timer = null;
    const redraw = opts => drawLessonGraph(box.querySelector("#topo-graph"), graph, Object.assign({ onNode: pick }, opts));
    const chips = () => { box.querySelector("#topo-mine").innerHTML = mine.map(m => `<span class="chip">${escapeHtml(m)}</span>`).join(" → ") || "<i>none yet</i>"; };
    function pick(n) {
      if (timer) return;
      if (!mine.includes(n.name)) mine.push(n.name);
      chips();
      redraw({ grads: "hide", active: new Set(graph.nodes.filter(x => mine.includes(x.name)).map(x => x.id)) });
    }
    lessonApi("/api/lesson/graph", { name: "neuron" }, box).then(r => {
      if (!r.ok) return;
      graph = r.body;
      redraw({ grads: "hide" });
      chips();
    });
    box.querySelector("#topo-clear").addEventListener("click", () => { mine = []; chips(); if (graph) redraw({ grads: "hide" }); });
    box.querySelector("#topo-check").addEventListener("click", async () => {
      const r = await lessonApi("/api/lesson/order", { name: "neuron", order: mine }, box);
      if (!r.ok) return;
      box.querySelector("#topo-rule").innerHTML = r.body.valid
        ? `<p class="verdict">A valid order: every node runs after all its users. The engine's is ${r.body.engine.map(escapeHtml).join(" → ")} (its tape, backwards).</p>`
        : `<p class="verdict">Not yet: ${escapeHtml(r.body.reason)}.</p>`;
      if (r.body.valid) done();
    });
    box.querySelector("#topo-play").addEventListener("click", () => {
      if (!graph || timer) return;
      let i = 0;
      const grads = new Map(graph.nodes.map(n => [n.id, 0]));
      grads.set(graph.output, 1);
      const tick = () => {
        if (i >= graph.steps.length) {
          clearInterval(timer); timer = null;
          redraw({ grads: "show" });
          box.querySelector("#topo-rule").innerHTML = `<p class="verdict" id="topo-done">Done in ${graph.steps.length} steps:
            ${graph.steps.map(s => escapeHtml(s.name)).join(" → ")}. Every grad is now what <code>o.backward()</code> gives.</p>`;
          done();
          return;
        }
        const s = graph.steps[i++];
        for (const [id, g] of s.grads_after) grads.set(id, toNumber(g));
        redraw({ grads: new Map(grads), active: new Set([s.node]), targets: new Set(s.lines.map(l => l.child)) });
        box.querySelector("#topo-rule").innerHTML = `<div class="rule-title">step ${i} of ${graph.steps.length}: ${escapeHtml(s.name)}</div>` +
          s.lines.map(l => `<div class="rule"><span class="sym">${escapeHtml(l.symbolic)}</span> <span class="num">= ${escapeHtml(l.numeric)}</span></div>`).join("");
      };
      tick();
      timer = setInterval(tick, 900);
    });
  },
});

// ---------- 8. an MLP on four samples ----------

LESSON_SECTIONS.push({
  title: "An MLP 3-4-4-1 on four samples",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>Neurons make layers, layers make a multi-layer perceptron: 3 inputs, two layers of 4 tanh neurons, one
      output, <b id="mlp-params">41</b> parameters. The loss is the squared error on the notebook's four samples.
      One training step is the notebook's loop: forward, <b>zero the grads</b>, backward, update
      (<code>p.data −= 0.05 × p.grad</code>).</p>
      <p><b>Predict:</b> what happens if the step forgets to zero the grads? Pick one, press Step 20 times, then
      switch the zeroing off.</p>
      <div class="choice" id="mlp-guess"><button data-v="same">It falls the same way</button>
        <button data-v="never">It never falls</button><button data-v="overshoot">It falls, then goes wrong</button></div></div>`));
    const box = html(`<div class="lesson-grid">
      <div class="plot-box"><svg id="mlp-plot" class="slope-plot" viewBox="0 0 420 240" role="img" aria-label="the loss at each step"></svg></div>
      <div class="lesson-controls">
        <div class="quiz-tools"><button id="mlp-step" class="primary">Step</button><button id="mlp-reset">⟲ Reset</button></div>
        <label class="toggle"><input type="checkbox" id="mlp-zero" checked> zero the grads before backward</label>
        <table class="readout"><tr><th>step</th><td id="mlp-steps">0</td></tr><tr><th>loss</th><td id="mlp-loss" class="big"></td></tr>
          <tr><th>|grad| used</th><td id="mlp-norm"></td></tr></table>
        <table class="readout wide" id="mlp-preds"></table>
        <p id="mlp-note" class="note"></p>
      </div></div>`);
    body.append(box);
    let steps = 0, seq = 0, other = null, current = null;
    const zero = box.querySelector("#mlp-zero");
    async function run() {
      const mine = ++seq;
      const r = await lessonApi("/api/lesson/mlp", { steps, zero_grad: zero.checked }, box);
      if (mine !== seq || !r.ok) return;
      current = r.body;
      const losses = r.body.losses.map(toNumber);
      body.querySelector("#mlp-params").textContent = r.body.parameters;
      box.querySelector("#mlp-steps").textContent = r.body.steps;
      box.querySelector("#mlp-loss").textContent = fmt4(losses[losses.length - 1]);
      const norms = r.body.grad_norms;
      box.querySelector("#mlp-norm").textContent = norms.length ? fmt4(norms[norms.length - 1]) : "–";
      box.querySelector("#mlp-preds").innerHTML = `<tr><th>sample</th><th>target</th><th>prediction</th></tr>` +
        r.body.predictions.map((p, i) => `<tr><td>[${r.body.inputs[i].join(", ")}]</td><td>${r.body.targets[i]}</td><td>${fmt4(p)}</td></tr>`).join("");
      drawLosses(box.querySelector("#mlp-plot"), losses, other && other.steps === steps ? other.losses.map(toNumber) : null, r.body.zero_grad);
      const rises = losses.some((l, i) => i > 0 && l > losses[i - 1] + 1e-12);
      box.querySelector("#mlp-note").innerHTML = r.body.zero_grad
        ? (steps >= 20 ? "The loss fell at every step. Now switch the zeroing off." : "")
        : `Without zeroing, each step adds its grads to all the earlier ones: the update is the sum of every past
           gradient. It rushes downhill at first, then cannot stop${rises ? ": the loss jumps back up" : ""}, and the
           tanh units saturate where their slope is nearly 0, so nothing brings them back. Always zero the grads.`;
      if (steps >= 20 && !r.body.zero_grad) {
        const note = box.querySelector("#mlp-note");
        if (guess) note.insertAdjacentHTML("afterbegin", `<b>${guess === "overshoot" ? "Right." : "Not quite."}</b> `);
        done();
      }
    }
    let guess = null;
    body.querySelectorAll("#mlp-guess button").forEach(b => b.addEventListener("click", () => {
      guess = b.dataset.v;
      body.querySelectorAll("#mlp-guess button").forEach(o => o.classList.toggle("picked", o === b));
    }));
    box.querySelector("#mlp-step").addEventListener("click", () => { steps += 1; run(); });
    box.querySelector("#mlp-reset").addEventListener("click", () => { steps = 0; other = null; run(); });
    zero.addEventListener("change", () => { other = current; run(); });
    run();
  },
});

// The loss curve (log scale), with the other setting's curve for the same steps dashed behind it.
function drawLosses(svg, losses, otherLosses, zeroed) {
  svg.innerHTML = "";
  svg.dataset.losses = JSON.stringify(losses);
  const W = 420, H = 240, P = 36;
  const all = losses.concat(otherLosses || []).filter(l => l > 0);
  const lo = Math.log10(Math.max(1e-6, Math.min(...all, 1))), hi = Math.log10(Math.max(...all, 10));
  const n = Math.max(20, losses.length - 1);
  const X = i => P + i / n * (W - 2 * P), Y = l => H - P - (Math.log10(Math.max(l, 1e-6)) - lo) / (hi - lo || 1) * (H - 2 * P);
  for (let e = Math.ceil(lo); e <= hi; e++) {
    svgEl("line", { class: "grid", x1: P, x2: W - P, y1: Y(10 ** e), y2: Y(10 ** e) }, svg);
    svgEl("text", { class: "tick", x: P - 4, y: Y(10 ** e) + 4, "text-anchor": "end" }, svg).textContent = e === 0 ? "1" : `1e${e}`;
  }
  svgEl("text", { class: "tick", x: W - P, y: H - P + 16, "text-anchor": "end" }, svg).textContent = `step ${n}`;
  const poly = (ls, cls) => svgEl("polyline", { class: cls, points: ls.map((l, i) => `${X(i)},${Y(l)}`).join(" ") }, svg);
  if (otherLosses) poly(otherLosses, "curve other");
  poly(losses, zeroed ? "curve" : "curve bad");
  // The latest loss as a dot: at step 0 it is the whole curve.
  const last = losses.length - 1;
  svgEl("circle", { class: zeroed ? "pt" : "pt h", cx: X(last), cy: Y(losses[last]), r: 4 }, svg);
  svgEl("text", { class: "legend-t", x: W - P, y: P - 10, "text-anchor": "end" }, svg).textContent =
    (zeroed ? "loss, grads zeroed" : "loss, grads NOT zeroed") + (otherLosses ? " (dashed: the other way)" : "");
}

// ---------- 9. on to real data ----------

LESSON_SECTIONS.push({
  title: "On to real data: the moons",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>That is all of backpropagation. Karpathy's demo scales it up: 100 points in two interleaved half-moons,
      an MLP 2-16-16-1 with ReLU (337 parameters), a max-margin (hinge) loss with a little L2, and SGD with the
      rate falling from 1.0 to 0.1 over 100 full-batch steps. It reaches 100 % training accuracy.</p>
      <p>The training view runs exactly that in the engine on this machine and draws the decision boundary as it
      learns. From a terminal the same run is <code>micrograd train</code> (add <code>--plot boundary.png</code> for
      the picture).</p></div>`));
    const b = html(`<p><button id="lesson-open-training" class="primary">Open the training view with the demo's settings</button></p>`);
    body.append(b);
    b.querySelector("button").addEventListener("click", () => {
      const form = document.getElementById("train-form");
      form.reset();
      done();
      // A session already open is replaced by one with the demo's settings; otherwise opening the
      // view starts one from the reset form.
      if (tr.id || tr.creating) form.dispatchEvent(new Event("input", { bubbles: true }));
      location.hash = "#training";
    });
  },
});
