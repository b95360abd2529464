//! Lazy iteration over ARM list results: fetch a page, yield its `value` items,
//! follow `nextLink` (absolute, or relative to the page it came from) until there is none.
//!
//! The stream ends after the first error; a `nextLink` that points back at the page
//! just read is reported as an error rather than looping forever.

use std::collections::VecDeque;

use futures::{Stream, stream};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{client::ArmClient, error::ArmError, models::page::Page};

enum State<T> {
    /// Items left from the current page, then the next page to fetch.
    Page {
        items: VecDeque<T>,
        next: Option<Url>,
    },
    /// First page URL could not be built, or a fetch failed: report once, then stop.
    Failed(ArmError),
    Done,
}

impl ArmClient {
    /// Streams the items of every page starting at `first`.
    pub(crate) fn pages<T: DeserializeOwned + 'static>(
        &self,
        first: Result<Url, ArmError>,
    ) -> impl Stream<Item = Result<T, ArmError>> + '_ {
        let start = match first {
            Ok(url) => State::Page {
                items: VecDeque::new(),
                next: Some(url),
            },
            Err(e) => State::Failed(e),
        };
        stream::unfold(start, move |state| async move {
            let (mut items, mut next) = match state {
                State::Done => return None,
                State::Failed(e) => return Some((Err(e), State::Done)),
                State::Page { items, next } => (items, next),
            };
            loop {
                if let Some(item) = items.pop_front() {
                    return Some((Ok(item), State::Page { items, next }));
                }
                let url = next.take()?;
                match self.fetch_page::<T>(&url).await {
                    Ok((page_items, page_next)) => {
                        items = page_items.into();
                        next = page_next;
                    }
                    Err(e) => return Some((Err(e), State::Done)),
                }
            }
        })
    }

    async fn fetch_page<T: DeserializeOwned>(
        &self,
        url: &Url,
    ) -> Result<(Vec<T>, Option<Url>), ArmError> {
        let page: Page<T> = self.get_json(url).await?;
        let next = match page.next_link.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(link) => {
                let next = url.join(link).map_err(|e| ArmError::InvalidResponse {
                    method: "GET".into(),
                    url: url.to_string().into(),
                    message: format!("nextLink {link:?} is not a URL ({e})").into(),
                })?;
                if &next == url {
                    return Err(ArmError::InvalidResponse {
                        method: "GET".into(),
                        url: url.to_string().into(),
                        message: "nextLink points back at the same page".into(),
                    });
                }
                Some(next)
            }
        };
        Ok((page.value, next))
    }
}
