//! What every operation shares: the call's context (service and region), decoding a restJson1 body, required members, pagination cursors and fresh ARNs.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::service::Service;
use crate::state::{self, Region, TokenKind, random_alphanumeric};
use crate::validate::{self, ArnKind};

/// A restJson1 body: empty means "no members set" (the protocol allows it); anything else must
/// be a JSON object. Unknown members are ignored, as a newer client's would be by the service.
pub(super) fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("Malformed JSON request body: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::serialization(
            "The request body must be a JSON object",
        ));
    }
    T::deserialize(value)
        .map_err(|e| ApiError::serialization(format!("Malformed request member: {e}")))
}

pub(super) fn required<'a>(member: &str, value: &'a Option<String>) -> Result<&'a str, ApiError> {
    value.as_deref().ok_or_else(|| ApiError::missing(member))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArnInput {
    pub(super) arn: Option<String>,
}

/// The call an operation serves: the service, and the region the call's SigV4 scope named.
pub(super) struct Ctx<'a> {
    pub(super) service: &'a Service,
    pub(super) region: &'a str,
}

/// A cursor from `nextToken`: absent or `""` starts at the beginning, one this emulator did not
/// issue for this list is refused (the service treats tokens as opaque and its own).
pub(super) fn cursor(kind: TokenKind, token: Option<&str>) -> Result<u64, ApiError> {
    match token {
        None | Some("") => Ok(0),
        Some(token) => {
            validate::check_token_shape(token)?;
            state::decode_token(kind, token)
                .ok_or_else(|| ApiError::validation("The nextToken is invalid or has expired"))
        }
    }
}

/// A fresh ARN of `kind` in the call's region and the id in it, unused in `region`.
pub(super) fn new_arn(ctx: &Ctx<'_>, region: &Region, kind: ArnKind) -> (String, String) {
    loop {
        let id = random_alphanumeric(12);
        let arn = format!(
            "arn:aws:ivs:{}:{}:{}/{id}",
            ctx.region,
            ctx.service.account_id,
            kind.resource_type()
        );
        let taken = match kind {
            ArnKind::Stage => region.stage(&arn).is_some(),
            ArnKind::IngestConfiguration => region.config(&arn).is_some(),
        };
        if !taken {
            return (arn, id);
        }
    }
}
