// Shared helpers of the playground page: requests to the server, SVG elements, numbers, tabs.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(name, attrs, parent) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

// Numbers from the server: finite ones as numbers, others as "nan", "inf", "-inf".
function toNumber(x) {
  if (typeof x === "number") return x;
  if (x === "nan") return NaN;
  if (x === "inf") return Infinity;
  if (x === "-inf") return -Infinity;
  return Number(x);
}

function fmt4(x) {
  x = toNumber(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4)) return x.toExponential(3);
  return x.toFixed(4);
}

// POST or GET JSON; resolves to {ok, status, body}, never throws for an HTTP error.
async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    const res = await fetch(path, init);
    let json = null;
    try { json = await res.json(); } catch (_) { json = null; }
    return { ok: res.ok, status: res.status, body: json };
  } catch (e) {
    return { ok: false, status: 0, body: { error: "the server cannot be reached: " + e.message } };
  }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Shows one view (lesson, explorer or training). The address says which (`#lesson/3`,
// `#explorer`, `#training`), so a view can be linked; see lesson.js for the routing.
function showView(view) {
  document.querySelectorAll(".tab").forEach(t => t.classList.toggle("active", t.dataset.view === view));
  document.querySelectorAll(".view").forEach(v => v.classList.toggle("active", v.id === "view-" + view));
  window.dispatchEvent(new CustomEvent("viewchange", { detail: view }));
  // A view drawn while hidden measured no width: let it draw again at its real size.
  window.dispatchEvent(new Event("resize"));
}

document.querySelectorAll(".tab").forEach(tab => {
  tab.addEventListener("click", () => {
    const view = tab.dataset.view;
    const hash = view === "lesson" ? "#lesson" : "#" + view;
    if (location.hash !== hash) location.hash = hash; else showView(view);
  });
});
