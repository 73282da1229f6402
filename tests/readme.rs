//! The README's parameter table is the registry's (`damm::config::params::markdown_table`):
//! a parameter added, renamed or re-ranged in the registry must show up in the README.

#[test]
fn readme_parameter_table_matches_the_registry() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let (start, end) = ("<!-- params:start -->\n", "<!-- params:end -->");
    let a = readme.find(start).expect("params:start marker") + start.len();
    let b = readme.find(end).expect("params:end marker");
    let expected = damm::config::params::markdown_table();
    assert!(
        readme[a..b] == expected,
        "README parameter table is out of date; regenerate it with scripts/readme-params:\n{expected}"
    );
}
