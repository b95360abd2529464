//! The official ARM contract checked in under `tests/fixtures/arm/` is byte-for-byte what its
//! `SOURCE.md` says it is: every file listed there exists with that size and sha256, and no
//! file sits in the folder unlisted. Both the client's and the emulator's tests read this
//! folder, so an edit to a fixture would silently move the ground truth for both.
#![allow(clippy::unwrap_used)]

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

fn listed() -> BTreeMap<String, (u64, String)> {
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arm/SOURCE.md"),
    )
    .unwrap();
    source
        .lines()
        .filter(|line| line.starts_with("| ") && line.contains(".json |"))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            // | file | upstream path | commit | bytes | sha256 |
            (
                cells[1].to_owned(),
                (cells[4].parse().unwrap(), cells[5].to_owned()),
            )
        })
        .collect()
}

#[test]
fn every_fixture_matches_its_recorded_size_and_hash() {
    let listed = listed();
    assert_eq!(listed.len(), 8, "SOURCE.md lists the spec and 7 examples");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/arm/2023-06-30");
    let mut present: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    present.sort();
    let mut expected: Vec<String> = listed.keys().cloned().collect();
    expected.sort();
    assert_eq!(present, expected, "files in {}", dir.display());
    for (name, (bytes, sha)) in &listed {
        let data = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(data.len() as u64, *bytes, "{name}: size");
        let digest: String = Sha256::digest(&data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&digest, sha, "{name}: sha256");
    }
}
