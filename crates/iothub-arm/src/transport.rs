//! One authenticated ARM request, retried as azure-core retries it.
//!
//! Flow of [`Transport::send`]: check the URL may receive a bearer token
//! ([`ensure_secure`]) -> wait for a token of ARM's budget when one is shared
//! ([`crate::token_bucket`]) -> take a bearer token from the cache (refreshed from the credential
//! near expiry) -> send with reqwest -> record the rate-limit headers -> on a
//! retryable failure wait ([`crate::retry`]) and send again -> map a final error
//! status to [`ArmError`]. The failover POST uses [`Mode::NonIdempotent`]: it is
//! retried only when the request provably was not acted on (connect failed, or
//! 408/429/503), and any other transport failure becomes
//! [`SendError::OutcomeUnknown`] instead of a second POST.

use std::{
    sync::{Arc, Mutex as StdMutex},
    time::{Duration, Instant},
};

use azure_core::credentials::TokenCredential;
use reqwest::{
    Method, StatusCode,
    header::{HeaderMap, HeaderValue},
};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use url::Url;

use crate::{
    error::ArmError,
    models::error_body::ErrorBody,
    options::{ClientOptions, RetryOptions},
    ratelimit::RateLimitInfo,
    retry,
};

/// A token is refreshed when it has less than this left.
const TOKEN_REFRESH_MARGIN: time::Duration = time::Duration::minutes(2);

/// Whether a request may be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// GET: any retryable failure is retried.
    Idempotent,
    /// The failover POST: retried only when it provably was not acted on.
    NonIdempotent,
}

/// Why [`Transport::send`] failed.
#[derive(Debug)]
pub(crate) enum SendError {
    /// A definite failure.
    Arm(ArmError),
    /// A non-idempotent request may have been acted on; the reason is a sentence fragment.
    OutcomeUnknown(String),
}

impl From<ArmError> for SendError {
    fn from(error: ArmError) -> Self {
        SendError::Arm(error)
    }
}

/// A successful (2xx) response, body fully read.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// A token, kept as its ready-made `Authorization` header value.
struct CachedToken {
    header: HeaderValue,
    expires_on: OffsetDateTime,
}

/// The authenticated, retrying HTTP layer shared by all clones of an [`crate::ArmClient`].
pub(crate) struct Transport {
    http: reqwest::Client,
    credential: Arc<dyn TokenCredential>,
    pub(crate) identity: String,
    scope: String,
    retry: RetryOptions,
    token: Mutex<Option<CachedToken>>,
    pub(crate) ratelimit: StdMutex<RateLimitInfo>,
    /// The ARM endpoint's host (and port): the only place the token goes.
    trusted_host: String,
    /// Requests re-sent after a retryable answer or a connection error, over the client's life.
    pub(crate) retries: std::sync::atomic::AtomicU64,
    /// ARM's budget, shared with the other clients of the subscription.
    budget: Option<Arc<crate::token_bucket::ArmBudget>>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("identity", &self.identity)
            .field("scope", &self.scope)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub(crate) fn new(
        credential: Arc<dyn TokenCredential>,
        options: &ClientOptions,
    ) -> Result<Self, ArmError> {
        let http = reqwest::Client::builder()
            .user_agent(options.user_agent.clone())
            .timeout(options.request_timeout)
            .connect_timeout(options.request_timeout.min(Duration::from_secs(30)))
            // ARM does not redirect; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ArmError::InvalidInput {
                what: "HTTP client".into(),
                message: error_chain(&e).into(),
            })?;
        Ok(Self {
            http,
            identity: format!("{credential:?}"),
            credential,
            scope: options.token_scope(),
            retry: options.retry.clone(),
            token: Mutex::new(None),
            ratelimit: StdMutex::new(RateLimitInfo::default()),
            trusted_host: host_and_port(&options.effective_endpoint()),
            retries: std::sync::atomic::AtomicU64::new(0),
            budget: options.budget.clone(),
        })
    }

    /// The identity as it stands now: once `--auth auto` has chosen a credential, that one
    /// (the label computed at construction still lists the whole chain).
    fn current_identity(&self) -> String {
        format!("{:?}", self.credential)
    }

    /// The cached `Authorization` value, refreshed from the credential when close to expiry.
    async fn bearer(&self) -> Result<HeaderValue, ArmError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref()
            && token.expires_on - OffsetDateTime::now_utc() > TOKEN_REFRESH_MARGIN
        {
            return Ok(token.header.clone());
        }
        let credential_error = |message: String| ArmError::Credential {
            identity: self.current_identity().into(),
            scope: self.scope.clone().into(),
            message: message.into(),
        };
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|e| credential_error(e.to_string()))?;
        let mut header = HeaderValue::from_str(&format!("Bearer {}", token.token.secret()))
            .map_err(|_| {
                credential_error(
                    "the token contains characters not allowed in an HTTP header".into(),
                )
            })?;
        // Marked sensitive so hyper and reqwest never print it.
        header.set_sensitive(true);
        let entry = CachedToken {
            header,
            expires_on: token.expires_on,
        };
        let header = entry.header.clone();
        *cached = Some(entry);
        Ok(header)
    }

    /// Sends `method url` (with an optional JSON body), retrying per `mode`.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        mode: Mode,
    ) -> Result<Response, SendError> {
        ensure_secure(url)?;
        if host_and_port(url) != self.trusted_host {
            return Err(ArmError::UntrustedHost {
                url: url.to_string().into(),
                endpoint_host: self.trusted_host.clone().into(),
            }
            .into());
        }
        let started = Instant::now();
        let mut attempts: u32 = 0;
        let write = method != Method::GET && method != Method::HEAD;
        loop {
            attempts += 1;
            // Every attempt spends ARM's budget, retries included.
            if let Some(budget) = &self.budget {
                budget.bucket(write).acquire().await;
            }
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::AUTHORIZATION, self.bearer().await?)
                .header(reqwest::header::ACCEPT, "application/json")
                .header("x-ms-client-request-id", client_request_id());
            if let Some(body) = body {
                request = request.json(body);
            }
            let exhausted = |attempts: u32| {
                attempts > self.retry.max_retries || started.elapsed() >= self.retry.max_elapsed
            };
            let server_wait = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    if let Ok(mut info) = self.ratelimit.lock() {
                        info.update(&headers);
                    }
                    if status.is_success() {
                        let body = match response.bytes().await {
                            Ok(bytes) => bytes.to_vec(),
                            // The POST's answer is in its status and headers; a broken body does not change it.
                            Err(_) if mode == Mode::NonIdempotent => Vec::new(),
                            Err(e) if !exhausted(attempts) => {
                                tracing::debug!(%url, error = %error_chain(&e), "response body broke; retrying");
                                self.pause(attempts, None).await;
                                continue;
                            }
                            Err(e) => {
                                return Err(self
                                    .transport_error(&method, url, attempts, &e)
                                    .into());
                            }
                        };
                        return Ok(Response {
                            status,
                            headers,
                            body,
                        });
                    }
                    let code = status.as_u16();
                    if code == 429
                        && let Some(budget) = &self.budget
                    {
                        budget.note_throttled();
                    }
                    let may_retry = match mode {
                        Mode::Idempotent => retry::is_retryable_status(code),
                        Mode::NonIdempotent => retry::SAFE_FOR_POST.contains(&code),
                    };
                    // A 500 or a gateway error on a POST says nothing about whether the action
                    // was taken: ARM often answers so after acting. Only the hub can tell.
                    if mode == Mode::NonIdempotent && matches!(code, 500 | 502 | 504) {
                        return Err(SendError::OutcomeUnknown(format!(
                            "ARM answered {status} after the request was sent"
                        )));
                    }
                    let wait = retry::retry_after(&headers, OffsetDateTime::now_utc());
                    // Read the body either way so the connection can be reused.
                    let body = response
                        .bytes()
                        .await
                        .map(|b| b.to_vec())
                        .unwrap_or_default();
                    // A server wish beyond the time budget ends the retries now rather than
                    // sleeping past it; the error reports the wish.
                    let beyond_budget = wait.is_some_and(|w| {
                        started.elapsed().saturating_add(w) > self.retry.max_elapsed
                    });
                    if !may_retry || exhausted(attempts) || beyond_budget {
                        return Err(self
                            .status_error(&method, url, status, &headers, &body, attempts, wait)
                            .into());
                    }
                    tracing::debug!(%url, %status, attempts, ?wait, "retryable status; retrying");
                    wait
                }
                Err(e) => {
                    // A connect error means the request never left; anything else may have reached ARM.
                    if mode == Mode::NonIdempotent && !e.is_connect() {
                        return Err(SendError::OutcomeUnknown(format!(
                            "the connection failed after the request was sent: {}",
                            error_chain(&e)
                        )));
                    }
                    if exhausted(attempts) {
                        return Err(self.transport_error(&method, url, attempts, &e).into());
                    }
                    tracing::debug!(%url, attempts, error = %error_chain(&e), "transport error; retrying");
                    None
                }
            };
            self.pause(attempts, server_wait).await;
        }
    }

    async fn pause(&self, attempts: u32, server_wait: Option<Duration>) {
        self.retries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::time::sleep(retry::delay(&self.retry, attempts, server_wait)).await;
    }

    fn transport_error(
        &self,
        method: &Method,
        url: &Url,
        attempts: u32,
        e: &reqwest::Error,
    ) -> ArmError {
        ArmError::Transport {
            method: method.to_string().into(),
            url: url.to_string().into(),
            attempts,
            message: error_chain(e).into(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn status_error(
        &self,
        method: &Method,
        url: &Url,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        attempts: u32,
        retry_after: Option<Duration>,
    ) -> ArmError {
        let request_id = headers
            .get("x-ms-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let parsed = ErrorBody::parse(body);
        let message = parsed.full_message().unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no error message")
                .to_string()
        });
        match status.as_u16() {
            401 | 403 => ArmError::Auth {
                status: status.as_u16(),
                code: parsed.code.map(Into::into),
                message: message.into(),
                identity: self.current_identity().into(),
                hint: auth_hint(status.as_u16()),
                request_id: request_id.map(Into::into),
                method: method.to_string().into(),
                url: url.to_string().into(),
            },
            429 => {
                let info = self.ratelimit.lock().map(|i| *i).unwrap_or_default();
                ArmError::Throttled {
                    method: method.to_string().into(),
                    url: url.to_string().into(),
                    attempts,
                    retry_after,
                    remaining_reads: info.remaining_reads,
                    remaining_writes: info.remaining_writes,
                    request_id: request_id.map(Into::into),
                }
            }
            code => ArmError::Http {
                status: code,
                code: parsed.code.map(Into::into),
                message: message.into(),
                request_id: request_id.map(Into::into),
                method: method.to_string().into(),
                url: url.to_string().into(),
            },
        }
    }
}

fn auth_hint(status: u16) -> &'static str {
    if status == 401 {
        "The token was not accepted: sign in again (`az login`, then `az account set --subscription <id>`), \
         or check AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET for a service principal, \
         and that the cloud (--cloud) matches the account"
    } else {
        "The identity lacks permission: reading a hub needs Reader and a failover needs Contributor \
         (or a custom role with Microsoft.Devices/IotHubs/failover/action) on the hub, its resource group or subscription"
    }
}

/// A fresh `x-ms-client-request-id` (a v4 UUID), from the thread-local RNG rather than
/// a getrandom system call per request.
fn client_request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// `host:port` of a URL, lower-cased, with the scheme's default port made explicit.
fn host_and_port(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// Refuses to send a bearer token anywhere but https, or http on a loopback address.
pub(crate) fn ensure_secure(url: &Url) -> Result<(), ArmError> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(ArmError::InsecureEndpoint {
            url: url.to_string().into(),
        }),
    }
}

/// An error and its sources, as one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}
