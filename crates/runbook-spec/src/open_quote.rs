//! Where a quoted string that swallowed the lines after it was opened.
//!
//! YAML lets a quoted scalar run over several lines, so a quote left open on line 10 is only
//! noticed by the parser where the next quote closes it, often many lines later, as "trailing
//! content after double-quoted scalar" or "end of stream while scanning a quoted scalar". A
//! compiler reports an unterminated string where it starts; so do we. [`opening_of`] walks the
//! text with just enough YAML (comments, plain scalars, both quote styles and their escapes) to
//! find the quoted scalar that was open at, or closed on the line of, the parser's position,
//! and answers its opening quote when that scalar ran over more than one line.

use crate::diagnostic::Pos;

/// One quoted scalar seen in the text: its opening quote and, if it closed, its closing quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Quoted {
    open: Pos,
    close: Option<Pos>,
    style: char,
}

/// The opening quote of the multi-line quoted scalar the parser tripped over at `error`, and
/// its style (`"` or `'`). `None` when the scalar around the error is on one line (then the
/// parser's position is already the right place) or there is none.
pub fn opening_of(text: &str, error: Pos) -> Option<(Pos, char)> {
    let last = scan(text, error)?;
    let end = last.close.unwrap_or(error);
    (end.line > last.open.line).then_some((last.open, last.style))
}

/// The last quoted scalar that opened before `error`.
fn scan(text: &str, error: Pos) -> Option<Quoted> {
    let mut last: Option<Quoted> = None;
    let mut open: Option<(Pos, char)> = None;
    for (index, line) in text.split('\n').enumerate() {
        let line_no = u32::try_from(index + 1).ok()?;
        if line_no > error.line {
            break;
        }
        let chars: Vec<char> = line.trim_end_matches('\r').chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let pos = Pos {
                line: line_no,
                column: u32::try_from(i + 1).ok()?,
            };
            if (line_no, pos.column) >= (error.line, error.column) && open.is_none() {
                return last;
            }
            match open {
                Some((start, '"')) => match c {
                    '\\' => i += 1,
                    '"' => {
                        last = Some(Quoted {
                            open: start,
                            close: Some(pos),
                            style: '"',
                        });
                        open = None;
                    }
                    _ => {}
                },
                Some((start, _)) => {
                    if c == '\'' {
                        if chars.get(i + 1) == Some(&'\'') {
                            i += 1; // '' is an escaped quote inside a single-quoted scalar
                        } else {
                            last = Some(Quoted {
                                open: start,
                                close: Some(pos),
                                style: '\'',
                            });
                            open = None;
                        }
                    }
                }
                None => {
                    let starts_token = chars[..i]
                        .iter()
                        .rev()
                        .find(|c| !c.is_whitespace())
                        .is_none_or(|p| matches!(p, ':' | '-' | '[' | '{' | ',' | '?'));
                    let after_space = i == 0 || chars[i - 1].is_whitespace();
                    if c == '#' && after_space {
                        break; // a comment runs to the end of the line
                    }
                    if (c == '"' || c == '\'') && starts_token {
                        open = Some((pos, c));
                        last = Some(Quoted {
                            open: pos,
                            close: None,
                            style: c,
                        });
                    }
                }
            }
            i += 1;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Pos {
        Pos { line, column }
    }

    #[test]
    fn a_quote_left_open_is_found_where_it_opened() {
        let text = "a: 1\nhub: \"{{params.hub}}\nsteps:\n  - x: \"y\" z\n";
        // The parser closes the string at line 4's first quote and trips over `y`.
        assert_eq!(opening_of(text, at(4, 10)), Some((at(2, 6), '"')));
    }

    #[test]
    fn an_unclosed_quote_at_the_end_of_the_file_is_found() {
        let text = "a: 1\nb: 'never closed\nc: 2\n";
        assert_eq!(opening_of(text, at(4, 1)), Some((at(2, 4), '\'')));
    }

    #[test]
    fn a_one_line_string_leaves_the_parser_position_alone() {
        let text = "a: \"x\" y\n";
        assert_eq!(opening_of(text, at(1, 8)), None);
    }

    #[test]
    fn escapes_comments_and_apostrophes_in_plain_text_do_not_open_strings() {
        let text = "a: it's fine # don't\nb: \"say \\\"hi\\\"\"\nc: 'it''s'\nd: \"open\ne: 1\n";
        assert_eq!(opening_of(text, at(6, 1)), Some((at(4, 4), '"')));
    }

    #[test]
    fn quotes_after_flow_punctuation_open_strings() {
        let text = "a: { b: \"x }\nc: [1]\nd: \"e\" f\n";
        assert_eq!(opening_of(text, at(3, 5)), Some((at(1, 9), '"')));
    }
}
