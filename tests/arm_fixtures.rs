//! The official ARM contract checked in under `tests/fixtures/arm/` is byte-for-byte what its
//! `SOURCE.md` says it is. SOURCE.md has one `## <folder>/ — ...` section per vendored folder,
//! each with a `| file | upstream path | commit | bytes | sha256 |` table; every file listed
//! there must exist with that size and sha256, no file may sit in a folder unlisted, and no
//! folder may exist without a section. Both the client's and the emulator's tests read these
//! folders, so an edit to a fixture would silently move the ground truth for both.
#![allow(clippy::unwrap_used)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One table row of SOURCE.md.
struct Row {
    upstream_path: String,
    commit: String,
    bytes: u64,
    sha256: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arm")
}

/// folder -> file -> row, read from SOURCE.md. Panics (with the line) on a row it cannot read,
/// so a malformed edit fails here instead of silently listing fewer files.
fn listed() -> BTreeMap<String, BTreeMap<String, Row>> {
    let source = std::fs::read_to_string(root().join("SOURCE.md")).unwrap();
    let mut folders: BTreeMap<String, BTreeMap<String, Row>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in source.lines().enumerate() {
        let n = n + 1;
        if let Some(heading) = line.strip_prefix("## ") {
            // `## 2023-06-30/ — ...` opens a folder; any other heading (Notes) closes it.
            current = heading
                .split_whitespace()
                .next()
                .and_then(|w| w.strip_suffix('/'))
                .map(str::to_owned);
            if let Some(folder) = &current {
                assert!(
                    folders.insert(folder.clone(), BTreeMap::new()).is_none(),
                    "SOURCE.md:{n}: folder {folder} has two sections"
                );
            }
            continue;
        }
        if !line.starts_with("| ") || line.starts_with("| file |") {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 7, "SOURCE.md:{n}: a row has 5 cells: {line}");
        let folder = current
            .as_ref()
            .unwrap_or_else(|| panic!("SOURCE.md:{n}: a file row outside a folder section"));
        let row = Row {
            upstream_path: cells[2].to_owned(),
            commit: cells[3].to_owned(),
            bytes: cells[4]
                .parse()
                .unwrap_or_else(|_| panic!("SOURCE.md:{n}: bytes {:?}", cells[4])),
            sha256: cells[5].to_owned(),
        };
        let previous = folders
            .get_mut(folder)
            .unwrap()
            .insert(cells[1].to_owned(), row);
        assert!(
            previous.is_none(),
            "SOURCE.md:{n}: {} listed twice",
            cells[1]
        );
    }
    folders
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[test]
fn source_md_lists_every_vendored_folder() {
    let listed = listed();
    let counts: Vec<(&str, usize)> = listed.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
    assert_eq!(
        counts,
        vec![
            ("2023-06-30", 8),
            ("activitylog-2015-04-01", 2),
            ("authorization-2022-04-01", 3),
            ("locks-2016-09-01", 4),
            ("monitor-2023-10-01", 2),
        ],
        "folders and how many files each lists"
    );
    let mut on_disk: Vec<String> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let sections: Vec<String> = listed.keys().cloned().collect();
    assert_eq!(on_disk, sections, "folders under {}", root().display());
    assert!(
        root().join("LICENSE").is_file(),
        "the licence stays beside SOURCE.md"
    );
}

#[test]
fn every_fixture_matches_its_recorded_provenance_size_and_hash() {
    for (folder, files) in listed() {
        let dir = root().join(&folder);
        let mut present: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        present.sort();
        let expected: Vec<String> = files.keys().cloned().collect();
        assert_eq!(present, expected, "files in {}", dir.display());
        for (name, row) in &files {
            assert!(
                row.upstream_path.starts_with("specification/")
                    && row.upstream_path.ends_with(&format!("/{name}")),
                "{folder}/{name}: upstream path {}",
                row.upstream_path
            );
            assert!(
                is_hex(&row.commit, 40),
                "{folder}/{name}: commit {}",
                row.commit
            );
            let data = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(data.len() as u64, row.bytes, "{folder}/{name}: size");
            let digest: String = Sha256::digest(&data)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(digest, row.sha256, "{folder}/{name}: sha256");
            serde_json::from_slice::<serde_json::Value>(&data)
                .unwrap_or_else(|e| panic!("{folder}/{name}: not JSON: {e}"));
        }
    }
}
