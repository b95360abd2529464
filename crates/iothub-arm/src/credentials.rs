//! Where tokens come from: the `--auth` choices, mapped to azure_identity 1.0
//! credentials, plus [`StaticTokenCredential`] for the emulator.
//!
//! [`credential_for`] builds an `Arc<dyn TokenCredential>` wrapped in a
//! [`LabelledCredential`], whose `Debug` is a human description of the identity
//! ("Azure CLI (az login)"); [`crate::ArmClient`] quotes that description in 401/403
//! errors. azure_identity 1.0 has no `DefaultAzureCredential` nor an environment
//! credential, so `Auto` is [`ChainedCredential`] built here: client secret (when
//! `AZURE_CLIENT_SECRET` is set), workload identity (when `AZURE_FEDERATED_TOKEN_FILE`
//! is set), developer tools (Azure CLI, then Azure Developer CLI), managed identity.
//! [`available_credential`] builds that chain from the sources present on this machine only
//! (see `auto_sources`), so a machine with none fails at once, saying what was tried.

use std::{fmt, sync::Arc};

use async_trait::async_trait;
use azure_core::{
    cloud::CloudConfiguration,
    credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions},
    http::ClientOptions as CoreClientOptions,
    time::{Duration as CoreDuration, OffsetDateTime},
};
use azure_identity::{
    AzureCliCredential, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, DeveloperToolsCredential, ManagedIdentityCredential,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use tokio::sync::Mutex;

use crate::{
    auto_sources::Source, error::ArmError, identity_transport::IdentityHttp, options::Cloud,
};

/// How to authenticate (the CLI's `--auth`).
#[derive(Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// Try, in order: client secret from `AZURE_*`, workload identity, Azure CLI /
    /// Azure Developer CLI, managed identity. The first that yields a token is kept.
    Auto,
    /// The Azure CLI's signed-in account (`az login`).
    AzureCli,
    /// The managed identity of the VM / App Service / container (system-assigned,
    /// or user-assigned when `AZURE_CLIENT_ID` is set).
    ManagedIdentity,
    /// Kubernetes workload identity (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
    /// `AZURE_FEDERATED_TOKEN_FILE`).
    WorkloadIdentity,
    /// A service principal secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`).
    ClientSecret,
    /// A fixed bearer token (the emulator accepts any).
    StaticToken(String),
}

impl fmt::Debug for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthMethod::StaticToken(_) => f.write_str("StaticToken(<redacted>)"),
            other => f.write_str(other.name()),
        }
    }
}

impl AuthMethod {
    /// The `--auth` spelling.
    pub fn name(&self) -> &'static str {
        match self {
            AuthMethod::Auto => "auto",
            AuthMethod::AzureCli => "azure-cli",
            AuthMethod::ManagedIdentity => "managed-identity",
            AuthMethod::WorkloadIdentity => "workload-identity",
            AuthMethod::ClientSecret => "client-secret",
            AuthMethod::StaticToken(_) => "static-token",
        }
    }

    /// Parses an `--auth` value (`auto`, `azure-cli`, `managed-identity`,
    /// `workload-identity`, `client-secret`). A static token is never parsed from
    /// a flag: it must be built in code so it cannot end up in shell history.
    pub fn parse(text: &str) -> Result<AuthMethod, ArmError> {
        match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" | "default" => Ok(AuthMethod::Auto),
            "azure-cli" | "cli" | "az" => Ok(AuthMethod::AzureCli),
            "managed-identity" | "msi" => Ok(AuthMethod::ManagedIdentity),
            "workload-identity" => Ok(AuthMethod::WorkloadIdentity),
            "client-secret" | "service-principal" => Ok(AuthMethod::ClientSecret),
            _ => Err(ArmError::InvalidInput {
                what: "auth method".into(),
                message: format!(
                    "{text:?} is not one of auto, azure-cli, managed-identity, workload-identity, client-secret"
                ).into(),
            }),
        }
    }
}

/// Builds the credential for `method` in `cloud`.
pub fn credential_for(
    method: &AuthMethod,
    cloud: &Cloud,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let credential: Arc<dyn TokenCredential> = match method {
        AuthMethod::StaticToken(token) => Arc::new(StaticTokenCredential::new(token.clone())),
        AuthMethod::AzureCli => labelled(
            "Azure CLI (az login)",
            AzureCliCredential::new(None).map_err(|e| failed(method, e))?,
        ),
        AuthMethod::ManagedIdentity => managed_identity(cloud)?,
        AuthMethod::WorkloadIdentity => workload_identity(cloud)?,
        AuthMethod::ClientSecret => client_secret(cloud)?,
        AuthMethod::Auto => Arc::new(auto_chain(cloud)?),
    };
    Ok(credential)
}

/// Like [`credential_for`], but `Auto` first surveys which sources are present
/// ([`crate::auto_sources`]) and chains only those; with none, it fails at once with
/// [`ArmError::NoCredentialSource`] naming each source and why it was skipped.
pub async fn available_credential(
    method: &AuthMethod,
    cloud: &Cloud,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    if *method != AuthMethod::Auto {
        return credential_for(method, cloud);
    }
    let checks = crate::auto_sources::survey().await;
    let present = |s: Source| checks.iter().any(|c| c.source == s && c.skipped.is_none());
    let mut sources: Vec<Arc<dyn TokenCredential>> = Vec::new();
    if present(Source::ClientSecret) {
        sources.push(client_secret(cloud)?);
    }
    if present(Source::WorkloadIdentity) {
        sources.push(workload_identity(cloud)?);
    }
    if present(Source::AzureCli) || present(Source::AzureDeveloperCli) {
        sources.push(developer_tools()?);
    }
    if present(Source::ManagedIdentity) {
        sources.push(managed_identity(cloud)?);
    }
    if sources.is_empty() {
        return Err(ArmError::NoCredentialSource {
            tried: crate::auto_sources::describe(&checks).into(),
        });
    }
    Ok(Arc::new(ChainedCredential::new(sources)))
}

fn developer_tools() -> Result<Arc<dyn TokenCredential>, ArmError> {
    Ok(labelled(
        "developer tools (Azure CLI `az login`, then Azure Developer CLI `azd auth login`)",
        DeveloperToolsCredential::new(None).map_err(|e| failed(&AuthMethod::Auto, e))?,
    ))
}

fn auto_chain(cloud: &Cloud) -> Result<ChainedCredential, ArmError> {
    let mut sources: Vec<Arc<dyn TokenCredential>> = Vec::new();
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("AZURE_CLIENT_SECRET") {
        sources.push(client_secret(cloud)?);
    }
    if set("AZURE_FEDERATED_TOKEN_FILE") {
        sources.push(workload_identity(cloud)?);
    }
    // Developer tools come before managed identity so a laptop never waits on IMDS.
    sources.push(developer_tools()?);
    sources.push(managed_identity(cloud)?);
    Ok(ChainedCredential::new(sources))
}

/// azure_core's options for a credential: the cloud's authority and our HTTP transport
/// (azure_core's own is compiled out, see `identity_transport`).
fn core_options(cloud: &Cloud) -> Result<CoreClientOptions, ArmError> {
    let transport = IdentityHttp::transport().map_err(|e| ArmError::InvalidInput {
        what: "HTTP client for token requests".into(),
        message: e.to_string().into(),
    })?;
    let cloud = match cloud {
        Cloud::Public => Some(CloudConfiguration::AzurePublic),
        Cloud::China => Some(CloudConfiguration::AzureChina),
        Cloud::UsGovernment => Some(CloudConfiguration::AzureGovernment),
        // A custom cloud's authority host comes from AZURE_AUTHORITY_HOST, as azure_identity reads it.
        Cloud::Custom { .. } => None,
    };
    Ok(CoreClientOptions {
        cloud: cloud.map(Arc::new),
        transport: Some(transport),
        ..Default::default()
    })
}

fn managed_identity(cloud: &Cloud) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let user_assigned = std::env::var("AZURE_CLIENT_ID")
        .ok()
        .filter(|v| !v.is_empty());
    let label = match &user_assigned {
        Some(id) => format!("managed identity (user-assigned, client id {id})"),
        None => "managed identity (system-assigned)".to_string(),
    };
    let options = azure_identity::ManagedIdentityCredentialOptions {
        user_assigned_id: user_assigned.map(azure_identity::UserAssignedId::ClientId),
        client_options: core_options(cloud)?,
    };
    let credential = ManagedIdentityCredential::new(Some(options))
        .map_err(|e| failed(&AuthMethod::ManagedIdentity, e))?;
    Ok(labelled(label, credential))
}

fn workload_identity(cloud: &Cloud) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let options = WorkloadIdentityCredentialOptions {
        credential_options: ClientAssertionCredentialOptions {
            client_options: core_options(cloud)?,
        },
        ..Default::default()
    };
    let credential = WorkloadIdentityCredential::new(Some(options))
        .map_err(|e| failed(&AuthMethod::WorkloadIdentity, e))?;
    let client = std::env::var("AZURE_CLIENT_ID").unwrap_or_default();
    Ok(labelled(
        format!("workload identity (client id {client})"),
        credential,
    ))
}

fn client_secret(cloud: &Cloud) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let var = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ArmError::InvalidInput {
                what: "client-secret credential".into(),
                message: format!(
                    "{name} is not set; client-secret auth needs AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET"
                ).into(),
            })
    };
    let tenant = var("AZURE_TENANT_ID")?;
    let client = var("AZURE_CLIENT_ID")?;
    let secret = Secret::new(var("AZURE_CLIENT_SECRET")?);
    let options = ClientSecretCredentialOptions {
        client_options: core_options(cloud)?,
    };
    let credential = ClientSecretCredential::new(&tenant, client.clone(), secret, Some(options))
        .map_err(|e| failed(&AuthMethod::ClientSecret, e))?;
    Ok(labelled(
        format!("service principal {client} (client secret, tenant {tenant})"),
        credential,
    ))
}

fn failed(method: &AuthMethod, error: azure_core::Error) -> ArmError {
    ArmError::InvalidInput {
        what: format!("{} credential", method.name()).into(),
        message: error.to_string().into(),
    }
}

fn labelled(label: impl Into<String>, inner: Arc<dyn TokenCredential>) -> Arc<dyn TokenCredential> {
    Arc::new(LabelledCredential {
        label: label.into(),
        inner,
    })
}

/// A credential whose `Debug` is a human description of the identity behind it.
pub struct LabelledCredential {
    label: String,
    inner: Arc<dyn TokenCredential>,
}

impl fmt::Debug for LabelledCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

#[async_trait]
impl TokenCredential for LabelledCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.inner.get_token(scopes, options).await
    }
}

/// Tries credentials in order; the first that yields a token is used from then on.
pub struct ChainedCredential {
    sources: Vec<Arc<dyn TokenCredential>>,
    chosen: Mutex<Option<usize>>,
}

impl ChainedCredential {
    /// A chain over `sources`, tried in order.
    pub fn new(sources: Vec<Arc<dyn TokenCredential>>) -> Self {
        Self {
            sources,
            chosen: Mutex::new(None),
        }
    }
}

impl fmt::Debug for ChainedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chosen = self.chosen.try_lock().ok().and_then(|c| *c);
        match chosen.and_then(|i| self.sources.get(i)) {
            Some(source) => write!(f, "{source:?} (chosen by --auth auto)"),
            None => {
                let names: Vec<String> = self.sources.iter().map(|s| format!("{s:?}")).collect();
                write!(f, "the --auth auto chain [{}]", names.join(", "))
            }
        }
    }
}

#[async_trait]
impl TokenCredential for ChainedCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut chosen = self.chosen.lock().await;
        if let Some(source) = chosen.and_then(|i| self.sources.get(i)) {
            return source.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            match source.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    *chosen = Some(index);
                    return Ok(token);
                }
                Err(error) => failures.push(format!("{source:?}: {error}")),
            }
        }
        Err(azure_core::Error::with_message(
            azure_core::error::ErrorKind::Credential,
            format!(
                "no credential of the --auth auto chain produced a token: {}",
                failures.join("; ")
            ),
        ))
    }
}

/// A fixed bearer token, for the emulator (which accepts any token). Never printed.
pub struct StaticTokenCredential {
    token: Secret,
}

impl StaticTokenCredential {
    /// A credential that always returns `token`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: Secret::new(token.into()),
        }
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a static token")
    }
}

#[async_trait]
impl TokenCredential for StaticTokenCredential {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            self.token.clone(),
            OffsetDateTime::now_utc() + CoreDuration::hours(1),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn auth_names_round_trip() {
        for method in [
            AuthMethod::Auto,
            AuthMethod::AzureCli,
            AuthMethod::ManagedIdentity,
            AuthMethod::WorkloadIdentity,
            AuthMethod::ClientSecret,
        ] {
            assert_eq!(AuthMethod::parse(method.name()).unwrap(), method);
        }
        let err = AuthMethod::parse("password").unwrap_err();
        assert!(err.to_string().contains("azure-cli"));
    }

    #[tokio::test]
    async fn static_token_is_never_printed() {
        let method = AuthMethod::StaticToken("s3cr3t-value".into());
        assert!(!format!("{method:?}").contains("s3cr3t"));
        let credential = credential_for(&method, &Cloud::Public).unwrap();
        assert!(!format!("{credential:?}").contains("s3cr3t"));
        let token = credential
            .get_token(&["https://management.azure.com/.default"], None)
            .await
            .unwrap();
        assert_eq!(token.token.secret(), "s3cr3t-value");
        assert!(!format!("{token:?}").contains("s3cr3t"));
    }

    #[test]
    fn azure_cli_credential_is_described() {
        let credential = credential_for(&AuthMethod::AzureCli, &Cloud::Public).unwrap();
        assert_eq!(format!("{credential:?}"), "Azure CLI (az login)");
    }

    #[tokio::test]
    async fn chain_keeps_the_first_source_that_works() {
        #[derive(Debug)]
        struct Refusing;
        #[async_trait]
        impl TokenCredential for Refusing {
            async fn get_token(
                &self,
                _: &[&str],
                _: Option<TokenRequestOptions<'_>>,
            ) -> azure_core::Result<AccessToken> {
                Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "not signed in",
                ))
            }
        }
        let chain = ChainedCredential::new(vec![
            Arc::new(Refusing),
            Arc::new(StaticTokenCredential::new("second")),
        ]);
        let token = chain.get_token(&["scope"], None).await.unwrap();
        assert_eq!(token.token.secret(), "second");
        assert_eq!(
            format!("{chain:?}"),
            "a static token (chosen by --auth auto)"
        );

        let empty = ChainedCredential::new(vec![Arc::new(Refusing)]);
        let err = empty.get_token(&["scope"], None).await.unwrap_err();
        assert!(err.to_string().contains("not signed in"));
    }
}
