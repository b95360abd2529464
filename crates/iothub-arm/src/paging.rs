//! Lazy iteration over ARM list results: fetch a page, yield its `value` items,
//! follow `nextLink` (absolute, or relative to the page it came from) until there is none.
//!
//! The stream ends after the first error; a `nextLink` that points back at a page already
//! read, or a list longer than `MAX_PAGES`, is reported as an error rather than looping forever.

use std::collections::{HashSet, VecDeque};

use futures::{Stream, stream};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{client::ArmClient, error::ArmError, models::page::Page};

/// More pages than any IoT Hub list has (10,000 hubs at ARM's 100 a page is 100 pages).
const MAX_PAGES: usize = 10_000;

enum State<T> {
    /// Items left from the current page, then the next page to fetch, and the pages read.
    Page {
        items: VecDeque<T>,
        next: Option<Url>,
        seen: HashSet<Url>,
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
                seen: HashSet::new(),
            },
            Err(e) => State::Failed(e),
        };
        stream::unfold(start, move |state| async move {
            let (mut items, mut next, mut seen) = match state {
                State::Done => return None,
                State::Failed(e) => return Some((Err(e), State::Done)),
                State::Page { items, next, seen } => (items, next, seen),
            };
            loop {
                if let Some(item) = items.pop_front() {
                    return Some((Ok(item), State::Page { items, next, seen }));
                }
                let url = next.take()?;
                if seen.len() >= MAX_PAGES || !seen.insert(url.clone()) {
                    let why = if seen.len() >= MAX_PAGES {
                        format!("the list ran past {MAX_PAGES} pages")
                    } else {
                        "nextLink points back at a page already read".to_string()
                    };
                    let e = ArmError::InvalidResponse {
                        method: "GET".into(),
                        url: url.to_string().into(),
                        message: why.into(),
                    };
                    return Some((Err(e), State::Done));
                }
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

    /// One page: its items and the absolute URL of the next, if any.
    pub(crate) async fn fetch_page<T: DeserializeOwned>(
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
