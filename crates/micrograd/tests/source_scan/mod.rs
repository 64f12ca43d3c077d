//! Reading Rust sources as text, just enough to see which top-level module each path names: code
//! without its comments, strings and characters (so that a doc comment's `crate::nn` link or a
//! message's text is not an import), then every `crate::…` path (and every `super::…` chain that
//! climbs to the crate's root), with its line. No parser crate: the test runs under plain
//! `cargo test`.

use std::collections::BTreeMap;

/// Where a path leaves its own module: the line and the first name after the crate's root.
#[derive(Debug, PartialEq, Eq)]
pub struct RootPath {
    /// The line, from 1.
    pub line: usize,
    /// The name right after `crate::` (or after the `super::` that reaches the root).
    pub name: String,
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `src` with every comment, string and character literal turned into spaces, line breaks kept,
/// so that positions and lines stay those of the file.
pub fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out: Vec<char> = c.clone();
    let blank = |out: &mut Vec<char>, from: usize, to: usize| {
        for ch in &mut out[from..to.min(c.len())] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
    };
    let at = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, ch)| c.get(i + k) == Some(&ch))
    };
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        if at(i, "//") {
            let end = (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len());
            blank(&mut out, i, end);
            i = end;
        } else if at(i, "/*") {
            // Block comments nest in Rust.
            let (mut depth, mut k) = (1, i + 2);
            while k < c.len() && depth > 0 {
                if at(k, "/*") {
                    depth += 1;
                    k += 2;
                } else if at(k, "*/") {
                    depth -= 1;
                    k += 2;
                } else {
                    k += 1;
                }
            }
            blank(&mut out, i, k);
            i = k;
        } else if c[i] == 'r'
            && (!prev_ident || (c[i - 1] == 'b' && (i < 2 || !is_ident(c[i - 2]))))
            && matches!(c.get(i + 1), Some('"') | Some('#'))
        {
            let hashes = (i + 1..c.len()).take_while(|&k| c[k] == '#').count();
            let open = i + 1 + hashes;
            if c.get(open) != Some(&'"') {
                i += 1;
                continue;
            }
            let close = format!("\"{}", "#".repeat(hashes));
            let end = (open + 1..c.len())
                .find(|&k| at(k, &close))
                .map_or(c.len(), |k| k + close.chars().count());
            blank(&mut out, i, end);
            i = end;
        } else if c[i] == '"' {
            let mut k = i + 1;
            while k < c.len() && c[k] != '"' {
                k += if c[k] == '\\' { 2 } else { 1 };
            }
            blank(&mut out, i, k + 1);
            i = k + 1;
        } else if c[i] == '\''
            && (!prev_ident || (c[i - 1] == 'b' && (i < 2 || !is_ident(c[i - 2]))))
        {
            // A character ('x', '\n', '\u{7f}'), or a lifetime ('a), which is code.
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 2..c.len()).find(|&k| c[k] == '\'').map(|k| k + 1)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, i, end);
                    i = end;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// For each position of `code`, how many inline modules (`mod tests { … }`) enclose it.
fn inline_module_depths(code: &[char]) -> Vec<usize> {
    let mut depths = Vec::with_capacity(code.len());
    let mut stack: Vec<bool> = Vec::new();
    for (i, &ch) in code.iter().enumerate() {
        match ch {
            '{' => stack.push(opens_module(&code[..i])),
            '}' => {
                stack.pop();
            }
            _ => {}
        }
        depths.push(stack.iter().filter(|&&m| m).count());
    }
    depths
}

/// Whether the code before a `{` ends in `mod NAME`.
fn opens_module(before: &[char]) -> bool {
    let text: String = before[before.len().saturating_sub(200)..].iter().collect();
    let text = text.trim_end();
    let name_start = text.trim_end_matches(is_ident);
    if name_start.len() == text.len() {
        return false;
    }
    let keyword = name_start.trim_end();
    keyword.ends_with("mod")
        && keyword.len() < name_start.len()
        && !keyword[..keyword.len() - 3].ends_with(is_ident)
}

/// Reads an identifier at `i` (after white space), returning it and the position after it.
fn ident_at(code: &[char], i: usize) -> Option<(String, usize)> {
    let start = skip_space(code, i);
    let end = (start..code.len())
        .find(|&k| !is_ident(code[k]))
        .unwrap_or(code.len());
    (end > start).then(|| (code[start..end].iter().collect(), end))
}

fn skip_space(code: &[char], mut i: usize) -> usize {
    while i < code.len() && code[i].is_whitespace() {
        i += 1;
    }
    i
}

/// The position after `::` at `i` (after white space), if it is there.
fn colons_at(code: &[char], i: usize) -> Option<usize> {
    let k = skip_space(code, i);
    (code.get(k) == Some(&':') && code.get(k + 1) == Some(&':')).then_some(k + 2)
}

/// The names a path reaches after the crate's root at `i`: one name, or each item's first name
/// of a group `{a::b, c}`.
fn names_after_root(code: &[char], i: usize, line_of: &dyn Fn(usize) -> usize) -> Vec<RootPath> {
    let k = skip_space(code, i);
    if code.get(k) != Some(&'{') {
        return ident_at(code, k)
            .map(|(name, _)| RootPath {
                line: line_of(k),
                name,
            })
            .into_iter()
            .collect();
    }
    let (mut found, mut depth, mut item_start) = (Vec::new(), 0usize, true);
    for p in k..code.len() {
        match code[p] {
            '{' => {
                depth += 1;
                item_start = depth == 1;
                continue;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                item_start = true;
                continue;
            }
            c if item_start && is_ident(c) => {
                if let Some((name, _)) = ident_at(code, p) {
                    if name != "self" {
                        found.push(RootPath {
                            line: line_of(p),
                            name,
                        });
                    }
                }
            }
            _ => {}
        }
        if !code[p].is_whitespace() {
            item_start = false;
        }
    }
    found
}

/// Every path in `src` that starts at the crate's root: `crate::x` (also `$crate::x` in a macro),
/// and `super::…::x` with as many `super`s as the file is deep (`depth`: 1 for `loss.rs` or
/// `nn/mod.rs`, 2 for `nn/mlp.rs`) plus the inline modules around it.
pub fn root_paths(src: &str, depth: usize) -> Vec<RootPath> {
    let code: Vec<char> = code_only(src).chars().collect();
    let line_starts: Vec<usize> = (0..code.len()).filter(|&k| code[k] == '\n').collect();
    let line_of = |pos: usize| line_starts.partition_point(|&nl| nl < pos) + 1;
    let inline = inline_module_depths(&code);
    let mut found = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let Some((word, end)) = (is_ident(code[i]) && (i == 0 || !is_ident(code[i - 1])))
            .then(|| ident_at(&code, i))
            .flatten()
        else {
            i += 1;
            continue;
        };
        let mut before = code[..i].iter().rev().skip_while(|c| c.is_whitespace());
        let path_start = !(before.next() == Some(&':') && before.next() == Some(&':'));
        match word.as_str() {
            "crate" if path_start => {
                if let Some(after) = colons_at(&code, end) {
                    found.extend(names_after_root(&code, after, &line_of));
                }
            }
            "super" if path_start => {
                let (mut supers, mut after) = (0, end);
                while let Some(next) = colons_at(&code, after) {
                    supers += 1;
                    match ident_at(&code, next) {
                        Some((w, e)) if w == "super" => after = e,
                        _ => {
                            after = next;
                            break;
                        }
                    }
                }
                if supers > 0 && supers >= depth + inline[i] {
                    found.extend(names_after_root(&code, after, &line_of));
                }
            }
            _ => {}
        }
        i = end;
    }
    found
}

/// The modules a crate's root file declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
pub fn declared_modules(root_src: &str) -> Vec<String> {
    let code = code_only(root_src);
    code.split(';')
        .filter_map(|statement| {
            let words: Vec<&str> = statement.split_whitespace().collect();
            match words.as_slice() {
                [.., "mod", name] if name.chars().all(is_ident) => Some(name.to_string()),
                _ => None,
            }
        })
        .collect()
}

/// The names a crate's root re-exports, each with the module it comes from: `pub use graph::{Graph,
/// Value};` gives `Graph` and `Value` from `graph`.
pub fn root_exports(root_src: &str) -> BTreeMap<String, String> {
    let code = code_only(root_src);
    let mut exports = BTreeMap::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let words: Vec<&str> = rest
            .split(|c: char| !is_ident(c))
            .filter(|w| !w.is_empty())
            .collect();
        if let [module, names @ ..] = words.as_slice() {
            for name in names.iter().filter(|&&n| n != "self" && n != "as") {
                exports.insert(name.to_string(), module.to_string());
            }
        }
    }
    exports
}
