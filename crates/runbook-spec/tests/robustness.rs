//! No input makes the loader panic or hang.
//!
//! The valid runbooks (`runbooks/` and `tests/fixtures/valid/` at the repository root) are
//! mutated deterministically (a seeded xorshift generator: delete, duplicate, swap and indent
//! lines, insert random bytes and YAML punctuation, truncate) and each mutant goes through
//! `load_str`, which must return; every diagnostic of a parsed file must point inside it, and
//! rendering must work. Then the classic attacks: an alias bomb, 100,000 levels of flow and of
//! block nesting, and deeply nested templates, each of which must fail cleanly. Everything is
//! bounded by input size and case count, never by time.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use runbook_spec::{LoadFailure, load_str};

/// Mutants tried; each runs the whole pipeline, so this stays a few seconds in debug builds.
const CASES: usize = 2_000;

/// xorshift64*: tiny, deterministic and good enough to pick lines and bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["runbooks", "tests/fixtures/valid"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("read corpus directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read runbook");
            (p.display().to_string(), text)
        })
        .collect()
}

/// Characters that change YAML structure, plus a few that stress the scanner.
const PUNCT: &[&str] = &[
    ":", "-", "[", "]", "{", "}", ",", "&a", "*a", "!", "!!str", "|", ">", "'", "\"", "%", "@",
    "`", "#", "\t", "\n", "\r", "---", "...", "? ", "<<: *a", "{{", "}}", "\u{feff}", "\u{0}", "é",
    "𝄞",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    for _ in 0..=rng.below(3) {
        let n = lines.len();
        match rng.below(9) {
            0 if n > 1 => {
                lines.remove(rng.below(n));
            }
            1 => {
                let i = rng.below(n);
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let (a, b) = (rng.below(n), rng.below(n));
                lines.swap(a, b);
            }
            3 => {
                let i = rng.below(n);
                let pad = " ".repeat(rng.below(5));
                lines[i] = format!("{pad}{}", lines[i]);
            }
            4 => {
                let i = rng.below(n);
                lines[i] = lines[i].trim_start().to_string();
            }
            5 | 6 => {
                let i = rng.below(n);
                let line = &lines[i];
                let cut = floor_char_boundary(line, rng.below(line.len() + 1));
                let p = PUNCT[rng.below(PUNCT.len())];
                lines[i] = format!("{}{p}{}", &line[..cut], &line[cut..]);
            }
            7 => {
                // Random bytes, made into text the way a reader of bad input would.
                let i = rng.below(n);
                let bytes: Vec<u8> = (0..1 + rng.below(8)).map(|_| rng.next() as u8).collect();
                let junk = String::from_utf8_lossy(&bytes).into_owned();
                let line = &lines[i];
                let cut = floor_char_boundary(line, rng.below(line.len() + 1));
                lines[i] = format!("{}{junk}{}", &line[..cut], &line[cut..]);
            }
            _ => {
                let joined = lines.join("\n");
                let cut = floor_char_boundary(&joined, rng.below(joined.len() + 1));
                lines = joined[..cut].split('\n').map(str::to_string).collect();
            }
        }
    }
    lines.join("\n")
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Every located diagnostic points at an existing line, and at most one column past its end
/// (where "unexpected end of line" errors sit).
fn assert_inside(name: &str, text: &str, fail: &LoadFailure) {
    // Lines as YAML counts them (a lone `\r` ends a line too), as the excerpts do.
    let lines: Vec<&str> = runbook_spec::source::lines(text).collect();
    for d in &fail.diagnostics {
        let (Some(line), Some(col)) = (d.line, d.column) else {
            continue;
        };
        let idx = line as usize;
        assert!(
            idx >= 1 && idx <= lines.len(),
            "{name}: line {line} outside the {} lines of\n{text}\n{d:?}",
            lines.len()
        );
        let width = lines[idx - 1].chars().count();
        assert!(
            col >= 1 && col as usize <= width + 1,
            "{name}: column {col} outside line {line} ({width} characters) of\n{text}\n{d:?}"
        );
    }
    assert!(!fail.render().is_empty());
}

#[test]
fn mutated_runbooks_never_panic_and_errors_point_inside_the_file() {
    let corpus = corpus();
    assert!(corpus.len() >= 12, "corpus too small: {}", corpus.len());
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let (mut ok, mut err) = (0, 0);
    for case in 0..CASES {
        let (name, text) = &corpus[case % corpus.len()];
        let mutant = mutate(&mut rng, text);
        let label = format!("case {case} (from {name})");
        let result = std::panic::catch_unwind(|| load_str("mutant.yaml", &mutant));
        match result {
            Ok(Ok(_)) => ok += 1,
            Ok(Err(fail)) => {
                err += 1;
                assert!(
                    !fail.diagnostics.is_empty(),
                    "{label}: an Err with no diagnostics"
                );
                assert!(
                    fail.diagnostics.iter().any(|d| d.is_error()),
                    "{label}: no error"
                );
                if fail.source.is_some() {
                    assert_inside(&label, &mutant, &fail);
                }
            }
            Err(_) => panic!("{label}: load_str panicked on\n{mutant}"),
        }
    }
    // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
    assert!(ok > 50 && err > 500, "{ok} loaded, {err} rejected");
}

fn expect_clean_err(text: &str, wanted: &str) -> LoadFailure {
    let fail = load_str("attack.yaml", text).expect_err("an attack must not load");
    let rendered = fail.render();
    assert!(
        rendered.contains(wanted),
        "expected `{wanted}` in\n{rendered}"
    );
    assert_eq!(fail.diagnostics.len(), 1, "{rendered}");
    fail
}

#[test]
fn alias_bomb_is_refused() {
    // Ten levels of ten aliases each: 10^10 nodes if expanded.
    let mut text = String::from(
        "version: 1\nname: lol\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        let items = vec![format!("*a{p}"); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    expect_clean_err(&text, "aliases expand to more than");
}

#[test]
fn alias_bomb_inside_a_step_is_refused() {
    let mut text = String::from(
        "version: 1\nname: lol\ntarget: {subscription: s, resource_group: r, hub: h}\nsteps:\n  - id: a\n    validate: &v0 {state: Active}\n",
    );
    for i in 1..30 {
        text.push_str(&format!(
            "  - id: s{i}\n    validate: &v{i} [*v{}, *v{}, *v{}]\n",
            i - 1,
            i - 1,
            i - 1
        ));
    }
    expect_clean_err(&text, "aliases expand to more than");
}

#[test]
fn hundred_thousand_levels_of_flow_nesting_are_refused() {
    let text = format!(
        "version: 1\nname: deep\ndescription: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let fail = expect_clean_err(&text, "nested deeper than 16 levels");
    assert_eq!(fail.diagnostics[0].line, Some(3));
}

#[test]
fn hundred_thousand_unclosed_flow_levels_are_refused() {
    let text = "{".repeat(100_000);
    expect_clean_err(&text, "invalid YAML");
}

#[test]
fn hundred_thousand_levels_of_block_nesting_are_refused() {
    // `- - - x`: each `- ` opens a block sequence inside the previous one.
    let text = format!("{}x\n", "- ".repeat(100_000));
    expect_clean_err(&text, "nested deeper than 16 levels");
}

#[test]
fn deep_indented_block_mappings_are_refused() {
    // The indented form costs n^2 bytes, so 1,400 levels is what fits under the 1 MiB limit.
    let mut text = String::new();
    for i in 0..1_400 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    assert!(text.len() < 1024 * 1024);
    expect_clean_err(&text, "nested deeper than 16 levels");
}

#[test]
fn deeply_nested_templates_are_refused_or_loaded_without_panic() {
    for depth in [100, 10_000, 60_000] {
        let blocks = format!(
            "{}x{}",
            "{{#if params.a}}".repeat(depth),
            "{{/if}}".repeat(depth)
        );
        let subexprs = format!(
            "{{{{not {}params.a{}}}}}",
            "(not ".repeat(depth),
            ")".repeat(depth)
        );
        for t in [blocks, subexprs] {
            let text = format!(
                "version: 1\nname: t\nparameters: {{a: {{type: boolean, default: true}}}}\ntarget: {{subscription: s, resource_group: r, hub: h}}\nsteps:\n  - id: c\n    when: '{t}'\n    validate: {{state: Active}}\n"
            );
            if text.len() > 1024 * 1024 {
                // Too big to parse at all (depth 60000 is ~1.4 MB): the size limit refuses it
                // before any template is looked at, cleanly.
                expect_clean_err(&text, "byte limit");
                continue;
            }
            let result = std::panic::catch_unwind(|| load_str("templates.yaml", &text));
            assert!(result.is_ok(), "depth {depth}: load_str panicked");
        }
    }
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let text = format!(
        "version: 1\nname: big\ndescription: \"{}\"\n",
        "x".repeat(1024 * 1024)
    );
    let fail = expect_clean_err(&text, "byte limit");
    assert!(fail.source.is_none());
}

#[test]
fn many_nodes_are_refused() {
    // 300,000 one-character items: over the node budget, under the size limit.
    let text = format!(
        "version: 1\nname: wide\ndescription: [{}]\n",
        vec!["1"; 300_000].join(",")
    );
    assert!(text.len() < 1024 * 1024);
    expect_clean_err(&text, "YAML nodes");
}
