//! The lesson in a browser: every section walked as a learner would, at 1280×800, and every
//! section's screen at a phone's 390 px. The numbers the page shows are compared with the engine's
//! own answers over HTTP or with the notebook's arithmetic done here.
//!
//! With `MICROGRAD_DOCS_SCREENSHOTS=1` the screenshots the README shows are written to `docs/`
//! too (`lesson-slope.png`, `lesson-graph.png`, `lesson-mlp.png`).

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use crate::harness::{js, save_screenshot, start_browser, wait_for};
use crate::playground::Server;

/// Saves a screenshot as a test artifact and, when asked, as one of the README's pictures.
async fn screenshot(c: &Client, name: &str) {
    save_screenshot(c, name).await;
    if std::env::var("MICROGRAD_DOCS_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let png = c.screenshot().await.expect("screenshot");
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        let tmp = docs.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, png).unwrap();
        std::fs::rename(&tmp, docs.join(name)).unwrap();
    }
}

/// Sizes the window so that the page itself gets `width` × `height` (the window's frame takes
/// some of a window's size, even headless).
async fn set_viewport(c: &Client, width: u32, height: u32) {
    c.set_window_size(width, height).await.unwrap();
    let inner = js(c, "return [window.innerWidth, window.innerHeight]").await;
    let inner: Vec<u32> = inner
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    c.set_window_size(2 * width - inner[0], 2 * height - inner[1])
        .await
        .unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
}

async fn text(c: &Client, css: &str) -> String {
    let script = format!(
        "const e = document.querySelector({}); return e ? e.textContent : null;",
        json!(css)
    );
    js(c, &script).await.as_str().unwrap_or("").to_string()
}

/// Waits for the section's screen: the address, the title and the section's own element.
async fn at_section(c: &Client, n: usize, ready: &str) {
    wait_for(
        c,
        &format!(
            "return location.hash === '#lesson/{n}' && document.getElementById('lesson-body').dataset.section === '{n}' && document.querySelector({}) !== null",
            json!(ready)
        ),
        &format!("section {n}"),
    )
    .await;
}

/// Types an answer into the grad box of `node` and leaves it, as Enter does.
async fn answer(c: &Client, node: &str, value: &str) {
    js(
        c,
        &format!(
            "const b = document.querySelector('.grad-in[data-name=\"{node}\"]'); b.focus(); b.value = {}; b.dispatchEvent(new Event('change'));",
            json!(value)
        ),
    )
    .await;
}

/// The feedback line of `node` once it has the class `class` (right, wrong, shown).
async fn feedback(c: &Client, node: &str, class: &str) -> String {
    let script = format!("const f = document.querySelector('.fb[data-name=\"{node}\"]'); return f && f.classList.contains('{class}') && f.textContent");
    wait_for(c, &script, &format!("{class} feedback on {node}"))
        .await
        .as_str()
        .unwrap()
        .to_string()
}

/// The engine's difference quotient, asked over HTTP.
fn engine_quotient(server: &Server, x: f64, h: f64) -> f64 {
    let r = server.post("/api/lesson/slope", &json!({"x": x, "h": h}));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["quotient"].as_f64().unwrap()
}

/// Moves the `h` slider to `10^exponent` and returns the quotient the page then shows.
async fn shown_quotient(c: &Client, exponent: i32) -> f64 {
    js(c, &format!("const s = document.getElementById('slope-h'); s.value = {exponent}; s.dispatchEvent(new Event('input'));")).await;
    let h = ten_to(exponent);
    let shown = wait_for(
        c,
        &format!("const q = document.getElementById('slope-quotient'); return Number(q.dataset.h) === 1e{exponent} && q.textContent"),
        &format!("the quotient for h = {h:e}"),
    )
    .await;
    shown.as_str().unwrap().trim().parse().unwrap()
}

/// `1e{exponent}` read as a number, as the page reads it.
fn ten_to(exponent: i32) -> f64 {
    format!("1e{exponent}").parse().unwrap()
}

fn losses(v: &Value) -> Vec<f64> {
    serde_json::from_str::<Vec<f64>>(v.as_str().unwrap()).unwrap()
}

pub async fn the_lesson_walked_section_by_section() {
    let server = Server::start();
    let (_driver, c, _profile) = start_browser().await;
    c.goto(&server.url()).await.unwrap();
    set_viewport(&c, 1280, 800).await;

    // 1. The page opens on the lesson's first section. The h slider: the quotient shown is the
    // engine's, it nears the derivative (6x − 4 = 14 at x = 3) as h shrinks, and rounding ruins it
    // at 1e-15.
    at_section(&c, 1, "#slope-quotient").await;
    assert_eq!(
        js(
            &c,
            "return document.getElementById('view-lesson').classList.contains('active')"
        )
        .await,
        true
    );
    for exponent in [-2, -6, -15] {
        let shown = shown_quotient(&c, exponent).await;
        let engine = engine_quotient(&server, 3.0, ten_to(exponent));
        assert!(
            (shown - engine).abs() <= 1e-9 * engine.abs(),
            "h = 1e{exponent}: the page shows {shown}, the engine says {engine}"
        );
    }
    assert!((engine_quotient(&server, 3.0, 1e-6) - 14.0).abs() < 1e-4);
    assert!((engine_quotient(&server, 3.0, 1e-15) - 14.0).abs() > 0.1);
    assert!(text(&c, "#slope-note")
        .await
        .contains("Rounding takes over"));
    assert_eq!(
        text(&c, "#slope-derivative").await,
        "?",
        "hidden until guessed"
    );
    js(&c, "document.getElementById('slope-guess').value = '14';").await;
    click(&c, "#slope-reveal").await;
    wait_for(&c, "return document.querySelector('.verdict') && document.querySelector('.verdict').textContent.startsWith('Right')", "the verdict").await;
    let derivative: f64 = text(&c, "#slope-derivative").await.parse().unwrap();
    assert_eq!(derivative, 14.0);
    screenshot(&c, "lesson-slope.png").await;

    // The arrow key goes on to section 2.
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(&Key::Right.to_string())
        .await
        .unwrap();
    // 2. The first graph: one right and one wrong gradient; the wrong one's hint is the local
    // chain rule of the node that sets it; "show me" fills one in.
    at_section(&c, 2, ".grad-in[data-name=\"a\"]").await;
    assert_eq!(
        js(&c, "return document.querySelectorAll('.grad-in').length").await,
        7
    );
    answer(&c, "L", "1").await;
    feedback(&c, "L", "right").await;
    answer(&c, "a", "6").await;
    let right = feedback(&c, "a", "right").await;
    assert!(right.contains("a.grad += b.data × e.grad"), "{right}");
    answer(&c, "b", "4").await;
    let wrong = feedback(&c, "b", "wrong").await;
    assert!(
        wrong.contains("b.grad += a.data × e.grad") && wrong.contains("2 × (-2)"),
        "{wrong}"
    );
    assert_eq!(
        js(&c, "return document.querySelector('.grad-in[data-name=\"b\"]').classList.contains('wrong')").await,
        true
    );
    js(
        &c,
        "document.querySelector('.grad-in[data-name=\"d\"]').focus()",
    )
    .await;
    click(&c, "[data-act=\"show\"]").await;
    feedback(&c, "d", "shown").await;
    assert_eq!(
        js(
            &c,
            "return document.querySelector('.grad-in[data-name=\"d\"]').value"
        )
        .await,
        "-2"
    );
    screenshot(&c, "lesson-graph.png").await;

    // 3. One step along the gradients: L goes from -8 to (2.06 × -3.04 + 9.98) × -1.96.
    click(&c, "#lesson-next").await;
    at_section(&c, 3, "#nudge-guess").await;
    click(&c, "#nudge-guess [data-v=\"up\"]").await;
    click(&c, "#nudge-step").await;
    let after = wait_for(
        &c,
        "const e = document.getElementById('nudge-L'); return e && e.textContent",
        "L after the step",
    )
    .await;
    let expected = (2.0 + 0.01 * 6.0) * (-3.0 + 0.01 * -4.0) + (10.0 + 0.01 * -2.0);
    let expected = expected * (-2.0 + 0.01 * 4.0);
    assert_eq!(after.as_str().unwrap(), format!("{expected:.4}"));
    assert!(text(&c, "#nudge-result").await.contains("Right"));

    // 4. The neuron: n.grad = 1 − tanh(n)² = 0.5 (the notebook's and PyTorch's), w1.grad = x1 × 0.5 = 1.
    click(&c, "#lesson-next").await;
    at_section(&c, 4, ".grad-in[data-name=\"w1\"]").await;
    answer(&c, "n", "0.5").await;
    feedback(&c, "n", "right").await;
    answer(&c, "w1", "-1.5").await;
    let hint = feedback(&c, "w1", "wrong").await;
    assert!(hint.contains("w1.grad += x1.data × x1w1.grad"), "{hint}");

    // 5. tanh from exp: the same leaf gradients; x1's is the notebook's -1.5.
    click(&c, "#lesson-next").await;
    at_section(&c, 5, "#exp-guess").await;
    wait_for(
        &c,
        "return document.querySelectorAll('#exp-b .rec').length > 12",
        "both graphs",
    )
    .await;
    click(&c, "#exp-guess [data-v=\"same\"]").await;
    let rows = wait_for(&c, "const t = document.getElementById('exp-table'); return t && [...t.rows].slice(1).map(r => [...r.cells].map(c => c.textContent))", "the table").await;
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 5);
    for row in rows {
        let a: f64 = row[1].as_str().unwrap().parse().unwrap();
        let e: f64 = row[2].as_str().unwrap().parse().unwrap();
        assert!((a - e).abs() < 1e-12, "{row:?}");
        if row[0] == "x1" {
            assert!((a + 1.5).abs() < 1e-9, "{row:?}");
        }
    }

    // 6. b = a + a: setting gives 1, accumulating gives 2 = db/da.
    click(&c, "#lesson-next").await;
    at_section(&c, 6, "#reuse-guess").await;
    js(&c, "document.getElementById('reuse-guess').value = '2';").await;
    click(&c, "#reuse-check").await;
    wait_for(
        &c,
        "return document.getElementById('reuse-verdict').textContent.startsWith('Right')",
        "the verdict",
    )
    .await;
    click(&c, "input[value=\"set\"]").await;
    wait_for(
        &c,
        "const a = document.getElementById('reuse-a'); return a && a.textContent === '1.0000'",
        "a.grad = 1 when set",
    )
    .await;
    click(&c, "input[value=\"accumulate\"]").await;
    wait_for(
        &c,
        "const a = document.getElementById('reuse-a'); return a && a.textContent === '2.0000'",
        "a.grad = 2 when accumulated",
    )
    .await;

    // 7. Topological order: an order that runs x1w1 before its user x1w1x2w2 is refused; a valid
    // one is accepted; the engine's walk plays to the end.
    click(&c, "#lesson-next").await;
    at_section(&c, 7, "#topo-graph .rec").await;
    let pick = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("document.querySelector('#topo-graph .rec[data-name=\"{n}\"]').dispatchEvent(new MouseEvent('click', {{bubbles: true}}));"))
            .collect::<String>()
    };
    js(&c, &pick(&["o", "x1w1", "n", "x1w1x2w2", "x2w2"])).await;
    click(&c, "#topo-check").await;
    let refused = wait_for(&c, "return document.getElementById('topo-rule').textContent.includes('Not yet') && document.getElementById('topo-rule').textContent", "the refusal").await;
    assert!(refused.as_str().unwrap().contains("x1w1x2w2"), "{refused}");
    click(&c, "#topo-clear").await;
    js(&c, &pick(&["o", "n", "x1w1x2w2", "x1w1", "x2w2"])).await;
    click(&c, "#topo-check").await;
    wait_for(
        &c,
        "return document.getElementById('topo-rule').textContent.includes('A valid order')",
        "the acceptance",
    )
    .await;
    click(&c, "#topo-play").await;
    wait_for(
        &c,
        "return document.getElementById('topo-done') !== null",
        "the walk's end",
    )
    .await;
    assert!(text(&c, "#topo-graph .rec[data-name=\"x1\"]")
        .await
        .contains("grad -1.5000"));

    // 8. The MLP: 20 steps with the grads zeroed, the loss falls at every step; without zeroing
    // the same 20 steps do not fall that way.
    click(&c, "#lesson-next").await;
    at_section(&c, 8, "#mlp-step").await;
    wait_for(
        &c,
        "return document.getElementById('mlp-loss').textContent !== ''",
        "the untrained loss",
    )
    .await;
    assert_eq!(text(&c, "#mlp-params").await, "41");
    click(&c, "#mlp-guess [data-v=\"overshoot\"]").await;
    for _ in 0..20 {
        click(&c, "#mlp-step").await;
    }
    let zeroed = wait_for(&c, "const p = document.getElementById('mlp-plot'); return document.getElementById('mlp-steps').textContent === '20' && JSON.parse(p.dataset.losses).length === 21 && p.dataset.losses", "20 steps").await;
    let zeroed = losses(&zeroed);
    assert!(zeroed.windows(2).all(|w| w[1] <= w[0]), "{zeroed:?}");
    assert!(zeroed[20] < zeroed[0] / 10.0, "{zeroed:?}");
    click(&c, "#mlp-zero").await;
    let piled = wait_for(&c, "const p = document.getElementById('mlp-plot'); return document.getElementById('mlp-note').textContent.includes('Without zeroing') && JSON.parse(p.dataset.losses).length === 21 && p.dataset.losses", "20 steps without zeroing").await;
    let piled = losses(&piled);
    assert_eq!(piled[0], zeroed[0], "the same starting network");
    assert!(
        piled.windows(2).any(|w| w[1] > w[0]),
        "the loss rises somewhere: {piled:?}"
    );
    assert!(piled[20] > zeroed[20], "{piled:?} vs {zeroed:?}");
    assert!(text(&c, "#mlp-note").await.starts_with("Right."));
    screenshot(&c, "lesson-mlp.png").await;

    // 9. The moons: the training view opens with the demo's settings.
    click(&c, "#lesson-next").await;
    at_section(&c, 9, "#lesson-open-training").await;
    click(&c, "#lesson-open-training").await;
    wait_for(&c, "return location.hash === '#training' && document.getElementById('view-training').classList.contains('active') && tr.id !== null && tr.snapshot !== null", "the training view").await;
    assert_eq!(
        js(&c, "return [document.getElementById('t-dataset').value, document.getElementById('t-hidden').value, tr.points.length]").await,
        json!(["moons", "16, 16", 100])
    );

    // Progress is kept: the page opens again where the learner left, with the sections done.
    c.goto(&format!("{}/", server.url())).await.unwrap();
    at_section(&c, 9, "#lesson-open-training").await;
    let done = js(
        &c,
        "return JSON.parse(localStorage.getItem('micrograd.lesson')).done.sort((a, b) => a - b)",
    )
    .await;
    assert_eq!(done, json!([1, 3, 5, 6, 7, 8, 9]));
    assert_eq!(
        js(
            &c,
            "return document.querySelectorAll('#lesson-nav li.done').length"
        )
        .await,
        7
    );
    // Back with the button and the arrow key.
    click(&c, "#lesson-back").await;
    at_section(&c, 8, "#mlp-step").await;
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys(&Key::Left.to_string())
        .await
        .unwrap();
    at_section(&c, 7, "#topo-graph").await;
    c.close().await.unwrap();
}

pub async fn the_lesson_on_a_phone() {
    let server = Server::start();
    let (_driver, c, _profile) = start_browser().await;
    c.goto(&format!("{}/#lesson/1", server.url()))
        .await
        .unwrap();
    set_viewport(&c, 390, 844).await;
    let ready = [
        "#slope-quotient",
        ".grad-in",
        "#nudge-graph .rec",
        ".grad-in",
        "#exp-b .rec",
        "#reuse-graph .rec",
        "#topo-graph .rec",
        "#mlp-plot polyline",
        "#lesson-open-training",
    ];
    for (i, css) in ready.iter().enumerate() {
        let n = i + 1;
        js(&c, &format!("location.hash = '#lesson/{n}'")).await;
        at_section(&c, n, css).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        // Nothing but a graph's own box scrolls sideways, and the buttons are on the screen.
        let fit = js(&c, "const w = window.innerWidth; return [w, document.documentElement.scrollWidth, document.getElementById('lesson-next').getBoundingClientRect().right]").await;
        let fit: Vec<f64> = fit
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(fit[0] <= 400.0, "the window is a phone's: {fit:?}");
        assert!(
            fit[1] <= fit[0],
            "section {n} is wider than the screen: {fit:?}"
        );
        assert!(
            fit[2] <= fit[0],
            "section {n}: Next is off the screen: {fit:?}"
        );
        save_screenshot(&c, &format!("lesson-phone-{n}.png")).await;
    }
    c.close().await.unwrap();
}
