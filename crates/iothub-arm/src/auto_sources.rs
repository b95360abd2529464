//! Which sources of the `--auth auto` chain are present on this machine, found out before any
//! token request so a machine with none fails in a second instead of waiting on timeouts.
//!
//! Each source is looked at the cheapest way that still says whether it could work: the client
//! secret and workload identity by their `AZURE_*` variables, the developer tools by `az` /
//! `azd` on `PATH`, managed identity by a short TCP connect to the endpoint azure_identity
//! would call. That probe only ever targets the Instance Metadata Service address or a
//! loopback `IDENTITY_ENDPOINT` (App Service's local identity server); any other endpoint is
//! left to the token request itself. [`survey`] returns one [`SourceCheck`] per source;
//! `credentials::auto_chain` keeps the present ones and, when there are none, the error lists
//! every check with the reason it was skipped.

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// How long the managed-identity endpoint has to accept a TCP connection. IMDS answers in
/// milliseconds where it exists; where it does not, waiting longer only delays the error.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The address azure_identity's VM managed identity (IMDS) sends token requests to.
const IMDS_HOST: &str = "169.254.169.254";

/// One source of the `--auth auto` chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `AZURE_TENANT_ID` / `AZURE_CLIENT_ID` / `AZURE_CLIENT_SECRET`.
    ClientSecret,
    /// `AZURE_FEDERATED_TOKEN_FILE` (with tenant and client id).
    WorkloadIdentity,
    /// The Azure CLI (`az login`).
    AzureCli,
    /// The Azure Developer CLI (`azd auth login`).
    AzureDeveloperCli,
    /// The managed identity of the VM / App Service.
    ManagedIdentity,
}

impl Source {
    /// How the source is named to a user.
    pub fn label(self) -> &'static str {
        match self {
            Source::ClientSecret => "client secret (AZURE_CLIENT_SECRET)",
            Source::WorkloadIdentity => "workload identity (AZURE_FEDERATED_TOKEN_FILE)",
            Source::AzureCli => "Azure CLI (az login)",
            Source::AzureDeveloperCli => "Azure Developer CLI (azd auth login)",
            Source::ManagedIdentity => "managed identity",
        }
    }
}

/// What the survey found about one source: `skipped` says why it cannot work here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCheck {
    /// Which source.
    pub source: Source,
    /// `None` when the source is present (it is tried); otherwise why it was skipped.
    pub skipped: Option<String>,
}

impl SourceCheck {
    fn present(source: Source) -> Self {
        Self {
            source,
            skipped: None,
        }
    }

    fn skipped(source: Source, why: impl Into<String>) -> Self {
        Self {
            source,
            skipped: Some(why.into()),
        }
    }
}

/// Looks at every source of the chain, in the chain's order.
pub async fn survey() -> Vec<SourceCheck> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut checks = vec![
        match env("AZURE_CLIENT_SECRET") {
            Some(_) => SourceCheck::present(Source::ClientSecret),
            None => SourceCheck::skipped(Source::ClientSecret, "AZURE_CLIENT_SECRET is not set"),
        },
        match env("AZURE_FEDERATED_TOKEN_FILE") {
            Some(_) => SourceCheck::present(Source::WorkloadIdentity),
            None => SourceCheck::skipped(
                Source::WorkloadIdentity,
                "AZURE_FEDERATED_TOKEN_FILE is not set",
            ),
        },
        tool_check(Source::AzureCli, "az", &path),
        tool_check(Source::AzureDeveloperCli, "azd", &path),
    ];
    checks.push(managed_identity_check(&env).await);
    checks
}

/// Renders the survey for an error message: each source and why it was skipped.
pub fn describe(checks: &[SourceCheck]) -> String {
    checks
        .iter()
        .map(|c| match &c.skipped {
            Some(why) => format!("  - {}: skipped, {why}", c.source.label()),
            None => format!("  - {}: present", c.source.label()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn tool_check(source: Source, program: &str, path: &std::ffi::OsStr) -> SourceCheck {
    if on_path(program, path) {
        SourceCheck::present(source)
    } else {
        SourceCheck::skipped(source, format!("`{program}` is not on PATH"))
    }
}

/// Whether `program` is a file in one of `path`'s directories (Windows: with a runnable
/// extension), the way the shell azure_identity starts would find it.
fn on_path(program: &str, path: &std::ffi::OsStr) -> bool {
    let names: Vec<String> = if cfg!(windows) {
        ["exe", "cmd", "bat"]
            .iter()
            .map(|ext| format!("{program}.{ext}"))
            .collect()
    } else {
        vec![program.to_string()]
    };
    std::env::split_paths(path).any(|dir| names.iter().any(|n| is_file(&dir.join(n))))
}

fn is_file(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
}

/// Which endpoint azure_identity 1.0's `ManagedIdentityCredential` would call, decided from
/// the same variables in the same order, and whether it answers.
async fn managed_identity_check(env: &dyn Fn(&str) -> Option<String>) -> SourceCheck {
    let source = Source::ManagedIdentity;
    let endpoint = match (
        env("IDENTITY_ENDPOINT"),
        env("IDENTITY_HEADER"),
        env("IMDS_ENDPOINT"),
        env("MSI_ENDPOINT"),
    ) {
        (Some(_), Some(_), _, _) if env("IDENTITY_SERVER_THUMBPRINT").is_some() => {
            return SourceCheck::skipped(
                source,
                "Service Fabric managed identity (IDENTITY_SERVER_THUMBPRINT) is not supported by azure_identity",
            );
        }
        (Some(url), Some(_), _, _) => url,
        (Some(_), None, Some(_), _) => {
            return SourceCheck::skipped(
                source,
                "Azure Arc managed identity (IDENTITY_ENDPOINT with IMDS_ENDPOINT) is not supported by azure_identity",
            );
        }
        (None, _, _, Some(_)) => {
            return SourceCheck::skipped(
                source,
                "Cloud Shell / Azure ML managed identity (MSI_ENDPOINT) is not supported by azure_identity",
            );
        }
        _ => format!("http://{IMDS_HOST}/metadata/identity/oauth2/token"),
    };
    let Ok(url) = url::Url::parse(&endpoint) else {
        return SourceCheck::skipped(
            source,
            format!("IDENTITY_ENDPOINT {endpoint:?} is not a URL"),
        );
    };
    let Some(host) = url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_string())
    else {
        return SourceCheck::skipped(source, format!("IDENTITY_ENDPOINT {endpoint} has no host"));
    };
    let Some(port) = url.port_or_known_default() else {
        return SourceCheck::skipped(source, format!("IDENTITY_ENDPOINT {endpoint} has no port"));
    };
    if !probe_allowed(&host) {
        // Not an address the probe may touch: the token request itself (bounded) decides.
        return SourceCheck::present(source);
    }
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    match tokio::time::timeout(PROBE_TIMEOUT, connect).await {
        Ok(Ok(_)) => SourceCheck::present(source),
        Ok(Err(e)) => SourceCheck::skipped(
            source,
            format!("the endpoint {host}:{port} refused a connection ({e})"),
        ),
        Err(_) => SourceCheck::skipped(
            source,
            format!(
                "the endpoint {host}:{port} did not answer within {} ms (not an Azure VM or App Service?)",
                PROBE_TIMEOUT.as_millis()
            ),
        ),
    }
}

/// The probe may only reach IMDS's link-local address or this machine.
fn probe_allowed(host: &str) -> bool {
    if host == IMDS_HOST || host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_imds_and_loopback_are_probed() {
        assert!(probe_allowed("169.254.169.254"));
        assert!(probe_allowed("127.0.0.1"));
        assert!(probe_allowed("::1"));
        assert!(probe_allowed("localhost"));
        assert!(!probe_allowed("10.0.0.4"));
        assert!(!probe_allowed("login.microsoftonline.com"));
    }

    #[test]
    fn a_tool_is_found_only_in_a_path_directory() {
        let dir = tempdir();
        let name = if cfg!(windows) { "az.exe" } else { "az" };
        std::fs::write(dir.join(name), b"").unwrap();
        let path = std::env::join_paths([dir.clone()]).unwrap();
        assert!(on_path("az", &path));
        assert!(!on_path("azd", &path));
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("auto-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
