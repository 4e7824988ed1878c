//! What an emulator is told at start: [`Config`] and the undocumented answer it plays, [`ActiveUpdateError`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How an emulator behaves. Build it from [`Config::default`] or [`Config::ephemeral`] and
/// override fields.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:4599`.
    pub listen: SocketAddr,
    /// The region of requests whose SigV4 scope names none. Default `us-east-1`.
    pub region: String,
    /// The account in every ARN and stream key; digits only. Default `123456789012`.
    pub account_id: String,
    /// The network round trip of every API call, refused and throttled ones included (not of
    /// `/_emulator/` calls): half of it before the call reaches the service, half after. Default 0.
    pub latency: Duration,
    /// Calls per second allowed per operation per region (a token bucket with a burst of
    /// `max(tps, 1)`); calls over it get 429 ThrottlingException. Default `None`: unlimited.
    pub rate_limit_tps: Option<f64>,
    /// Ingest configurations per region before 402 ServiceQuotaExceededException. Default 100,
    /// the service's default quota.
    pub max_ingest_configurations: usize,
    /// Where state lives across restarts: loaded at start if present, rewritten atomically after
    /// every mutation. Default `None`: state dies with the emulator.
    pub state_file: Option<PathBuf>,
    /// The error an update of an ACTIVE ingest configuration gets. AWS does not document it, so
    /// clients can be tested against each plausible answer. Default `ConflictException`.
    pub active_update_error: ActiveUpdateError,
}

/// The error `UpdateIngestConfiguration` returns for an ACTIVE configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActiveUpdateError {
    /// 409 ConflictException: the modelled error that fits best.
    #[default]
    Conflict,
    /// 400 ValidationException: what a service that checks state as input might answer.
    Validation,
}

impl std::str::FromStr for ActiveUpdateError {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "ConflictException" => Ok(ActiveUpdateError::Conflict),
            "ValidationException" => Ok(ActiveUpdateError::Validation),
            other => Err(format!(
                "`{other}` is not one of ConflictException, ValidationException"
            )),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 4599)),
            region: "us-east-1".to_owned(),
            account_id: "123456789012".to_owned(),
            latency: Duration::ZERO,
            rate_limit_tps: None,
            max_ingest_configurations: 100,
            state_file: None,
            active_update_error: ActiveUpdateError::Conflict,
        }
    }
}

impl Config {
    /// The defaults, listening on a free port of 127.0.0.1: what tests want.
    pub fn ephemeral() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Config::default()
        }
    }
}
