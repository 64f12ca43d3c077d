//! The playground in a real browser: headless Chromium driven over WebDriver (chromedriver) with
//! fantoccini. It types a program, reads the graph's data and grads, walks backpropagation, moves a
//! slider, trains a network and checks the boundary and the curves change; and it walks every
//! section of the lesson (`browser/lesson.rs`). Screenshots are saved under
//! `target/playground-screenshots/` as test artifacts.
//!
//! Needs `chromium` and `chromedriver` (Debian's `chromium` and `chromium-driver`; `.ci/run`
//! installs them). Set `CHROMEDRIVER` or `CHROMIUM` to use other paths. Where either cannot be found
//! the tests are reported as ignored, with the command that installs them, unless `CI` or
//! `MICROGRAD_BROWSER_TESTS=1` is set: there a missing browser fails them, so CI never skips them
//! silently. The file runs under its own harness (libtest-mimic), which can mark a test ignored at
//! run time.

#[path = "browser/harness.rs"]
mod harness;
#[path = "browser/lesson.rs"]
mod lesson;
mod playground;

use std::future::Future;
use std::process::ExitCode;

use fantoccini::{Client, Locator};
use harness::{
    browser_tests_required, js, missing_browser, run_async, save_screenshot, start_browser,
    wait_for,
};
use libtest_mimic::{Arguments, Failed, Trial};
use playground::{Server, NOTEBOOK};

const INSTALL: &str = "apt-get install chromium chromium-driver";

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let missing = missing_browser();
    let required = browser_tests_required();
    if let Some(what) = &missing {
        if required {
            eprintln!("error: the browser tests are required here (CI or MICROGRAD_BROWSER_TESTS is set) but {what}; install them with `{INSTALL}`");
        } else {
            println!(
                "note: the browser tests are ignored because {what}; `{INSTALL}` enables them"
            );
        }
    }
    let skip = missing.is_some() && !required;
    let unavailable = missing.map(|what| format!("{what}; install them with `{INSTALL}`"));
    let trial = |name: &'static str,
                 test: fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>| {
        let unavailable = unavailable.clone();
        Trial::test(name, move || match unavailable {
            Some(why) => Err(Failed::from(why)),
            None => run_async(test()),
        })
        .with_ignored_flag(skip)
    };
    let trials = vec![
        trial("the_playground_in_a_browser", || {
            Box::pin(the_playground_in_a_browser())
        }),
        trial("other_programs_and_settings_in_a_browser", || {
            Box::pin(other_programs_and_settings_in_a_browser())
        }),
        trial("the_lesson_walked_section_by_section", || {
            Box::pin(lesson::the_lesson_walked_section_by_section())
        }),
        trial("the_lesson_on_a_phone", || {
            Box::pin(lesson::the_lesson_on_a_phone())
        }),
    ];
    libtest_mimic::run(&args, trials).exit_code()
}

async fn record_text(c: &Client, name: &str) -> String {
    let script = format!("const r = document.querySelector('#graph .rec[data-name=\"{name}\"]'); return r ? r.textContent : null;");
    js(c, &script).await.as_str().unwrap_or("").to_string()
}

async fn set_program(c: &Client, program: &str) {
    let editor = c.find(Locator::Css("#program")).await.unwrap();
    editor.clear().await.unwrap();
    editor.send_keys(program).await.unwrap();
}

async fn the_playground_in_a_browser() {
    let server = Server::start();
    let (_driver, c, _profile) = start_browser().await;
    c.set_window_size(1440, 900).await.unwrap();
    // The page opens on the lesson; the explorer has its own address.
    c.goto(&format!("{}/#explorer", server.url()))
        .await
        .unwrap();

    // The notebook's graph is there at start, with its data and grads.
    wait_for(
        &c,
        "return document.querySelectorAll('#graph .rec').length === 7",
        "the starting graph",
    )
    .await;
    let l = record_text(&c, "L").await;
    assert!(
        l.contains("data -8.0000") && l.contains("grad 1.0000"),
        "{l}"
    );
    let a = record_text(&c, "a").await;
    assert!(
        a.contains("data 2.0000") && a.contains("grad 6.0000"),
        "{a}"
    );
    assert!(record_text(&c, "f").await.contains("grad 4.0000"));
    save_screenshot(&c, "explorer.png").await;

    // Typing a program redraws the graph: y = x² + 2x at 3 is 15, dy/dx = 2x + 2 = 8.
    set_program(&c, "x = 3.0\ny = x*x + 2*x\n").await;
    wait_for(&c, "const r = document.querySelector('#graph .rec[data-name=\"y\"]'); return r && r.textContent.includes('data 15.0000')", "y = 15").await;
    assert!(
        record_text(&c, "x").await.contains("grad 8.0000"),
        "{}",
        record_text(&c, "x").await
    );

    // A mistake is shown in place, with its position.
    set_program(&c, "x = 3.0\ny = (x + \n").await;
    let message = wait_for(
        &c,
        "const e = document.getElementById('program-error'); return !e.hidden && e.textContent",
        "the error",
    )
    .await;
    let message = message.as_str().unwrap();
    assert!(message.contains("line 2"), "{message}");
    assert!(
        js(
            &c,
            "return document.querySelector('#backdrop mark') !== null"
        )
        .await
        .as_bool()
        .unwrap(),
        "the error is marked in the editor"
    );
    save_screenshot(&c, "explorer-error.png").await;

    // Back to the notebook; walk backpropagation: the seed, then L, d, e.
    set_program(&c, NOTEBOOK).await;
    wait_for(&c, "const e = document.getElementById('program-error'); return e.hidden && document.querySelectorAll('#graph .rec').length === 7", "the notebook again").await;
    let step = c.find(Locator::Css("#bp-step")).await.unwrap();
    step.click().await.unwrap();
    assert!(
        record_text(&c, "a").await.contains("grad 0.0000"),
        "the walk starts from zero gradients"
    );
    assert!(
        record_text(&c, "L").await.contains("grad 1.0000"),
        "the seed"
    );
    for _ in 0..3 {
        step.click().await.unwrap();
    }
    let rule = js(
        &c,
        "return document.getElementById('rule-body').textContent",
    )
    .await;
    let rule = rule.as_str().unwrap();
    assert!(rule.contains("a.grad += b.data × e.grad"), "{rule}");
    assert!(rule.contains("b.grad += a.data × e.grad"), "{rule}");
    let highlighted = js(&c, "return [...document.querySelectorAll('#graph .rec.target')].map(r => r.dataset.name).sort().join(',')").await;
    assert_eq!(highlighted, "a,b");
    assert_eq!(
        js(
            &c,
            "return document.querySelector('#graph .rec.active').dataset.name"
        )
        .await,
        "e"
    );
    assert!(record_text(&c, "a").await.contains("grad 6.0000"));
    save_screenshot(&c, "explorer-step.png").await;

    // A slider on a leaf changes its data; the program and the graph follow.
    js(&c, "const s = document.querySelector('.slider[data-name=\"a\"] input'); s.value = 3; s.dispatchEvent(new Event('input'));").await;
    // L = (3 * -3 + 10) * -2 = -2.
    wait_for(&c, "const r = document.querySelector('#graph .rec[data-name=\"L\"]'); return r && r.textContent.includes('data -2.0000')", "L after the slider").await;
    let program = js(&c, "return document.getElementById('program').value").await;
    assert!(program.as_str().unwrap().contains("a = 3.0"), "{program}");

    // The training view: play some steps; the boundary and the curves change.
    c.find(Locator::Css("#tab-training"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "return document.getElementById('s-step').textContent === '0' && tr.id !== null && tr.snapshot !== null", "a training session").await;
    let before = js(&c, "return document.getElementById('boundary').toDataURL()").await;
    save_screenshot(&c, "training-start.png").await;
    c.find(Locator::Css("#t-play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &c,
        "return Number(document.getElementById('s-step').textContent) >= 100",
        "100 training steps",
    )
    .await;
    c.find(Locator::Css("#t-play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "return tr.snapshot.playing === false", "the pause").await;
    let after = js(&c, "return document.getElementById('boundary').toDataURL()").await;
    assert_ne!(before, after, "the decision boundary is redrawn");
    let points = js(
        &c,
        "return Number(document.getElementById('chart-loss').dataset.points)",
    )
    .await;
    assert!(points.as_f64().unwrap() >= 100.0, "{points}");
    let polyline = js(&c, "return document.querySelector('#chart-loss polyline').getAttribute('points').split(' ').length").await;
    assert!(polyline.as_f64().unwrap() >= 100.0);
    let accuracy = js(&c, "return document.getElementById('s-acc').textContent").await;
    let accuracy: f64 = accuracy
        .as_str()
        .unwrap()
        .trim_end_matches(" %")
        .parse()
        .unwrap();
    assert!(accuracy > 90.0, "{accuracy}");
    let edges = js(
        &c,
        "return document.querySelectorAll('#network line').length",
    )
    .await;
    assert_eq!(
        edges,
        2 * 16 + 16 * 16 + 16,
        "one line per weight of the 2-16-16-1 network"
    );
    save_screenshot(&c, "training.png").await;

    // A reset goes back to step 0 and empty curves.
    c.find(Locator::Css("#t-reset"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &c,
        "return document.getElementById('s-step').textContent === '0'",
        "the reset",
    )
    .await;

    c.close().await.unwrap();
}

/// The notebook's neuron: o = tanh(x1*w1 + x2*w2 + b).
const NEURON: &str = "x1 = 2.0\nx2 = 0.0\nw1 = -3.0\nw2 = 1.0\nb = 6.8813735870195432\nx1w1 = x1*w1\nx2w2 = x2*w2\nx1w1x2w2 = x1w1 + x2w2\nn = x1w1x2w2 + b\no = tanh(n)\n";

async fn other_programs_and_settings_in_a_browser() {
    let server = Server::start();
    let (_driver, c, _profile) = start_browser().await;
    c.set_window_size(1440, 900).await.unwrap();
    // The page opens on the lesson; the explorer has its own address.
    c.goto(&format!("{}/#explorer", server.url()))
        .await
        .unwrap();
    wait_for(
        &c,
        "return document.querySelectorAll('#graph .rec').length === 7",
        "the starting graph",
    )
    .await;

    // The neuron: o = tanh(n) = 0.7071, do/dn = 1 - o² = 0.5, do/dw1 = x1 · 0.5 = 1.
    set_program(&c, NEURON).await;
    wait_for(&c, "const r = document.querySelector('#graph .rec[data-name=\"o\"]'); return r && r.textContent.includes('data 0.7071')", "the neuron").await;
    assert!(
        record_text(&c, "n").await.contains("grad 0.5000"),
        "{}",
        record_text(&c, "n").await
    );
    assert!(record_text(&c, "w1").await.contains("grad 1.0000"));
    assert!(record_text(&c, "x1").await.contains("grad -1.5000"));
    let step = c.find(Locator::Css("#bp-step")).await.unwrap();
    step.click().await.unwrap();
    step.click().await.unwrap();
    let rule = js(
        &c,
        "return document.getElementById('rule-body').textContent",
    )
    .await;
    assert!(
        rule.as_str()
            .unwrap()
            .contains("n.grad += (1 - o.data²) × o.grad"),
        "{rule}"
    );
    save_screenshot(&c, "explorer-neuron.png").await;

    // Other settings make a new session: the spiral with tanh and Adam.
    c.find(Locator::Css("#tab-training"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &c,
        "return tr.id !== null && tr.snapshot !== null",
        "a training session",
    )
    .await;
    let first = js(&c, "return tr.id").await;
    js(
        &c,
        "const f = document.getElementById('train-form');
         document.getElementById('t-dataset').value = 'spiral'; f.samples.value = 200; f.noise.value = 0.05; f.activation.value = 'tanh';
         f.optimizer.value = 'adam'; f.optimizer.dispatchEvent(new Event('input', {bubbles: true}));
         document.getElementById('t-speed').value = '16';
         document.getElementById('t-speed').dispatchEvent(new Event('change'));",
    )
    .await;
    wait_for(
        &c,
        &format!("return tr.id !== null && tr.id !== {first} && tr.points.length === 200"),
        "the spiral session",
    )
    .await;
    assert_eq!(
        js(&c, "return document.getElementById('t-lr').value").await,
        "0.05",
        "Adam's learning rate"
    );
    c.find(Locator::Css("#t-play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &c,
        "return Number(document.getElementById('s-step').textContent) >= 400",
        "400 steps on the spiral",
    )
    .await;
    c.find(Locator::Css("#t-play"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "return tr.snapshot.playing === false", "the pause").await;
    let accuracy = js(&c, "return tr.snapshot.accuracy")
        .await
        .as_f64()
        .unwrap();
    assert!(accuracy > 0.8, "the spiral is mostly learned: {accuracy}");
    save_screenshot(&c, "training-spiral.png").await;

    // A setting out of range is explained beside the form.
    js(&c, "const f = document.getElementById('train-form'); f.hidden.value = '64'; f.hidden.dispatchEvent(new Event('input', {bubbles: true}));").await;
    let message = wait_for(
        &c,
        "const e = document.getElementById('train-error'); return !e.hidden && e.textContent",
        "the error",
    )
    .await;
    assert!(message.as_str().unwrap().contains("neurons"), "{message}");
    c.close().await.unwrap();
}
