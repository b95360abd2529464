//! The list envelope ARM uses for every paged result: `{"value": [...], "nextLink": "..."}`.

use serde::Deserialize;

/// One page of a list result.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Items of this page (absent means none).
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    /// Absolute URL of the next page; absent, null or empty on the last page.
    #[serde(default)]
    pub next_link: Option<String>,
}
