// The lesson's sections 1 to 4: the derivative as a slope, the first graph, one optimization step,
// a neuron. Each is { title, render(body, done) }: render fills the section's screen and calls
// done() when the learner has done its task (kept as progress).
"use strict";

const LESSON_SECTIONS = [];

// ---------- 1. the derivative as a slope ----------

LESSON_SECTIONS.push({
  title: "The derivative as a slope",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>A derivative says how fast a function's output moves when its input moves a little. Take
      <code>f(x) = 3x² − 4x + 5</code>. Step from <code>x</code> to <code>x + h</code> and divide the change by the step:
      <code>(f(x+h) − f(x)) / h</code>, the slope of the line through the two points. As <code>h</code> shrinks,
      that slope settles on the derivative.</p>
      <p><b>Your turn:</b> what is the slope of <code>f</code> at <code>x = 3</code>? Guess, then move <code>h</code> down and watch.</p></div>`));
    const grid = html(`<div class="lesson-grid">
      <div class="plot-box"><svg id="slope-plot" class="slope-plot" viewBox="0 0 420 300" role="img" aria-label="f(x) with the secant through x and x + h"></svg></div>
      <div class="lesson-controls">
        <label class="ctl">x <output id="slope-x-out">3</output><input type="range" id="slope-x" min="-2" max="4" step="0.1" value="3"></label>
        <label class="ctl">h <output id="slope-h-out">1e-1</output><input type="range" id="slope-h" min="-15" max="0" step="1" value="-1"></label>
        <table class="readout">
          <tr><th>f(x)</th><td id="slope-fx"></td></tr>
          <tr><th>f(x + h)</th><td id="slope-fxh"></td></tr>
          <tr><th>(f(x+h) − f(x)) / h</th><td id="slope-quotient" class="big"></td></tr>
          <tr><th>backward(): df/dx</th><td id="slope-derivative" class="big"></td></tr>
        </table>
        <div class="predict"><label>Your guess for df/dx <input id="slope-guess" inputmode="decimal" size="8"></label>
          <button id="slope-reveal">Show the engine's</button></div>
        <p id="slope-note" class="note"></p>
      </div></div>`);
    body.append(grid);
    const $ = id => grid.querySelector("#" + id);
    let revealed = false, seq = 0;
    async function update() {
      // "1e-6" read as a number is the f64 nearest 10⁻⁶, as the tests and the server read it.
      const x = Number($("slope-x").value), h = Number("1e" + $("slope-h").value);
      $("slope-x-out").textContent = x.toFixed(1);
      $("slope-h-out").textContent = "1e" + $("slope-h").value;
      const mine = ++seq;
      const r = await api("POST", "/api/lesson/slope", { x, h });
      if (mine !== seq || !r.ok) return;
      const s = r.body;
      $("slope-fx").textContent = toNumber(s.fx).toPrecision(17).replace(/0+$/, "").replace(/\.$/, "");
      $("slope-fxh").textContent = toNumber(s.fxh).toPrecision(17).replace(/0+$/, "").replace(/\.$/, "");
      const q = $("slope-quotient");
      q.textContent = toNumber(s.quotient).toPrecision(12);
      q.dataset.h = String(s.h);
      q.dataset.x = String(s.x);
      $("slope-derivative").textContent = revealed ? toNumber(s.derivative).toPrecision(12) : "?";
      const err = Math.abs(toNumber(s.quotient) - toNumber(s.derivative));
      $("slope-note").innerHTML = h <= 1e-10
        ? `<b>Rounding takes over.</b> An <code>f64</code> keeps about 16 significant digits: numbers near
           f(x) = ${fmt4(s.fx)} are ${Number(s.spacing).toExponential(2)} apart. With h = ${s.h.toExponential(0)}, f(x+h) − f(x)
           is only a few of those steps, and dividing by h blows that rounding up to an error of ${err.toPrecision(2)}.
           The engine's derivative has no h: backpropagation applies the rules of calculus exactly.`
        : `The quotient is off by ${err.toPrecision(2)}: the curve bends between x and x + h. Shrink h and the gap shrinks with it${h > 1e-6 ? " (try 1e-6, then 1e-15)" : ""}.`;
      if (h <= 1e-10 && revealed) done();
      drawSlope($("slope-plot"), s, revealed);
    }
    $("slope-x").addEventListener("input", update);
    $("slope-h").addEventListener("input", update);
    $("slope-reveal").addEventListener("click", () => {
      revealed = true;
      $("slope-reveal").disabled = true;
      const guess = Number($("slope-guess").value);
      update().then(() => {
        const d = Number($("slope-derivative").textContent);
        const note = html(`<p class="verdict"></p>`);
        note.textContent = $("slope-guess").value.trim() === "" ? `The engine says ${d}: 6x − 4 at x = ${$("slope-x").value}.`
          : Math.abs(guess - d) < 1e-3 ? `Right: ${d}, which is 6x − 4.` : `The engine says ${d} (6x − 4), not ${guess}.`;
        $("slope-reveal").after(note);
      });
    });
    update();
  },
});

// f with its secant through x and x + h and, once revealed, the tangent from the engine's slope.
function drawSlope(svg, s, tangent) {
  svg.innerHTML = "";
  const W = 420, H = 300, P = 34;
  const pts = s.curve.map(([x, y]) => [x, toNumber(y)]);
  const x0 = pts[0][0], x1 = pts[pts.length - 1][0];
  const ys = pts.map(p => p[1]), y0 = 0, y1 = Math.max(...ys) * 1.05;
  const X = x => P + (x - x0) / (x1 - x0) * (W - 2 * P), Y = y => H - P - (y - y0) / (y1 - y0) * (H - 2 * P);
  for (let v = 0; v <= y1; v += 10) {
    svgEl("line", { class: "grid", x1: P, x2: W - P, y1: Y(v), y2: Y(v) }, svg);
    svgEl("text", { class: "tick", x: P - 6, y: Y(v) + 4, "text-anchor": "end" }, svg).textContent = v;
  }
  for (let v = Math.ceil(x0); v <= x1; v++) svgEl("text", { class: "tick", x: X(v), y: H - P + 16, "text-anchor": "middle" }, svg).textContent = v;
  svgEl("polyline", { class: "curve", points: pts.map(([x, y]) => `${X(x)},${Y(y)}`).join(" ") }, svg);
  const x = s.x, fx = toNumber(s.fx), slope = toNumber(s.quotient);
  const line = (m, cls) => svgEl("line", { class: cls, x1: X(x0), y1: Y(fx + m * (x0 - x)), x2: X(x1), y2: Y(fx + m * (x1 - x)) }, svg);
  svgEl("clipPath", { id: "slope-clip" }, svg).appendChild(svgEl("rect", { x: P, y: P / 2, width: W - 2 * P, height: H - 1.5 * P }));
  const lines = svgEl("g", { "clip-path": "url(#slope-clip)" }, svg);
  lines.appendChild(line(slope, "secant"));
  if (tangent) lines.appendChild(line(toNumber(s.derivative), "tangent"));
  svgEl("circle", { class: "pt", cx: X(x), cy: Y(fx), r: 5 }, svg);
  if (s.h > 1e-3) svgEl("circle", { class: "pt h", cx: X(x + s.h), cy: Y(toNumber(s.fxh)), r: 4 }, svg);
  svgEl("text", { class: "legend-t secant-t", x: P + 8, y: P - 8 }, svg).textContent = "secant (x, x + h)";
  if (tangent) svgEl("text", { class: "legend-t tangent-t", x: P + 8, y: P + 8 }, svg).textContent = "tangent, slope from backward()";
}

// ---------- 2. the first graph ----------

LESSON_SECTIONS.push({
  title: "The first graph: L = (a*b + c) * f",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>Every number is a node; every operation remembers its inputs. Here <code>e = a*b</code>,
      <code>d = e + c</code>, <code>L = d * f</code>. Each node's <b>grad</b> is dL/d(node): how much L moves per
      unit the node moves. Backpropagation finds them from the output back: <code>L.grad = 1</code>, then each
      operation hands its output's grad to its inputs by its local rule (for <code>+</code>: pass it on;
      for <code>*</code>: multiply by the other input's data).</p>
      <p><b>Your turn:</b> type each grad into the graph, starting from L, and press Enter. A wrong answer shows
      the rule that sets it.</p></div>`));
    gradQuiz(body, "first", ["L", "f", "d", "e", "c", "b", "a"], done);
  },
});

// ---------- 3. one step of optimization ----------

LESSON_SECTIONS.push({
  title: "One step of optimization",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>The grads say which way each input pushes L. Nudge every leaf a little <em>along</em> its grad,
      <code>a.data += 0.01 × a.grad</code> and the same for b, c and f, and L should go up: that is what a gradient
      means. (Training does the opposite, −0.01, to bring a loss down.)</p>
      <p><b>Predict:</b> L is −8 now. After the nudge, will it be larger or smaller?</p></div>`));
    const box = html(`<div>
      <div class="choice" id="nudge-guess"><button data-v="up">Larger (towards 0)</button><button data-v="down">Smaller</button></div>
      <button id="nudge-step" class="primary" disabled>Nudge every leaf by 0.01 × grad</button>
      <div class="graph-scroll lesson-graph" id="nudge-graph"></div>
      <div id="nudge-result"></div></div>`);
    body.append(box);
    let guess = null;
    box.querySelectorAll("#nudge-guess button").forEach(b => b.addEventListener("click", () => {
      guess = b.dataset.v;
      box.querySelectorAll("#nudge-guess button").forEach(o => o.classList.toggle("picked", o === b));
      box.querySelector("#nudge-step").disabled = false;
    }));
    lessonApi("/api/lesson/graph", { name: "first" }, box).then(r => {
      if (r.ok) drawLessonGraph(box.querySelector("#nudge-graph"), r.body, { grads: "show" });
    });
    box.querySelector("#nudge-step").addEventListener("click", async () => {
      const out = box.querySelector("#nudge-result");
      out.innerHTML = "";
      const r = await lessonApi("/api/lesson/nudge", { step: 0.01 }, out);
      if (!r.ok) return;
      const { before, after } = r.body;
      const rows = before.leaves.map((l, i) => `<tr><td>${escapeHtml(l.name)}</td><td>${fmt4(l.data)}</td><td>${fmt4(l.grad)}</td><td>${fmt4(after.leaves[i].data)}</td></tr>`).join("");
      const up = toNumber(after.L) > toNumber(before.L);
      const sq = before.leaves.reduce((t, l) => t + toNumber(l.grad) ** 2, 0);
      out.innerHTML = `<p class="big-line">L: <b>${fmt4(before.L)}</b> → <b id="nudge-L">${fmt4(after.L)}</b></p>
        <p class="verdict">${(guess === "up") === up ? "Right: " : "Not this time: "}L went ${up ? "up" : "down"}, as the grads promised.
        Each leaf moved 0.01 × its grad, so to first order L moved by 0.01 × Σ grad² = ${fmt4(0.01 * sq)};
        it went from ${fmt4(before.L)} to ${fmt4(after.L)} (the rest is the curvature of the products).</p>
        <table class="readout wide"><tr><th>leaf</th><th>data before</th><th>grad</th><th>data after</th></tr>${rows}</table>`;
      done();
    });
  },
});

// ---------- 4. a neuron ----------

LESSON_SECTIONS.push({
  title: "A neuron: tanh(x1·w1 + x2·w2 + b)",
  render(body, done) {
    body.append(html(`<div class="lesson-text">
      <p>A neuron weighs its inputs, adds a bias and squashes the sum: <code>o = tanh(n)</code> with
      <code>n = x1·w1 + x2·w2 + b</code>. The rule for tanh is <code>n.grad = (1 − o²) × o.grad</code>:
      with o = 0.7071, that is 0.5. From there the <code>+</code> nodes pass grads on and the <code>*</code>
      nodes multiply by the other input.</p>
      <p><b>Your turn:</b> fill in every grad, from o back to the weights and inputs.</p></div>`));
    gradQuiz(body, "neuron", ["o", "n", "b", "x1w1x2w2", "x2w2", "x1w1", "w2", "x2", "w1", "x1"], done);
  },
});
