//! Fuzz target: any text given to the expression language is parsed, and if it parses, evaluated,
//! backpropagated, printed as JSON and drawn as DOT, without a panic; a mistake renders its report.

#![no_main]

use libfuzzer_sys::fuzz_target;
use micrograd::{draw, expr, Graph};

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match expr::parse(source) {
        Ok(program) => {
            let g = Graph::new();
            let run = program.eval(&g).expect("a parsed program evaluates");
            run.backward();
            let _ = run.to_json();
            let _ = draw::to_dot(run.output());
        }
        Err(e) => {
            let report = e.render("fuzz", source);
            assert!(report.contains('^'));
        }
    }
});
