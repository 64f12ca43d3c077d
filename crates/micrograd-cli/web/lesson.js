// The lesson view: the sections in order, one screen each, at `#lesson/N` (so a teacher can link
// one), with back and next buttons, the arrow keys, and progress kept in this browser's local
// storage. It also routes the address to the views: `#explorer` (or `#program=…`), `#training`,
// and `#lesson/N`, the default.
"use strict";

const lesson = {
  current: 0,
  store: "micrograd.lesson",
  progress: { section: 1, done: [] },
};

try {
  const saved = JSON.parse(localStorage.getItem(lesson.store) || "null");
  if (saved && Number.isInteger(saved.section) && Array.isArray(saved.done)) lesson.progress = saved;
} catch (_) { /* storage unavailable or garbled: start afresh */ }

function saveProgress() {
  try { localStorage.setItem(lesson.store, JSON.stringify(lesson.progress)); } catch (_) { /* private mode */ }
}

function markDone(n) {
  if (!lesson.progress.done.includes(n)) {
    lesson.progress.done.push(n);
    saveProgress();
  }
  renderNav();
}

function renderNav() {
  const nav = document.getElementById("lesson-nav");
  nav.innerHTML = "";
  LESSON_SECTIONS.forEach((s, i) => {
    const n = i + 1;
    const li = html(`<li><a href="#lesson/${n}"><span class="num">${n}</span><span class="t"></span></a></li>`);
    li.querySelector(".t").textContent = s.title;
    if (n === lesson.current) li.classList.add("current");
    if (lesson.progress.done.includes(n)) li.classList.add("done");
    nav.appendChild(li);
  });
  const count = LESSON_SECTIONS.length;
  document.getElementById("lesson-progress").textContent = `${lesson.progress.done.length} of ${count} done`;
  const current = nav.querySelector("li.current");
  if (current && current.scrollIntoView && window.innerWidth < 700) current.scrollIntoView({ block: "nearest", inline: "center" });
}

function openSection(n) {
  const count = LESSON_SECTIONS.length;
  n = Math.min(count, Math.max(1, n));
  lesson.current = n;
  lesson.progress.section = n;
  saveProgress();
  const s = LESSON_SECTIONS[n - 1];
  document.getElementById("lesson-count").textContent = `Section ${n} of ${count}`;
  document.getElementById("lesson-title").textContent = s.title;
  document.title = `${n}. ${s.title} · micrograd lesson`;
  const body = document.getElementById("lesson-body");
  body.innerHTML = "";
  body.dataset.section = n;
  document.getElementById("lesson-back").disabled = n === 1;
  document.getElementById("lesson-next").disabled = n === count;
  renderNav();
  // A late answer from the section left behind must not draw into this one.
  const host = html(`<div class="lesson-section"></div>`);
  body.appendChild(host);
  s.render(host, () => { if (host.isConnected) markDone(n); });
}

function go(n) {
  location.hash = `#lesson/${n}`;
}

function route() {
  const h = location.hash;
  if (h === "#explorer" || h.startsWith("#program=")) return showView("explorer");
  if (h === "#training") return showView("training");
  const m = /^#lesson\/(\d+)$/.exec(h);
  if (!m) {
    // `#lesson`, nothing, or an unknown address: the lesson where the learner left it.
    history.replaceState(null, "", `#lesson/${lesson.progress.section || 1}`);
    return route();
  }
  showView("lesson");
  const n = Number(m[1]);
  if (n !== lesson.current || !document.getElementById("lesson-body").firstChild) openSection(n);
  if (String(lesson.current) !== m[1]) history.replaceState(null, "", `#lesson/${lesson.current}`);
}

document.getElementById("lesson-back").addEventListener("click", () => go(lesson.current - 1));
document.getElementById("lesson-next").addEventListener("click", () => go(lesson.current + 1));
document.addEventListener("keydown", e => {
  if (!document.getElementById("view-lesson").classList.contains("active")) return;
  const t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) return;
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.key === "ArrowRight" && lesson.current < LESSON_SECTIONS.length) go(lesson.current + 1);
  if (e.key === "ArrowLeft" && lesson.current > 1) go(lesson.current - 1);
});
window.addEventListener("hashchange", route);
route();
