//! The repository is self-contained: no comment or document points at material a person who
//! clones it does not have, and every `docs/<file>.md §N` citation resolves.
//!
//! Scans the text files under src/, tests/, www/ (not www/pkg, www/data, node_modules),
//! scripts/ and docs/, plus README.md and data/README.md.

use std::fs;
use std::path::{Path, PathBuf};

/// Strings that point outside the repository. Built from pieces so that this file does not
/// match itself.
fn forbidden() -> Vec<String> {
    let sh = "shared";
    vec![
        format!("../{sh}"),
        format!("{sh}/reference"),
        format!("{sh}/notes"),
        format!("{sh}/data"),
        format!("{sh}/design"),
        format!("/{}/", "work"),
        format!("{} §", "spec"),
        format!("{} note", "modeling"),
    ]
}

const SKIP_DIRS: &[&str] = &["www/pkg", "www/data", "node_modules", "target"];

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if p.is_dir() {
            if !SKIP_DIRS
                .iter()
                .any(|s| rel == *s || rel.ends_with(&format!("/{s}")))
            {
                collect(root, &p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// (path relative to the root, contents) of every scanned text file.
fn text_files(root: &Path) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    for d in ["src", "tests", "www", "scripts", "docs"] {
        collect(root, &root.join(d), &mut paths);
    }
    paths.push(root.join("README.md"));
    paths.push(root.join("data/README.md"));
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            // Binary files (images) are not UTF-8 and are skipped.
            let text = fs::read_to_string(&p).ok()?;
            Some((rel, text))
        })
        .collect()
}

/// `file:line: pattern` for every forbidden string; this file itself is skipped.
fn outside_references(files: &[(String, String)]) -> Vec<String> {
    let patterns = forbidden();
    let mut found = Vec::new();
    for (rel, text) in files {
        if rel == "tests/self_contained.rs" {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            for p in &patterns {
                if line.contains(p.as_str()) {
                    found.push(format!("{rel}:{}: `{p}` in: {}", i + 1, line.trim()));
                }
            }
        }
    }
    found
}

/// Every `docs/<name>.md` in `text`, with the section number that follows it (`§N`), if any.
fn doc_citations(text: &str) -> Vec<(String, Option<u32>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("docs/") {
        let after = &rest[i + 5..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let tail = &after[name.len()..];
        if !name.is_empty() && tail.starts_with(".md") {
            let section = tail[3..]
                .strip_prefix(" §")
                .map(|s| {
                    s.chars()
                        .take_while(|c| c.is_ascii_digit())
                        .collect::<String>()
                })
                .and_then(|n| n.parse().ok());
            out.push((format!("docs/{name}.md"), section));
        }
        rest = after;
    }
    out
}

/// Whether `doc` has section `n`: a heading `## n.` or a numbered item `n. `.
fn has_section(doc: &str, n: u32) -> bool {
    doc.lines()
        .any(|l| l.starts_with(&format!("## {n}.")) || l.starts_with(&format!("{n}. ")))
}

/// `file:line: problem` for every citation of a missing doc or section.
fn broken_citations(root: &Path, files: &[(String, String)]) -> Vec<String> {
    let mut broken = Vec::new();
    for (rel, text) in files {
        let cites =
            rel.starts_with("src/") || rel.starts_with("tests/") || rel.ends_with("README.md");
        if !cites || rel == "tests/self_contained.rs" {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            for (doc, section) in doc_citations(line) {
                // data/README.md cites ../docs/, which is the same file from the root.
                match fs::read_to_string(root.join(&doc)) {
                    Err(_) => broken.push(format!("{rel}:{}: {doc} does not exist", i + 1)),
                    Ok(d) => {
                        if let Some(n) = section.filter(|&n| !has_section(&d, n)) {
                            broken.push(format!("{rel}:{}: {doc} has no §{n}", i + 1));
                        }
                    }
                }
            }
        }
    }
    broken
}

#[test]
fn no_references_outside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = text_files(root);
    assert!(
        files.iter().any(|(p, _)| p == "src/lib.rs"),
        "scan found no sources"
    );
    let found = outside_references(&files);
    assert!(
        found.is_empty(),
        "references to material outside the repository (cite docs/ instead):\n  {}",
        found.join("\n  ")
    );
}

#[test]
fn every_cited_doc_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = text_files(root);
    let cited = files
        .iter()
        .filter(|(p, t)| p.starts_with("src/") && t.contains("docs/"))
        .count();
    assert!(
        cited > 0,
        "no docs/ citation found in src/: the scan is broken"
    );
    let broken = broken_citations(root, &files);
    assert!(
        broken.is_empty(),
        "broken docs/ citations:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn the_checks_catch_planted_citations() {
    let planted = [(
        "src/x.rs".to_string(),
        format!(
            "ok\n// see {}/{}/drift-amm.md ({} §3)\n// docs/nowhere.md §1\n",
            "shared", "reference", "spec"
        ),
    )];
    let found = outside_references(&planted);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("src/x.rs:2:"), "{found:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let broken = broken_citations(root, &planted);
    assert_eq!(
        broken,
        vec!["src/x.rs:3: docs/nowhere.md does not exist".to_string()]
    );
    let bad_section = [(
        "src/y.rs".to_string(),
        "// docs/modeling.md §99\n".to_string(),
    )];
    assert_eq!(
        broken_citations(root, &bad_section),
        vec!["src/y.rs:1: docs/modeling.md has no §99"]
    );
}
