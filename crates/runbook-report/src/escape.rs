//! Escaping: every piece of text from a DR log passes through here on its way into the report,
//! so a step detail like `a < b | c` can neither break a Markdown table nor inject markup.

/// Text for HTML and SVG, in element content and in quoted attribute values alike.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text for HTML in which each `backticked` part becomes `<code>`, as the engine's sentences
/// quote ids; an unpaired backtick stays a backtick.
pub fn with_code(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return html(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if !i.is_multiple_of(2) {
                format!("<code>{}</code>", html(p))
            } else {
                html(p)
            }
        })
        .collect()
}

/// Text for one line of Markdown (a table cell, a heading, a list item): markup characters
/// are backslash-escaped, HTML is neutralised as entities, and line breaks become spaces so a
/// table row stays one row.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' | '\n' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_neutralises_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn backticked_parts_become_code() {
        assert_eq!(
            with_code("step `a<b` failed"),
            "step <code>a&lt;b</code> failed"
        );
        assert_eq!(with_code("odd ` tick <"), "odd ` tick &lt;");
    }

    #[test]
    fn markdown_keeps_a_table_row_one_row() {
        assert_eq!(
            markdown("a | b\nc <img src=x> `d` *e* [f](g)"),
            r"a \| b c &lt;img src=x&gt; \`d\` \*e\* \[f\](g)"
        );
        assert_eq!(markdown("pre_failover"), r"pre\_failover");
    }
}
