//! Module layers of the library: which top-level module may use which.
//!
//! Reads `src/**/*.rs` as text (no compiler involved), finds every reference from one
//! top-level module to another (`crate::x`, `use crate::{a, b::c}` groups, inline
//! `crate::x::y` paths, and `super::` chains that climb to the crate root), and checks
//! that the module graph has no cycle and that every arrow points down the layer table.
//! `src/bin`, `src/wasm.rs` and `src/wasm_whatif.rs` are front ends and are not part of the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The layer table, lowest first. A module may use modules of its own layer or of a lower
/// one, never of a higher one; within one layer the arrows must still be acyclic. Every
/// top-level module declared in `src/lib.rs` must appear here: a new module has to be
/// placed in a layer before this test passes.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundations", &["rng", "display", "amm", "data"]),
    ("models", &["reward", "market", "mdp"]),
    ("learning", &["ml", "learn"]),
    ("analysis", &["analysis"]),
    ("run", &["params", "config", "session"]),
    ("charts", &["charts"]),
];

/// Front ends: declared in `src/lib.rs` but outside the graph.
const FRONT_ENDS: &[&str] = &["wasm", "wasm_whatif"];

/// Where one module refers to another.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Site {
    file: String,
    line: usize,
}

/// from → to → every place the reference occurs.
type Graph = BTreeMap<String, BTreeMap<String, Vec<Site>>>;

/// Position (layer index, layer name) of `module` in the table.
fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, ms))| ms.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

/// Source with comments removed and the contents of string and char literals blanked,
/// newlines kept so that byte offsets still map to the original lines.
fn clean(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(if b[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_char(prev(&b, i)) {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain((0..hashes).map(|_| '#'))
                .collect();
            let closing: Vec<char> = closing.chars().collect();
            for _ in i..=j {
                out.push(' ');
            }
            i = j + 1;
            while i < b.len() && !b[i..].starts_with(&closing) {
                out.push(if b[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            for _ in 0..closing.len().min(b.len() - i) {
                out.push(' ');
            }
            i += closing.len();
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(if b[i] == '\n' { '\n' } else { ' ' });
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (b.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // Char literal ('x' or '\n', '\u{..}'); lifetimes ('a) have no closing quote.
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '\'' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn prev(b: &[char], i: usize) -> char {
    if i == 0 {
        ' '
    } else {
        b[i - 1]
    }
}

fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads an identifier starting at `i` (after skipping whitespace); returns it and the
/// index after it.
fn ident_at(s: &[char], mut i: usize) -> (String, usize) {
    while i < s.len() && s[i].is_whitespace() {
        i += 1;
    }
    let start = i;
    while i < s.len() && ident_char(s[i]) {
        i += 1;
    }
    (s[start..i].iter().collect(), i)
}

/// First path segment of each item of a `{a, b::c, d::{e, f}}` group starting at `open`
/// (the index of `{`).
fn group_heads(s: &[char], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    let mut i = open;
    while i < s.len() {
        match s[i] {
            '{' => {
                depth += 1;
                i += 1;
                if depth == 1 {
                    expect_head = true;
                }
            }
            '}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                expect_head = true;
                i += 1;
            }
            c if depth == 1 && expect_head && ident_char(c) => {
                let (name, j) = ident_at(s, i);
                heads.push(name);
                expect_head = false;
                i = j;
            }
            _ => i += 1,
        }
    }
    heads
}

/// Inline `mod name { … }` blocks: (name, start, end) character ranges.
fn inline_mods(s: &[char]) -> Vec<(String, usize, usize)> {
    let mut mods = Vec::new();
    let mut i = 0;
    while i + 3 < s.len() {
        if s[i..].starts_with(&['m', 'o', 'd'])
            && !ident_char(prev(s, i))
            && s.get(i + 3).is_some_and(|c| c.is_whitespace())
        {
            let (name, mut j) = ident_at(s, i + 3);
            while j < s.len() && s[j].is_whitespace() {
                j += 1;
            }
            if !name.is_empty() && s.get(j) == Some(&'{') {
                let mut depth = 0;
                let mut k = j;
                while k < s.len() {
                    if s[k] == '{' {
                        depth += 1;
                    } else if s[k] == '}' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    k += 1;
                }
                mods.push((name, j, k));
            }
        }
        i += 1;
    }
    mods
}

/// Top-level modules referenced by one file's source, with their line numbers. `path` is
/// the file's module path below the crate root (e.g. `["data", "volume"]`).
fn references(src: &str, path: &[String]) -> Vec<(String, usize)> {
    let s: Vec<char> = clean(src).chars().collect();
    let line_at = |i: usize| 1 + s[..i].iter().filter(|&&c| c == '\n').count();
    let mods = inline_mods(&s);
    let mut out = Vec::new();
    let mut push = |names: Vec<String>, at: usize| {
        for n in names {
            if !n.is_empty() && n != "self" {
                out.push((n, line_at(at)));
            }
        }
    };
    let mut i = 0;
    while i < s.len() {
        let after_path_sep = i >= 2 && s[i - 2..i] == [':', ':'];
        let at_path_start = !(ident_char(prev(&s, i)) || after_path_sep);
        if at_path_start && s[i..].starts_with(&['c', 'r', 'a', 't', 'e', ':', ':']) {
            let j = i + 7;
            if s.get(j) == Some(&'{') {
                push(group_heads(&s, j), i);
            } else {
                push(vec![ident_at(&s, j).0], i);
            }
            i = j;
        } else if at_path_start && s[i..].starts_with(&['s', 'u', 'p', 'e', 'r', ':', ':']) {
            // Module path at this point: the file's path plus enclosing inline modules.
            let mut here: Vec<String> = path.to_vec();
            let mut inner: Vec<&(String, usize, usize)> =
                mods.iter().filter(|(_, a, b)| *a < i && i < *b).collect();
            inner.sort_by_key(|(_, a, _)| *a);
            here.extend(inner.iter().map(|(n, _, _)| n.clone()));
            let mut j = i;
            while s[j..].starts_with(&['s', 'u', 'p', 'e', 'r', ':', ':']) {
                here.pop();
                j += 7;
            }
            if here.is_empty() {
                // Climbed to the crate root: the next segment names a top-level module.
                if s.get(j) == Some(&'{') {
                    push(group_heads(&s, j), i);
                } else {
                    push(vec![ident_at(&s, j).0], i);
                }
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level modules declared in `src/lib.rs`, front ends excluded.
fn declared_modules(lib_rs: &str) -> Vec<String> {
    clean(lib_rs)
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            let name = l.strip_prefix("mod ")?.strip_suffix(';')?.trim();
            Some(name.to_string())
        })
        .filter(|m| !FRONT_ENDS.contains(&m.as_str()))
        .collect()
}

/// Builds the module graph of the crate at `root`.
fn crate_graph(root: &Path) -> (Vec<String>, Graph) {
    let src = root.join("src");
    let modules = declared_modules(&fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    let mut graph: Graph = modules
        .iter()
        .map(|m| (m.clone(), BTreeMap::new()))
        .collect();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let parts: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let Some(top) = parts.first() else { continue };
        if top == "bin" || top == "lib" || FRONT_ENDS.contains(&top.as_str()) {
            continue;
        }
        // Module path: src/a/mod.rs → [a]; src/a/b.rs → [a, b]; src/a.rs → [a].
        let mut path = parts.clone();
        if path.last().is_some_and(|l| l == "mod") {
            path.pop();
        }
        let text = fs::read_to_string(&f).unwrap();
        let display = format!("src/{}", rel.to_string_lossy().replace('\\', "/"));
        for (to, line) in references(&text, &path) {
            if &to == top {
                continue;
            }
            graph
                .entry(top.clone())
                .or_default()
                .entry(to)
                .or_default()
                .push(Site {
                    file: display.clone(),
                    line,
                });
        }
    }
    (modules, graph)
}

/// One cycle of the graph (its nodes in order, first repeated at the end), if any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    // 0 = unvisited, 1 = on the DFS stack, 2 = done.
    fn visit(
        n: &str,
        graph: &Graph,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph
            .get(n)
            .map(|e| e.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            match state.get(&m).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|x| *x == m).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(m);
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(&m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    let mut stack = Vec::new();
    for n in graph.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

fn sites(graph: &Graph, from: &str, to: &str) -> String {
    graph[from][to]
        .iter()
        .map(|s| format!("{}:{}", s.file, s.line))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every problem with the graph, one message per line; empty when it is layered.
fn problems(modules: &[String], graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    let known: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|e| e.keys()))
        .collect();
    for m in known
        .iter()
        .filter(|m| modules.contains(m) || graph.contains_key(m.as_str()))
    {
        if layer_of(m).is_none() {
            out.push(format!(
                "module `{m}` is not in the layer table of tests/layers.rs: place it in a layer"
            ));
        }
    }
    for (from, edges) in graph {
        for to in edges.keys() {
            if !modules.contains(to) {
                out.push(format!(
                    "{from} → {to}: `{to}` is not a top-level module of src/lib.rs ({})",
                    sites(graph, from, to)
                ));
                continue;
            }
            if let (Some((lf, nf)), Some((lt, nt))) = (layer_of(from), layer_of(to)) {
                if lt > lf {
                    out.push(format!(
                        "layer violation: {from} ({nf}) → {to} ({nt}) points up ({})",
                        sites(graph, from, to)
                    ));
                }
            }
        }
    }
    if let Some(cycle) = find_cycle(graph) {
        let mut msg = format!("cycle: {}", cycle.join(" → "));
        for w in cycle.windows(2) {
            msg.push_str(&format!(
                "\n    {} → {}: {}",
                w[0],
                w[1],
                sites(graph, &w[0], &w[1])
            ));
        }
        out.push(msg);
    }
    out
}

#[test]
fn modules_respect_the_layer_table() {
    let (modules, graph) = crate_graph(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        modules.len() >= 5,
        "found too few modules in src/lib.rs: {modules:?}"
    );
    let problems = problems(&modules, &graph);
    assert!(
        problems.is_empty(),
        "module layering (table at the top of tests/layers.rs):\n  {}",
        problems.join("\n  ")
    );
}

// Checks of the checker itself, on synthetic inputs.

fn graph_of(edges: &[(&str, &str)]) -> (Vec<String>, Graph) {
    let mut g: Graph = BTreeMap::new();
    let mut modules = BTreeSet::new();
    for (a, b) in edges {
        modules.insert(a.to_string());
        modules.insert(b.to_string());
        g.entry(b.to_string()).or_default();
        g.entry(a.to_string())
            .or_default()
            .entry(b.to_string())
            .or_default()
            .push(Site {
                file: format!("src/{a}.rs"),
                line: 1,
            });
    }
    (modules.into_iter().collect(), g)
}

#[test]
fn synthetic_layered_graph_passes() {
    let (m, g) = graph_of(&[
        ("session", "learn"),
        ("learn", "mdp"),
        ("mdp", "amm"),
        ("market", "reward"),
    ]);
    assert_eq!(find_cycle(&g), None);
    assert_eq!(problems(&m, &g), Vec::<String>::new());
}

#[test]
fn synthetic_cycle_and_upward_arrow_fail() {
    let (m, g) = graph_of(&[("reward", "market"), ("market", "mdp"), ("mdp", "reward")]);
    let c = find_cycle(&g).expect("cycle");
    assert_eq!(c.first(), c.last());
    assert_eq!(c.len(), 4);
    let p = problems(&m, &g);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("src/mdp.rs:1"), "{p:?}");

    let (m, g) = graph_of(&[("amm", "charts"), ("widgets", "amm")]);
    let p = problems(&m, &g).join("\n");
    assert!(p.contains("amm (foundations) → charts (charts)"), "{p}");
    assert!(p.contains("`widgets` is not in the layer table"), "{p}");
}

#[test]
fn references_are_parsed() {
    let src = "use crate::{amm::{self, Side}, rng};\n\
               // crate::charts in a comment\n\
               fn f() { let s = \"crate::session\"; crate::mdp::x(); }\n\
               use super::super::reward::Fit;\n\
               use super::sibling;\n\
               mod tests { use super::*; use super::super::super::market; }\n";
    let path = vec!["data".to_string(), "volume".to_string()];
    let got: Vec<(String, usize)> = references(src, &path);
    let want: Vec<(String, usize)> = [
        ("amm", 1),
        ("rng", 1),
        ("mdp", 3),
        ("reward", 4),
        ("market", 6),
    ]
    .iter()
    .map(|(m, l)| (m.to_string(), *l))
    .collect();
    assert_eq!(got, want);
    // In src/a/mod.rs (path [a]) one `super::` already reaches the crate root.
    let got = references("use super::ml::x;", &["data".to_string()]);
    assert_eq!(got, vec![("ml".to_string(), 1)]);
}
