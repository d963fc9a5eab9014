//! The fixed workload: a pool and a client, N preloaded users, then each operation for a
//! fixed time at each concurrency.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};

use crate::client::{Conn, Endpoint, Req, Resp, Timed};
use crate::oauth::OAuthClient;
use crate::srp::SrpClient;
use crate::stats::{Figures, Outcome, histogram};
use crate::totp::{TOTP_MIN_USERS, TOTP_USERS, TotpUsers};

/// How many preloaded users get a password to sign in with (worker `w` signs in as user
/// `w % SIGN_IN_USERS`).
pub const SIGN_IN_USERS: usize = 16;

/// Workers used to preload users.
const PRELOAD_WORKERS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    SignUp,
    PasswordAuth,
    RefreshAuth,
    GetUser,
    AdminGetUser,
    ListUsersFilter,
    ListUsersPage,
    Jwks,
    /// SRP sign-in: InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER,
    /// timed as one operation (see `srp.rs`).
    SrpAuth,
    /// A password sign-in answered with a TOTP code (SOFTWARE_TOKEN_MFA), timed as one
    /// operation (see `totp.rs`).
    TotpAuth,
    /// `POST /oauth2/token` with `grant_type=client_credentials` (see `oauth.rs`).
    ClientCredentials,
}

impl Op {
    pub const ALL: [Op; 11] = [
        Op::SignUp,
        Op::PasswordAuth,
        Op::RefreshAuth,
        Op::GetUser,
        Op::AdminGetUser,
        Op::ListUsersFilter,
        Op::ListUsersPage,
        Op::Jwks,
        Op::SrpAuth,
        Op::TotpAuth,
        Op::ClientCredentials,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::SignUp => "SignUp (new names)",
            Op::PasswordAuth => "InitiateAuth USER_PASSWORD_AUTH",
            Op::RefreshAuth => "InitiateAuth REFRESH_TOKEN_AUTH",
            Op::GetUser => "GetUser",
            Op::AdminGetUser => "AdminGetUser",
            Op::ListUsersFilter => "ListUsers Filter email",
            Op::ListUsersPage => "ListUsers paging (Limit 60)",
            Op::Jwks => "GET jwks.json",
            Op::SrpAuth => "SRP sign-in",
            Op::TotpAuth => "TOTP sign-in",
            Op::ClientCredentials => "OAuth client_credentials",
        }
    }

    /// Whether the operation hashes a password (Argon2id on Cognate, plaintext on the peers).
    /// SRP does not: the server checks a claim against the stored verifier.
    pub fn hashes_password(self) -> bool {
        matches!(self, Op::SignUp | Op::PasswordAuth | Op::TotpAuth)
    }

    pub fn not_yet(self) -> bool {
        false
    }

    /// One operation of worker `w`: one request and its check, or a whole multi-step
    /// sign-in. Answers the time spent waiting for the server (the generator's own work
    /// between two requests is not the server's latency) and the verdict: `Err` is the
    /// unexpected answer.
    async fn perform(
        self,
        ctx: &Context,
        w: &mut WorkerState,
        conn: &mut Conn,
    ) -> (Duration, Result<(), String>) {
        if self == Op::SrpAuth {
            if w.srp.is_none() {
                match SrpClient::new() {
                    Ok(client) => w.srp = Some(client),
                    Err(e) => return (Duration::ZERO, Err(e)),
                }
            }
            let username = user_name(w.id % ctx.sign_in_users());
            let mut timed = Timed::new(conn);
            let verdict = match &w.srp {
                Some(client) => client.sign_in(ctx, &mut timed, &username).await,
                None => Err("no SRP client".into()),
            };
            return (timed.waited, verdict);
        }
        if self == Op::TotpAuth {
            let mut timed = Timed::new(conn);
            let verdict = match ctx.totp.get() {
                Some(Ok(users)) => users.sign_in(ctx, &mut timed).await,
                Some(Err(e)) => Err(e.clone()),
                None => Err("TOTP users not set up".into()),
            };
            return (timed.waited, verdict);
        }
        if self == Op::ClientCredentials
            && let Err(reason) = &ctx.oauth
        {
            return (Duration::ZERO, Err(reason.clone()));
        }
        let Some(req) = self.request(ctx, w) else {
            return (Duration::ZERO, Err("not written yet".into()));
        };
        let sent = Instant::now();
        let result = conn.send(&req).await;
        let waited = sent.elapsed();
        let verdict = match result {
            Ok(resp) => self.check(ctx, w, &resp),
            Err(e) => Err(format!("{e:#}")),
        };
        (waited, verdict)
    }

    /// The next request of worker `w`; `None` for operations not written yet.
    fn request(self, ctx: &Context, w: &mut WorkerState) -> Option<Req> {
        let ep = &ctx.endpoint;
        let req = match self {
            Op::SignUp => {
                let n = ctx.sign_ups.fetch_add(1, Ordering::Relaxed);
                let name = format!("s{}-{n}", ctx.run_id);
                ep.idp(
                    "SignUp",
                    &json!({
                        "ClientId": ctx.client_id,
                        "Username": name,
                        "Password": ctx.password,
                        "UserAttributes": [{"Name": "email", "Value": format!("{name}@bench.example")}],
                    }),
                    false,
                )
            }
            Op::PasswordAuth => ep.idp(
                "InitiateAuth",
                &json!({
                    "ClientId": ctx.client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {
                        "USERNAME": user_name(w.id % ctx.sign_in_users()),
                        "PASSWORD": ctx.password,
                    },
                }),
                false,
            ),
            Op::RefreshAuth => ep.idp(
                "InitiateAuth",
                &json!({
                    "ClientId": ctx.client_id,
                    "AuthFlow": "REFRESH_TOKEN_AUTH",
                    "AuthParameters": {"REFRESH_TOKEN": ctx.tokens(w.id).refresh},
                }),
                false,
            ),
            Op::GetUser => ep.idp(
                "GetUser",
                &json!({"AccessToken": ctx.tokens(w.id).access}),
                false,
            ),
            Op::AdminGetUser => {
                let i = w.next_index(ctx.users);
                ep.idp(
                    "AdminGetUser",
                    &json!({"UserPoolId": ctx.pool_id, "Username": user_name(i)}),
                    true,
                )
            }
            Op::ListUsersFilter => {
                let i = w.next_index(ctx.users);
                ep.idp(
                    "ListUsers",
                    &json!({
                        "UserPoolId": ctx.pool_id,
                        "Filter": format!("email = \"{}\"", user_email(i)),
                    }),
                    true,
                )
            }
            Op::ListUsersPage => {
                let mut body = json!({"UserPoolId": ctx.pool_id, "Limit": 60});
                if let Some(token) = &w.page_token {
                    body["PaginationToken"] = json!(token);
                }
                ep.idp("ListUsers", &body, true)
            }
            Op::Jwks => ep.get(&format!("/{}/.well-known/jwks.json", ctx.pool_id)),
            Op::ClientCredentials => match &ctx.oauth {
                Ok(client) => client.token_request(ep),
                Err(_) => return None,
            },
            // Several requests each: see `perform`.
            Op::SrpAuth | Op::TotpAuth => return None,
        };
        Some(req)
    }

    /// Whether an answer is right; updates the worker's paging state.
    fn check(self, ctx: &Context, w: &mut WorkerState, resp: &Resp) -> Result<(), String> {
        if !resp.status.is_success() {
            return Err(resp.describe());
        }
        let body = resp.json();
        let ok = match self {
            Op::SignUp => body["UserSub"].is_string(),
            Op::PasswordAuth | Op::RefreshAuth => {
                body["AuthenticationResult"]["AccessToken"].is_string()
            }
            Op::GetUser => body["Username"].is_string(),
            Op::AdminGetUser => body["Username"].is_string(),
            Op::ListUsersFilter => body["Users"].as_array().is_some_and(|u| u.len() == 1),
            Op::ListUsersPage => {
                let count = body["Users"].as_array().map_or(usize::MAX, Vec::len);
                let token = body["PaginationToken"].as_str().map(str::to_owned);
                let first_page = w.page_token.is_none();
                w.page_token = token.clone();
                if count > 60 {
                    return Err(format!("a page of {count} users for Limit 60"));
                }
                if first_page && ctx.users > 60 && token.is_none() {
                    return Err(format!(
                        "no PaginationToken after the first {count} of {} users",
                        ctx.users
                    ));
                }
                count > 0 || !first_page
            }
            Op::Jwks => body["keys"].as_array().is_some_and(|k| !k.is_empty()),
            Op::ClientCredentials => {
                body["access_token"].is_string() && body["token_type"].as_str() == Some("Bearer")
            }
            Op::SrpAuth | Op::TotpAuth => false,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "unexpected answer: {}",
                String::from_utf8_lossy(&resp.body)
                    .chars()
                    .take(160)
                    .collect::<String>()
            ))
        }
    }
}

pub fn user_name(i: usize) -> String {
    format!("user{i:07}")
}

pub fn user_email(i: usize) -> String {
    format!("user{i:07}@bench.example")
}

#[derive(Clone, Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
}

/// What every worker shares: the pool, the client, the users.
#[derive(Debug)]
pub struct Context {
    pub endpoint: Endpoint,
    pub pool_id: String,
    pub client_id: String,
    pub users: usize,
    pub password: String,
    pub run_id: String,
    /// Names for SignUp: unique across workers and measurements.
    pub sign_ups: AtomicU64,
    /// One token pair per sign-in user, for REFRESH_TOKEN_AUTH and GetUser.
    pub tokens: Vec<Tokens>,
    /// The users of the TOTP sign-in, set up before its first measurement.
    pub totp: tokio::sync::OnceCell<Result<TotpUsers, String>>,
    /// The confidential client of the client_credentials grant, or why the target refused
    /// to create it.
    pub oauth: Result<OAuthClient, String>,
    /// Whether users created by AdminCreateUser get a temporary password (see `preload`).
    pub temporary_passwords: bool,
}

impl Context {
    fn sign_in_users(&self) -> usize {
        self.users.clamp(1, SIGN_IN_USERS)
    }

    fn tokens(&self, worker: usize) -> &Tokens {
        &self.tokens[worker % self.tokens.len()]
    }
}

struct WorkerState {
    id: usize,
    rng: u64,
    page_token: Option<String>,
    srp: Option<SrpClient>,
}

impl WorkerState {
    fn new(id: usize) -> Self {
        Self {
            id,
            rng: 0x9E37_79B9_7F4A_7C15 ^ (id as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            page_token: None,
            srp: None,
        }
    }

    /// A pseudo-random user index (xorshift: cheap, and the same sequence every run).
    fn next_index(&mut self, n: usize) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % n.max(1) as u64) as usize
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub users: usize,
    /// Counted time per operation and concurrency.
    pub duration: Duration,
    /// Time before it whose requests are not counted (R38: 10 s before 60 s).
    pub warmup: Duration,
    /// Preloaded users get a temporary password (one Argon2 hash each), as before the
    /// server stored none for suppressed invitations.
    pub temporary_passwords: bool,
    pub concurrency: Vec<usize>,
    /// Only these operations (all when empty).
    pub only: Vec<Op>,
    /// The server's process, to report its CPU time per operation.
    pub server_pid: Option<u32>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub users: usize,
    pub preload: Duration,
    /// Whether the preload sent temporary passwords.
    pub temporary_passwords: bool,
    /// The highest concurrency measured: what the R38 verdicts read.
    pub top_concurrency: usize,
    /// (operation, concurrency, outcome), in workload order.
    pub rows: Vec<(Op, usize, Outcome)>,
}

/// One setup call. `TooManyRequestsException` (Cognate's password-hash gate shedding load,
/// on a slow debug build) is retried after a pause: the preload is not what is measured.
pub(crate) async fn call(conn: &mut Conn, req: &Req, what: &str) -> Result<Value> {
    let mut attempts = 0;
    loop {
        let resp = conn.send(req).await.with_context(|| what.to_owned())?;
        if resp.status.is_success() {
            return Ok(resp.json());
        }
        attempts += 1;
        if resp.json()["__type"].as_str() == Some("TooManyRequestsException") && attempts < 100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        bail!("{what}: {}", resp.describe());
    }
}

/// `CreateUserPool` with the defaults; answers the pool's id.
pub(crate) async fn create_pool(
    conn: &mut Conn,
    endpoint: &Endpoint,
    name: &str,
) -> Result<String> {
    let pool = call(
        conn,
        &endpoint.idp("CreateUserPool", &json!({"PoolName": name}), true),
        "CreateUserPool",
    )
    .await?;
    Ok(pool["UserPool"]["Id"]
        .as_str()
        .context("CreateUserPool returned no UserPool.Id")?
        .to_owned())
}

/// `CreateUserPoolClient` without a secret and with `flows`; answers the client's id.
pub(crate) async fn create_client(
    conn: &mut Conn,
    endpoint: &Endpoint,
    pool_id: &str,
    name: &str,
    flows: &[&str],
) -> Result<String> {
    let client = call(
        conn,
        &endpoint.idp(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": name, "ExplicitAuthFlows": flows}),
            true,
        ),
        "CreateUserPoolClient",
    )
    .await?;
    Ok(client["UserPoolClient"]["ClientId"]
        .as_str()
        .context("CreateUserPoolClient returned no ClientId")?
        .to_owned())
}

/// Creates the pool and the clients, preloads the users, signs the sign-in users in once.
pub async fn setup(
    endpoint: &Endpoint,
    users: usize,
    temporary_passwords: bool,
) -> Result<(Arc<Context>, Duration)> {
    let mut conn = Conn::new(endpoint);
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let password = format!("Bench-{run_id}-9x");
    let pool_id = create_pool(&mut conn, endpoint, &format!("bench-{run_id}")).await?;
    let client_id = create_client(
        &mut conn,
        endpoint,
        &pool_id,
        "bench",
        &[
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_REFRESH_TOKEN_AUTH",
        ],
    )
    .await?;
    // MFA is optional, so only the users who set up a software token (the TOTP sign-in's)
    // are asked for a code. A target without MFA leaves the TOTP sign-in unsupported.
    let mfa = endpoint.idp(
        "SetUserPoolMfaConfig",
        &json!({
            "UserPoolId": pool_id,
            "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
        }),
        true,
    );
    if let Err(e) = call(&mut conn, &mfa, "SetUserPoolMfaConfig").await {
        eprintln!("  no MFA on this target: {e:#}");
    }
    let oauth = OAuthClient::setup(endpoint, &mut conn, &pool_id).await;
    if let Err(e) = &oauth {
        eprintln!("  no client_credentials client on this target: {e}");
    }
    let mut ctx = Context {
        endpoint: endpoint.clone(),
        pool_id,
        client_id,
        users,
        password,
        run_id,
        sign_ups: AtomicU64::new(0),
        tokens: Vec::new(),
        totp: tokio::sync::OnceCell::new(),
        oauth,
        temporary_passwords,
    };

    let start = Instant::now();
    preload(&ctx).await?;
    let preload_time = start.elapsed();

    for i in 0..ctx.sign_in_users() {
        let auth = call(
            &mut conn,
            &endpoint.idp(
                "InitiateAuth",
                &json!({
                    "ClientId": ctx.client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": user_name(i), "PASSWORD": ctx.password},
                }),
                false,
            ),
            "InitiateAuth of a preloaded user",
        )
        .await?;
        let result = &auth["AuthenticationResult"];
        ctx.tokens.push(Tokens {
            access: result["AccessToken"]
                .as_str()
                .context("sign-in without an AccessToken")?
                .to_owned(),
            refresh: result["RefreshToken"]
                .as_str()
                .context("sign-in without a RefreshToken")?
                .to_owned(),
        });
    }
    Ok((Arc::new(ctx), preload_time))
}

/// AdminCreateUser (message suppressed, verified email) for every user; the sign-in users
/// also get a permanent password (AdminSetUserPassword).
///
/// By default no temporary password is sent: with the invitation suppressed nobody could
/// learn one, and a server that stores none for such users loads them without an Argon2
/// hash each. A server that still makes up and hashes one is measured as it is; the sign-in
/// users' permanent password works either way.
async fn preload(ctx: &Context) -> Result<()> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..PRELOAD_WORKERS.min(ctx.users.max(1)) {
        let next = next.clone();
        let endpoint = ctx.endpoint.clone();
        let pool_id = ctx.pool_id.clone();
        let password = ctx.password.clone();
        let users = ctx.users;
        let sign_in = ctx.sign_in_users();
        let temporary = ctx.temporary_passwords;
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(&endpoint);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users {
                    return anyhow::Ok(());
                }
                let mut create = json!({
                    "UserPoolId": pool_id,
                    "Username": user_name(i),
                    "MessageAction": "SUPPRESS",
                    "UserAttributes": [
                        {"Name": "email", "Value": user_email(i)},
                        {"Name": "email_verified", "Value": "true"},
                    ],
                });
                if temporary {
                    create["TemporaryPassword"] = json!(password);
                }
                call(
                    &mut conn,
                    &endpoint.idp("AdminCreateUser", &create, true),
                    "AdminCreateUser",
                )
                .await?;
                if i < sign_in {
                    call(
                        &mut conn,
                        &endpoint.idp(
                            "AdminSetUserPassword",
                            &json!({
                                "UserPoolId": pool_id,
                                "Username": user_name(i),
                                "Password": password,
                                "Permanent": true,
                            }),
                            true,
                        ),
                        "AdminSetUserPassword",
                    )
                    .await?;
                }
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(())
}

/// Runs every operation at every concurrency.
pub async fn run(ctx: &Arc<Context>, options: &Options) -> Result<Vec<(Op, usize, Outcome)>> {
    let mut rows = Vec::new();
    for op in Op::ALL {
        if !options.only.is_empty() && !options.only.contains(&op) {
            continue;
        }
        if op.not_yet() {
            for &c in &options.concurrency {
                rows.push((op, c, Outcome::NotYet));
            }
            continue;
        }
        // One untimed probe: a target that lacks the operation, or answers it wrongly, is
        // reported as unsupported rather than as a run full of errors.
        if let Err(reason) = probe(ctx, op).await {
            eprintln!("  {:<34} unsupported: {reason}", op.name());
            for &c in &options.concurrency {
                rows.push((op, c, Outcome::Unsupported(reason.clone())));
            }
            continue;
        }
        for &c in &options.concurrency {
            let window = Window {
                warmup: options.warmup,
                duration: options.duration,
            };
            let figures = measure(ctx, op, c, window, options.server_pid).await?;
            eprintln!(
                "  {:<34} c={c:<3} {:>9} req/s  p50 {:>7} ms  p99 {:>7} ms  errors {}{}",
                op.name(),
                crate::stats::rate(figures.rps()),
                crate::stats::ms(figures.p50_us),
                crate::stats::ms(figures.p99_us),
                figures.errors,
                figures
                    .first_error
                    .as_deref()
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default(),
            );
            rows.push((op, c, Outcome::Measured(figures)));
        }
    }
    Ok(rows)
}

async fn probe(ctx: &Arc<Context>, op: Op) -> Result<(), String> {
    if op == Op::TotpAuth {
        // The TOTP users are users of their own, not the preloaded ones; a small workload
        // still gets enough of them that a second's sign-ins at c=16 find unspent codes.
        let count = TOTP_USERS.min(ctx.users.max(TOTP_MIN_USERS));
        eprintln!("  setting up {count} TOTP users...");
        let setup = ctx.totp.get_or_init(|| TotpUsers::setup(ctx, count)).await;
        if let Err(e) = setup {
            return Err(e.clone());
        }
    }
    let mut conn = Conn::new(&ctx.endpoint);
    let mut state = WorkerState::new(0);
    op.perform(ctx, &mut state, &mut conn).await.1
}

/// How long one measurement lasts: a warm-up whose operations are not counted, then the
/// counted time.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub warmup: Duration,
    pub duration: Duration,
}

impl Window {
    pub fn counted(duration: Duration) -> Self {
        Self {
            warmup: Duration::ZERO,
            duration,
        }
    }
}

/// `concurrency` workers, each with its own keep-alive connection, for the window; with
/// the server's pid, also the server's CPU time per operation. Operations started during
/// the warm-up are left out of every figure, the server's CPU time included.
pub async fn measure(
    ctx: &Arc<Context>,
    op: Op,
    concurrency: usize,
    window: Window,
    server_pid: Option<u32>,
) -> Result<Figures> {
    let counted_from = Instant::now() + window.warmup;
    let deadline = counted_from + window.duration;
    let mut tasks = Vec::new();
    for id in 0..concurrency {
        let ctx = ctx.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = histogram()?;
            let mut errors = 0u64;
            let mut first_error = None;
            let mut conn = Conn::new(&ctx.endpoint);
            let mut state = WorkerState::new(id);
            loop {
                let started = Instant::now();
                if started >= deadline {
                    break;
                }
                let (waited, verdict) = op.perform(&ctx, &mut state, &mut conn).await;
                if started < counted_from {
                    continue;
                }
                hist.saturating_record(waited.as_micros().max(1) as u64);
                if let Err(e) = verdict {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            anyhow::Ok((hist, errors, first_error))
        }));
    }
    tokio::time::sleep_until(counted_from.into()).await;
    let cpu_before = server_pid.and_then(crate::targets::cpu_time_us);
    let start = Instant::now();
    let mut total = histogram()?;
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let (hist, e, first) = task.await??;
        total.add(&hist)?;
        errors += e;
        if first_error.is_none() {
            first_error = first;
        }
    }
    let mut figures = Figures::from_histogram(&total, errors, start.elapsed(), first_error);
    let cpu_after = server_pid.and_then(crate::targets::cpu_time_us);
    if let (Some(before), Some(after)) = (cpu_before, cpu_after)
        && figures.requests > 0
    {
        figures.server_cpu_us = Some(after.saturating_sub(before) as f64 / figures.requests as f64);
    }
    Ok(figures)
}

/// Setup, preload and every operation.
pub async fn run_all(endpoint: &Endpoint, options: &Options) -> Result<Report> {
    eprintln!(
        "  preloading {} users (AdminCreateUser, {}, {PRELOAD_WORKERS} workers)...",
        options.users,
        if options.temporary_passwords {
            "temporary passwords"
        } else {
            "no temporary password"
        }
    );
    let (ctx, preload) = setup(endpoint, options.users, options.temporary_passwords).await?;
    eprintln!("  preload: {:.1} s", preload.as_secs_f64());
    let rows = run(&ctx, options).await?;
    Ok(Report {
        users: options.users,
        preload,
        temporary_passwords: options.temporary_passwords,
        top_concurrency: options.concurrency.iter().copied().max().unwrap_or(0),
        rows,
    })
}
