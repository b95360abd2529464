//! Fenced blocks of a Markdown file: the text between a ```` ```info ```` line and the next
//! ```` ``` ```` line, with its language, the extra words of its info string (tags such as
//! `azure`), the line it opens on and the heading it sits under, which together name it.

/// One fenced block of a README.
#[derive(Debug, Clone)]
pub struct Block {
    /// The README's file name, for messages.
    pub file: String,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The nearest heading above the block.
    pub heading: String,
    /// First word of the info string (`sh`, `yaml`, `console`, `rust,ignore`, or empty).
    pub lang: String,
    /// The remaining words of the info string.
    pub tags: Vec<String>,
    pub body: String,
}

impl Block {
    /// How the test's output and failures name the block.
    pub fn name(&self) -> String {
        format!("{}:{} ({})", self.file, self.line, self.heading)
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

/// Every fenced block of `text`, in order. An unclosed fence is an error: a README whose last
/// block never ends would otherwise lose it silently.
pub fn fenced_blocks(file: &str, text: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut heading = String::from("top");
    let mut open: Option<(usize, String, Vec<String>, Vec<&str>)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut open {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    let mut words = info.split_whitespace().map(str::to_owned);
                    let lang = words.next().unwrap_or_default();
                    open = Some((i + 1, lang, words.collect(), Vec::new()));
                } else if line.starts_with('#') {
                    heading = line.trim_start_matches('#').trim().to_owned();
                }
            }
            Some((start, lang, tags, body)) => {
                if line == "```" {
                    out.push(Block {
                        file: file.to_owned(),
                        line: *start,
                        heading: heading.clone(),
                        lang: std::mem::take(lang),
                        tags: std::mem::take(tags),
                        body: body.iter().map(|l| format!("{l}\n")).collect(),
                    });
                    open = None;
                } else {
                    body.push(line);
                }
            }
        }
    }
    match open {
        Some((start, ..)) => Err(format!(
            "{file}:{start}: a fenced block that is never closed"
        )),
        None => Ok(out),
    }
}

/// The keys at the top level of a YAML text (lines that start with `key:` at column 1).
pub fn top_level_keys(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

/// The path a YAML block names in its first line (`# runbooks/drill.test.yaml`), if any: the
/// README says the block is that file, so the test writes it there.
pub fn named_path(yaml: &str) -> Option<String> {
    let first = yaml.lines().next()?.strip_prefix('#')?.trim();
    let looks_like_path = first.ends_with(".yaml") && !first.contains(' ');
    looks_like_path.then(|| first.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_carry_language_tags_line_and_heading() {
        let md = "# A\ntext\n```sh azure\nrunbook x\n```\n## B\n```\nplain\n```\n";
        let b = fenced_blocks("R.md", md).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].lang.as_str(), b[0].tags.clone()),
            ("sh", vec!["azure".to_owned()])
        );
        assert_eq!(
            (b[0].line, b[0].heading.as_str(), b[0].body.as_str()),
            (3, "A", "runbook x\n")
        );
        assert_eq!((b[1].lang.as_str(), b[1].heading.as_str()), ("", "B"));
    }

    #[test]
    fn an_unclosed_block_is_an_error() {
        assert!(fenced_blocks("R.md", "```yaml\na: 1\n").is_err());
    }
}
