//! A minimal HTTP/1.1 client: one keep-alive connection per worker, requests built by hand
//! (AWS JSON 1.1 with `X-Amz-Target`, SigV4 for admin operations).

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use cognate_protocol::sigv4::{self, Credentials};
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Where the server under test listens.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub addr: SocketAddr,
    /// The `Host` header: `127.0.0.1:PORT`.
    pub host: String,
    /// Any key signs: Cognate without admin credentials, moto and cognito-local accept all.
    pub credentials: Credentials,
}

impl Endpoint {
    /// `http://127.0.0.1:PORT` (a trailing slash is accepted).
    pub fn parse(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow!("only http:// endpoints are supported: {url}"))?;
        let host = rest.trim_end_matches('/').to_owned();
        let addr = host
            .parse::<SocketAddr>()
            .or_else(|_| {
                std::net::ToSocketAddrs::to_socket_addrs(&host)
                    .map_err(anyhow::Error::from)
                    .and_then(|mut a| a.next().ok_or_else(|| anyhow!("no address")))
            })
            .with_context(|| format!("resolving {host}"))?;
        Ok(Self {
            addr,
            host,
            credentials: Credentials {
                access_key_id: "AKIDBENCHMARK".into(),
                secret_access_key: "benchmark-secret-key".into(),
            },
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.host)
    }

    /// A cognito-idp call; `signed` for the operations Cognito signs with SigV4.
    pub fn idp(&self, operation: &str, body: &serde_json::Value, signed: bool) -> Req {
        let body = Bytes::from(body.to_string());
        let mut headers = HeaderMap::new();
        headers.insert(http::header::HOST, header(&self.host));
        headers.insert(
            "x-amz-target",
            header(&format!("AWSCognitoIdentityProviderService.{operation}")),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        if signed {
            sigv4::sign(
                "POST",
                "/",
                "",
                &mut headers,
                &body,
                &self.credentials,
                "us-east-1",
                "cognito-idp",
                now_unix(),
            );
        }
        Req {
            method: Method::POST,
            path: "/".into(),
            headers,
            body,
        }
    }

    /// A form POST (`application/x-www-form-urlencoded`), as OAuth endpoints take, with
    /// an optional `Authorization` header.
    pub fn form(&self, path: &str, body: String, authorization: Option<&str>) -> Req {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::HOST, header(&self.host));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        if let Some(value) = authorization {
            headers.insert(http::header::AUTHORIZATION, header(value));
        }
        Req {
            method: Method::POST,
            path: path.to_owned(),
            headers,
            body: Bytes::from(body),
        }
    }

    pub fn get(&self, path: &str) -> Req {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::HOST, header(&self.host));
        Req {
            method: Method::GET,
            path: path.to_owned(),
            headers,
            body: Bytes::new(),
        }
    }
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// A request ready to send (kept apart from hyper's type so it can be retried).
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A short description of an unexpected answer, for the report.
    pub fn describe(&self) -> String {
        let json = self.json();
        let kind = json["__type"].as_str().unwrap_or_default();
        let message = json["message"]
            .as_str()
            .or_else(|| json["Message"].as_str())
            .unwrap_or_default();
        if kind.is_empty() && message.is_empty() {
            let text = String::from_utf8_lossy(&self.body);
            if text.trim().is_empty() {
                return format!("HTTP {} with an empty body", self.status.as_u16());
            }
            format!("HTTP {}: {}", self.status.as_u16(), truncate(&text, 120))
        } else {
            format!(
                "HTTP {}: {kind} {}",
                self.status.as_u16(),
                truncate(message, 120)
            )
        }
    }
}

/// The first `max` characters, with runs of white space (an HTML error page's line breaks)
/// made one space, so that a reason fits on one line of the report.
fn truncate(text: &str, max: usize) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// One keep-alive connection, reopened when the server closes it.
pub struct Conn {
    endpoint: Endpoint,
    sender: Option<http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(endpoint: &Endpoint) -> Self {
        Self {
            endpoint: endpoint.clone(),
            sender: None,
        }
    }

    async fn open(&mut self) -> Result<&mut http1::SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.endpoint.addr)
                .await
                .with_context(|| format!("connecting to {}", self.endpoint.addr))?;
            stream.set_nodelay(true)?;
            let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or_else(|| anyhow!("no connection"))
    }

    /// Sends one request and reads the whole answer. A failure drops the connection, so
    /// the next request opens a fresh one.
    ///
    /// A server may close a kept-alive connection between two requests (moto's does after
    /// every answer); a request that fails on a reused connection is retried once on a new
    /// one.
    pub async fn send(&mut self, req: &Req) -> Result<Resp> {
        let reused = self.sender.as_ref().is_some_and(|s| !s.is_closed());
        let mut result = self.try_send(req).await;
        if result.is_err() && reused {
            self.sender = None;
            result = self.try_send(req).await;
        }
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn try_send(&mut self, req: &Req) -> Result<Resp> {
        let sender = self.open().await?;
        sender.ready().await?;
        let mut request = Request::builder()
            .method(req.method.clone())
            .uri(req.path.as_str())
            .body(Full::new(req.body.clone()))?;
        *request.headers_mut() = req.headers.clone();
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Resp { status, body })
    }
}

/// A connection that adds up the time its requests wait for the server, for operations of
/// several requests with client work in between.
pub struct Timed<'a> {
    conn: &'a mut Conn,
    pub waited: std::time::Duration,
}

impl<'a> Timed<'a> {
    pub fn new(conn: &'a mut Conn) -> Self {
        Self {
            conn,
            waited: std::time::Duration::ZERO,
        }
    }

    pub async fn send(&mut self, req: &Req) -> Result<Resp> {
        let sent = std::time::Instant::now();
        let result = self.conn.send(req).await;
        self.waited += sent.elapsed();
        result
    }
}

/// The wall clock, for SigV4 dates (the servers check signatures against their own clock).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
