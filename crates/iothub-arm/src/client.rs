//! [`ArmClient`]: construction, the URL of every call, and the read operations.
//!
//! A call builds its URL here (`<endpoint>/subscriptions/<sub>/resourceGroups/<rg>/
//! providers/Microsoft.Devices/IotHubs/<hub>[/<action>]?api-version=...`), hands it to
//! [`crate::transport::Transport`] and deserializes the JSON answer into
//! [`crate::models`]. Paged reads go through [`crate::paging`]; the failover lives in
//! [`crate::failover`]. The URL builders are public so `runbook plan` can show the
//! calls a runbook would make without making them.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use futures::{Stream, TryStreamExt};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::{
    error::ArmError,
    models::{EndpointHealth, IotHub, QuotaMetric, RegistryStats},
    options::ClientOptions,
    ratelimit::RateLimitInfo,
    transport::{Mode, SendError, Transport, ensure_secure},
};

/// A typed client for Microsoft.Devices/IotHubs in one subscription. Cheap to clone.
#[derive(Clone)]
pub struct ArmClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    endpoint: Url,
    subscription: String,
    api_version: String,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credential is shown only by its description; tokens live in the transport's cache.
        f.debug_struct("ArmClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("subscription", &self.inner.subscription)
            .field("api_version", &self.inner.api_version)
            .field("identity", &self.inner.transport.identity)
            .finish_non_exhaustive()
    }
}

/// Which ARM call a URL is for (used by [`ArmClient::call_url`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// GET the hub.
    GetHub,
    /// GET `IotHubStats`.
    Stats,
    /// GET `quotaMetrics` (first page).
    QuotaMetrics,
    /// GET `routingEndpointsHealth` (first page).
    EndpointHealth,
    /// POST `failover`.
    Failover,
}

impl CallKind {
    /// The HTTP method of the call.
    pub fn method(self) -> &'static str {
        match self {
            CallKind::Failover => "POST",
            _ => "GET",
        }
    }

    fn suffix(self) -> Option<&'static str> {
        match self {
            CallKind::GetHub => None,
            CallKind::Stats => Some("IotHubStats"),
            CallKind::QuotaMetrics => Some("quotaMetrics"),
            CallKind::EndpointHealth => Some("routingEndpointsHealth"),
            CallKind::Failover => Some("failover"),
        }
    }
}

impl ArmClient {
    /// A client for `subscription`, authenticating with `credential`.
    ///
    /// Fails when the endpoint is not https (loopback http excepted) or the subscription is empty.
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        subscription: impl Into<String>,
        options: ClientOptions,
    ) -> Result<Self, ArmError> {
        let subscription = subscription.into();
        non_empty("subscription", &subscription)?;
        non_empty("api-version", &options.api_version)?;
        let endpoint = options.effective_endpoint();
        ensure_secure(&endpoint)?;
        if endpoint.cannot_be_a_base() {
            return Err(ArmError::InvalidInput {
                what: "ARM endpoint".into(),
                message: format!("{endpoint} cannot have a path").into(),
            });
        }
        let transport = Transport::new(credential, &options)?;
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                endpoint,
                subscription,
                api_version: options.api_version,
            }),
        })
    }

    /// The subscription this client works in.
    pub fn subscription(&self) -> &str {
        &self.inner.subscription
    }

    /// The ARM endpoint requests go to.
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The api-version sent with every request.
    pub fn api_version(&self) -> &str {
        &self.inner.api_version
    }

    /// A description of the identity in use (never a secret).
    pub fn identity(&self) -> &str {
        &self.inner.transport.identity
    }

    /// How many requests this client (and its clones) has re-sent after a retryable answer
    /// (408, 429, 5xx) or a connection error. Callers diff it around an operation to report
    /// the retries it took.
    pub fn retry_count(&self) -> u64 {
        self.inner
            .transport
            .retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The subscription read/write budget ARM reported on the latest response.
    pub fn last_ratelimit(&self) -> RateLimitInfo {
        self.inner
            .transport
            .ratelimit
            .lock()
            .map(|i| *i)
            .unwrap_or_default()
    }

    /// The ARM resource id of a hub in this subscription.
    pub fn hub_id(&self, resource_group: &str, hub: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/Microsoft.Devices/IotHubs/{hub}",
            self.inner.subscription
        )
    }

    /// The URL of a call on one hub.
    pub fn call_url(&self, kind: CallKind, resource_group: &str, hub: &str) -> Url {
        let mut segments = self.hubs_segments(resource_group);
        segments.push(hub);
        segments.extend(kind.suffix());
        self.url(&segments)
    }

    /// URL of GET hub.
    pub fn hub_url(&self, resource_group: &str, hub: &str) -> Url {
        self.call_url(CallKind::GetHub, resource_group, hub)
    }

    /// URL of GET `IotHubStats`.
    pub fn stats_url(&self, resource_group: &str, hub: &str) -> Url {
        self.call_url(CallKind::Stats, resource_group, hub)
    }

    /// URL of the first page of GET `quotaMetrics`.
    pub fn quota_metrics_url(&self, resource_group: &str, hub: &str) -> Url {
        self.call_url(CallKind::QuotaMetrics, resource_group, hub)
    }

    /// URL of the first page of GET `routingEndpointsHealth`.
    pub fn endpoint_health_url(&self, resource_group: &str, hub: &str) -> Url {
        self.call_url(CallKind::EndpointHealth, resource_group, hub)
    }

    /// URL of POST `failover`.
    pub fn failover_url(&self, resource_group: &str, hub: &str) -> Url {
        self.call_url(CallKind::Failover, resource_group, hub)
    }

    /// Path segments of the IoT hubs collection of a resource group.
    pub(crate) fn hubs_segments<'a>(&'a self, resource_group: &'a str) -> Vec<&'a str> {
        vec![
            "subscriptions",
            self.inner.subscription.as_str(),
            "resourceGroups",
            resource_group,
            "providers",
            "Microsoft.Devices",
            "IotHubs",
        ]
    }

    /// URL of the first page of hubs in a resource group.
    pub fn hubs_by_resource_group_url(&self, resource_group: &str) -> Url {
        self.url(&self.hubs_segments(resource_group))
    }

    /// URL of the first page of hubs in the subscription.
    pub fn hubs_by_subscription_url(&self) -> Url {
        self.url(&[
            "subscriptions",
            self.inner.subscription.as_str(),
            "providers",
            "Microsoft.Devices",
            "IotHubs",
        ])
    }

    fn url(&self, segments: &[&str]) -> Url {
        self.url_with_version(segments, &self.inner.api_version)
    }

    /// `<endpoint>/<segments...>?api-version=<api_version>`: for the reads outside
    /// Microsoft.Devices, which have api-versions of their own.
    pub(crate) fn url_with_version(&self, segments: &[&str], api_version: &str) -> Url {
        let mut url = self.inner.endpoint.clone();
        url.set_query(None);
        url.set_fragment(None);
        // Cannot fail: `new` rejected endpoints that cannot be a base.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        url
    }

    /// Gets a hub.
    pub async fn get_hub(&self, resource_group: &str, hub: &str) -> Result<IotHub, ArmError> {
        check_names(resource_group, hub)?;
        self.get_json(&self.hub_url(resource_group, hub)).await
    }

    /// The hubs of a resource group, following `nextLink` pages lazily.
    pub fn list_hubs_by_resource_group<'a>(
        &'a self,
        resource_group: &str,
    ) -> impl Stream<Item = Result<IotHub, ArmError>> + use<'a> {
        let first = non_empty("resource group", resource_group)
            .map(|()| self.hubs_by_resource_group_url(resource_group));
        self.pages(first)
    }

    /// The hubs of the subscription, following `nextLink` pages lazily.
    pub fn list_hubs_by_subscription(&self) -> impl Stream<Item = Result<IotHub, ArmError>> + '_ {
        self.pages(Ok(self.hubs_by_subscription_url()))
    }

    /// Every hub of a resource group, or of the subscription when `resource_group` is `None`,
    /// all pages read.
    pub async fn list_hubs(&self, resource_group: Option<&str>) -> Result<Vec<IotHub>, ArmError> {
        match resource_group {
            Some(rg) => self.list_hubs_by_resource_group(rg).try_collect().await,
            None => self.list_hubs_by_subscription().try_collect().await,
        }
    }

    /// Device counts of the hub's identity registry.
    pub async fn get_stats(
        &self,
        resource_group: &str,
        hub: &str,
    ) -> Result<RegistryStats, ArmError> {
        check_names(resource_group, hub)?;
        self.get_json(&self.stats_url(resource_group, hub)).await
    }

    /// All quota metrics of the hub (every page).
    pub async fn quota_metrics(
        &self,
        resource_group: &str,
        hub: &str,
    ) -> Result<Vec<QuotaMetric>, ArmError> {
        let first =
            check_names(resource_group, hub).map(|()| self.quota_metrics_url(resource_group, hub));
        self.pages(first).try_collect().await
    }

    /// Health of every routing endpoint of the hub (every page).
    pub async fn endpoint_health(
        &self,
        resource_group: &str,
        hub: &str,
    ) -> Result<Vec<EndpointHealth>, ArmError> {
        let first = check_names(resource_group, hub)
            .map(|()| self.endpoint_health_url(resource_group, hub));
        self.pages(first).try_collect().await
    }

    /// GET `url` and deserialize its JSON body.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, url: &Url) -> Result<T, ArmError> {
        let response = self.get(url).await?;
        parse_json("GET", url, &response.body)
    }

    /// GET `url` with retries.
    pub(crate) async fn get(&self, url: &Url) -> Result<crate::transport::Response, ArmError> {
        self.inner
            .transport
            .send(Method::GET, url, None, Mode::Idempotent)
            .await
            .map_err(|e| match e {
                SendError::Arm(e) => e,
                // Only non-idempotent sends report this; a GET never does.
                SendError::OutcomeUnknown(reason) => ArmError::Transport {
                    method: "GET".into(),
                    url: url.to_string().into(),
                    attempts: 1,
                    message: reason.into(),
                },
            })
    }
}

pub(crate) fn parse_json<T: DeserializeOwned>(
    method: &str,
    url: &Url,
    body: &[u8],
) -> Result<T, ArmError> {
    serde_json::from_slice(body).map_err(|e| ArmError::InvalidResponse {
        method: method.into(),
        url: url.to_string().into(),
        message: format!(
            "the body is not the expected JSON ({e}); it starts with {:?}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )
        .into(),
    })
}

pub(crate) fn non_empty(what: &str, value: &str) -> Result<(), ArmError> {
    if value.trim().is_empty() {
        Err(ArmError::InvalidInput {
            what: what.into(),
            message: "it is empty".into(),
        })
    } else {
        Ok(())
    }
}

pub(crate) fn check_names(resource_group: &str, hub: &str) -> Result<(), ArmError> {
    non_empty("resource group", resource_group)?;
    non_empty("hub name", hub)
}
