//! Text from outside (ARM error messages, hub states, names, paths) on its way to a terminal.
//!
//! A terminal acts on some characters instead of showing them: ESC starts sequences that
//! retitle the window, clear the screen or move the cursor, CR and BS overwrite what was
//! printed, BEL rings, and the bidirectional controls reorder the rest of the line. ARM's
//! messages are not ours, so every such character is shown as a visible escape (`\u{1b}`)
//! instead. Printers escape each piece of outside text before adding their own colours, so
//! their colours still work. The DR log, journal and JSON output keep the text as it was.

use std::borrow::Cow;

/// `text` with every character a terminal would act on written as `\u{..}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(acts_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if acts_on_terminal(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// C0 and C1 controls and DEL (newline and tab included: one piece of text is one line),
/// the line and paragraph separators, and the bidirectional formatting characters.
fn acts_on_terminal(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown_escaped() {
        assert_eq!(
            escape("a\u{1b}]0;t\u{7}b\r\n\tc\u{7f}\u{9b}"),
            r"a\u{1b}]0;t\u{7}b\u{d}\u{a}\u{9}c\u{7f}\u{9b}"
        );
        assert_eq!(
            escape("x\u{202e}y\u{2066}z\u{2069}\u{200f}\u{61c}\u{2028}"),
            r"x\u{202e}y\u{2066}z\u{2069}\u{200f}\u{61c}\u{2028}"
        );
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        let text = "hub myIoTHub is Active in westus2 — ✓ ünïcode \\u{1b}";
        assert!(matches!(escape(text), Cow::Borrowed(t) if t == text));
    }
}
