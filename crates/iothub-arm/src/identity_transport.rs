//! The HTTP client azure_identity sends its token requests through: ours.
//!
//! azure_core ships its own reqwest (a second major version, with the aws-lc-rs TLS stack that
//! dominated the cold build). It is compiled out (`default-features = false`), and every
//! credential that talks HTTP (client secret, workload identity, managed identity) is given
//! this adapter in its `ClientOptions::transport` instead. A token request flows
//! azure_identity -> azure_core pipeline (its retry and logging policies) -> [`IdentityHttp`]
//! -> our reqwest client -> Entra ID / IMDS, and the answer flows back as azure_core's
//! `AsyncRawResponse`. The Azure CLI and azd credentials run a process and never get here.

use std::sync::Arc;
use std::time::Duration;

use azure_core::{
    error::{Error as CoreError, ErrorKind},
    http::{AsyncRawResponse, Body, HttpClient, Method, Request, headers::Headers},
};
use futures::TryStreamExt;

/// Token endpoints answer in well under a second; IMDS can be slow to accept a connection on a
/// machine that has none, so the connect bound is what keeps `--auth auto` from hanging.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// azure_core's [`HttpClient`] over the reqwest client the ARM calls use.
#[derive(Debug, Clone)]
pub(crate) struct IdentityHttp {
    http: reqwest::Client,
}

impl IdentityHttp {
    /// A transport for azure_core's `ClientOptions`.
    pub(crate) fn transport() -> Result<azure_core::http::Transport, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // Entra ID does not redirect token requests; following one could carry a client
            // secret or an assertion to another host.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(azure_core::http::Transport::new(Arc::new(Self { http })))
    }
}

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Delete => reqwest::Method::DELETE,
        Method::Head => reqwest::Method::HEAD,
        Method::Patch => reqwest::Method::PATCH,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        // Get, and any method a later azure_core adds: identity only ever GETs or POSTs.
        _ => reqwest::Method::GET,
    }
}

#[async_trait::async_trait]
impl HttpClient for IdentityHttp {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut builder = self
            .http
            .request(method(request.method()), request.url().clone());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match request.body() {
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            // Token requests are small forms; nothing in azure_identity streams a body.
            Body::SeekableStream(_) => {
                return Err(CoreError::with_message(
                    ErrorKind::Other,
                    "streaming request bodies are not supported for token requests",
                ));
            }
        };
        let response = builder.send().await.map_err(|e| {
            // Connection failures are what azure_core's retry policy and the credential chain
            // treat as "this source is not available here".
            let kind = if e.is_connect() {
                ErrorKind::Connection
            } else {
                ErrorKind::Io
            };
            CoreError::with_error(kind, e, "token request failed")
        })?;
        let status = response.status().as_u16();
        let mut headers = Headers::new();
        for (name, value) in response.headers() {
            if let Ok(value) = value.to_str() {
                headers.insert(name.as_str().to_owned(), value.to_owned());
            }
        }
        let body = response
            .bytes_stream()
            .map_err(|e| CoreError::with_error(ErrorKind::Io, e, "reading a token response"));
        Ok(AsyncRawResponse::new(
            status.into(),
            headers,
            Box::pin(body),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use azure_core::http::Url;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTP/1.1 exchange on 127.0.0.1: returns what the client sent, answers `reply`.
    async fn one_exchange(reply: &'static str) -> (Url, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!(
            "http://{}/tenant/oauth2/v2.0/token",
            listener.local_addr().unwrap()
        ))
        .unwrap();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 4096];
            // Read until the form body (after the blank line) has arrived in full.
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                seen.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&seen);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_owned)
                        })
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            socket.write_all(reply.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            String::from_utf8(seen).unwrap()
        });
        (url, server)
    }

    #[tokio::test]
    async fn a_token_request_goes_out_and_its_answer_comes_back_unchanged() {
        let (url, server) = one_exchange(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-ms-request-id: abc\r\ncontent-length: 16\r\n\r\n{\"token\":\"t-1\"}\n",
        )
        .await;
        let transport = IdentityHttp {
            http: reqwest::Client::new(),
        };
        let mut request = Request::new(url, Method::Post);
        request.insert_header("content-type", "application/x-www-form-urlencoded");
        request.set_body("grant_type=client_credentials&scope=s");
        let response = transport.execute_request(&request).await.unwrap();
        assert_eq!(u16::from(response.status()), 200);
        let header = response
            .headers()
            .iter()
            .find(|(k, _)| k.as_str() == "x-ms-request-id")
            .map(|(_, v)| v.as_str().to_owned());
        assert_eq!(header.as_deref(), Some("abc"));
        let body = response.into_body().collect().await.unwrap();
        assert_eq!(&body[..], b"{\"token\":\"t-1\"}\n");

        let sent = server.await.unwrap();
        assert!(
            sent.starts_with("POST /tenant/oauth2/v2.0/token HTTP/1.1\r\n"),
            "{sent}"
        );
        assert!(
            sent.to_ascii_lowercase()
                .contains("content-type: application/x-www-form-urlencoded"),
            "{sent}"
        );
        assert!(
            sent.ends_with("grant_type=client_credentials&scope=s"),
            "{sent}"
        );
    }

    #[tokio::test]
    async fn an_error_status_is_an_answer_not_a_transport_error() {
        // azure_identity reads Entra ID's error body itself; the transport must hand it over.
        let (url, server) = one_exchange(
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 26\r\n\r\n{\"error\":\"invalid_client\"}",
        )
        .await;
        let transport = IdentityHttp {
            http: reqwest::Client::new(),
        };
        let response = transport
            .execute_request(&Request::new(url, Method::Get))
            .await
            .unwrap();
        assert_eq!(u16::from(response.status()), 400);
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connection_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = Url::parse(&format!("http://{}/token", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let transport = IdentityHttp {
            http: reqwest::Client::new(),
        };
        let err = transport
            .execute_request(&Request::new(url, Method::Get))
            .await
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Connection), "{err:?}");
    }

    #[test]
    fn every_method_maps_to_the_same_reqwest_method() {
        for (core, ours) in [
            (Method::Get, "GET"),
            (Method::Post, "POST"),
            (Method::Put, "PUT"),
            (Method::Patch, "PATCH"),
            (Method::Delete, "DELETE"),
            (Method::Head, "HEAD"),
        ] {
            assert_eq!(method(core).as_str(), ours);
        }
    }
}
