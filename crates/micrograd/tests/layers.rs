//! The code's layers hold: each top-level module of the library imports only the modules before it
//! in reading order (so the crate reads top to bottom and has no import cycle), the Python crate's
//! files likewise, and no Rust file of the three crates (sources, tests, examples, benchmarks) is
//! over 500 lines.
//!
//! These are the invariants `docs/ARCHITECTURE.md` states; the orders below are the ones it lists.
//! The sources are read as text (see `source_scan`), so the test needs no tool beyond `cargo test`.

mod source_scan;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use source_scan::{declared_modules, root_exports, root_paths, RootPath};

/// The library's top-level modules in reading order: each may use only those before it. `lib.rs`
/// may re-export anything.
const LIBRARY_ORDER: &[&str] = &[
    "op",
    "hints",
    "tape",
    "graph",
    "backward",
    "speed",
    "backprop",
    "rng",
    "nn",
    "loss",
    "optim",
    "data",
    "train",
    "io",
    "session",
    "expr",
    "draw",
    "gradcheck",
];

/// The Python crate's files in reading order (its `lib.rs` comes last and may use every one).
const PYTHON_ORDER: &[&str] = &["tape", "convert", "value", "custom", "ops", "nn", "draw"];

/// The most lines a source file may have before it is split by idea.
const MAX_LINES: usize = 500;

/// Files over the limit whose split is under way, each allowed the length it has and no more
/// while it lasts. Remove an entry when its file is split.
const BEING_SPLIT: &[(&str, usize)] = &[];

/// The repository's root.
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file below `dir`, sorted, as paths relative to `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()))
        {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file of `src/` belongs to (`nn/mlp.rs` → `nn`, `loss.rs` → `loss`), and
/// how deep it is (`nn/mlp.rs` 2, `nn/mod.rs` and `loss.rs` 1).
fn module_of(file: &Path) -> (String, usize) {
    let parts: Vec<String> = file
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let depth = if parts.last().is_some_and(|p| p == "mod") {
        parts.len() - 1
    } else {
        parts.len()
    };
    (parts[0].clone(), depth)
}

/// What is wrong with the imports of the crate at `crate_dir` (relative to the repository) given
/// `order`: each upward path with its file and line, and any module `order` does not place.
fn upward_imports(crate_dir: &str, order: &[&str]) -> Vec<String> {
    let src = repo().join(crate_dir).join("src");
    let root = fs::read_to_string(src.join("lib.rs")).expect("the crate has a lib.rs");
    let exports = root_exports(&root);
    let declared: BTreeSet<String> = declared_modules(&root).into_iter().collect();
    let ordered: BTreeSet<String> = order.iter().map(|m| m.to_string()).collect();
    let mut problems = Vec::new();
    for missing in declared.difference(&ordered) {
        problems.push(format!(
            "{crate_dir}/src/lib.rs declares `mod {missing}`, which the order does not place: \
             add it to the order in crates/micrograd/tests/layers.rs after the modules it uses"
        ));
    }
    for gone in ordered.difference(&declared) {
        problems.push(format!(
            "the order names `{gone}`, which {crate_dir}/src/lib.rs does not declare: remove it"
        ));
    }
    let rank = |m: &str| order.iter().position(|o| *o == m);
    for file in rust_files(&src) {
        if file == Path::new("lib.rs") {
            continue;
        }
        let (module, depth) = module_of(&file);
        let Some(own) = rank(&module) else { continue };
        let text = fs::read_to_string(src.join(&file)).unwrap();
        for RootPath { line, name } in root_paths(&text, depth) {
            let target = if rank(&name).is_some() {
                name.clone()
            } else if let Some(from) = exports.get(&name) {
                from.clone()
            } else {
                problems.push(format!(
                    "{crate_dir}/src/{}:{line}: `crate::{name}` is neither a module nor a name \
                     lib.rs re-exports, so its layer is unknown: name the module it is in",
                    file.display()
                ));
                continue;
            };
            if rank(&target).is_some_and(|t| t > own) {
                problems.push(format!(
                    "{crate_dir}/src/{}:{line}: `{module}` uses `crate::{name}`, from `{target}`, \
                     which comes after `{module}`",
                    file.display()
                ));
            }
        }
    }
    problems
}

/// The message of a failed layer check: the problems, then the rule and how to keep it.
fn explain(problems: &[String], order: &[&str]) -> String {
    format!(
        "{} import(s) break the layers:\n  {}\n\nThe rule: the modules read in this order, and each \
         may use only those before it (the crate's lib.rs may use them all):\n  {}\n\
         A module that needs a later one is in the wrong place: move the code up beside what it \
         needs, or let the later module hand it plain data (numbers, slices) instead.",
        problems.len(),
        problems.join("\n  "),
        order.join(" → ")
    )
}

#[test]
fn each_library_module_imports_only_the_modules_before_it() {
    let problems = upward_imports("crates/micrograd", LIBRARY_ORDER);
    assert!(problems.is_empty(), "{}", explain(&problems, LIBRARY_ORDER));
}

#[test]
fn each_python_crate_file_imports_only_the_files_before_it() {
    let problems = upward_imports("crates/micrograd-py", PYTHON_ORDER);
    assert!(problems.is_empty(), "{}", explain(&problems, PYTHON_ORDER));
}

#[test]
fn no_rust_file_is_over_500_lines() {
    let mut too_long = Vec::new();
    for krate in [
        "crates/micrograd",
        "crates/micrograd-cli",
        "crates/micrograd-py",
    ] {
        for part in ["src", "tests", "examples", "benches"] {
            let dir = repo().join(krate).join(part);
            if !dir.is_dir() {
                continue;
            }
            for file in rust_files(&dir) {
                let path = format!("{krate}/{part}/{}", file.display());
                let lines = fs::read_to_string(dir.join(&file)).unwrap().lines().count();
                let allowed = BEING_SPLIT
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map_or(MAX_LINES, |&(_, n)| n);
                if lines > allowed {
                    too_long.push(format!("{path}: {lines} lines (at most {allowed})"));
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "Rust files over {MAX_LINES} lines:\n  {}\nA file that long holds more than one idea: split \
         it into files of one idea each (a type, a task), as nn/ or session/ are split, so that a \
         reader can find a thing by its file's name.",
        too_long.join("\n  ")
    );
}

// The checks above are only as good as the reading of the sources: these show it finds what it
// must and nothing else.

#[test]
fn comments_strings_and_characters_are_not_code() {
    let src = "/// see [`crate::nn::MLP`]\nlet s = \"crate::nn\"; /* crate::nn /* nested */ crate::nn */\n\
               let r = r#\"crate::\"nn\"#; let c = '\"'; let l: &'static str = \"\";\nuse crate::op::Op;\n";
    let found = root_paths(src, 1);
    assert_eq!(
        found,
        vec![RootPath {
            line: 4,
            name: "op".into()
        }]
    );
}

#[test]
fn grouped_imports_macros_and_paths_in_code_are_seen() {
    let src = "use crate::{\n    data::Dataset,\n    nn::{Layer, MLP},\n    Graph,\n};\n\
               fn f() { let m = crate::train::Trainer::new(); $crate::speed::x!(); }\npub(crate) fn g() {}\n";
    let names: Vec<(usize, String)> = root_paths(src, 1)
        .into_iter()
        .map(|p| (p.line, p.name))
        .collect();
    let expected = [
        (2, "data"),
        (3, "nn"),
        (4, "Graph"),
        (6, "train"),
        (6, "speed"),
    ];
    assert_eq!(
        names,
        expected.map(|(l, n)| (l, n.to_string())).to_vec(),
        "a group gives each item's first name; `pub(crate)` is no path"
    );
}

#[test]
fn super_counts_only_when_it_climbs_to_the_root() {
    // In nn/mlp.rs (depth 2), `super::` is nn and `super::super::` the root; an inline `mod tests`
    // adds one level.
    let src = "use super::layer::Layer;\nuse super::super::rng::Rng;\n\
               mod tests {\n    use super::super::Layer;\n    use super::super::super::io::x;\n}\n";
    let names: Vec<(usize, String)> = root_paths(src, 2)
        .into_iter()
        .map(|p| (p.line, p.name))
        .collect();
    assert_eq!(names, vec![(2, "rng".into()), (5, "io".into())]);
}

#[test]
fn the_root_file_gives_modules_and_re_exports() {
    let root = "//! docs: mod fake;\nmod backward;\n#[cfg(feature = \"serde\")]\npub mod io;\n\
                pub(crate) mod tape;\npub use graph::{Graph, Value};\npub use op::Op;\n";
    assert_eq!(declared_modules(root), vec!["backward", "io", "tape"]);
    let exports = root_exports(root);
    assert_eq!(exports.get("Value").map(String::as_str), Some("graph"));
    assert_eq!(exports.get("Op").map(String::as_str), Some("op"));
}
