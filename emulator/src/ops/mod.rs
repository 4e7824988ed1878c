//! The twelve emulated operations: the service's pipeline for a call (count, throttle, fault), decoding its input, and dispatch to the operation; the operations themselves live by resource in the submodules.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ErrorCode};
use crate::limits::FaultAction;
use crate::operation::Operation;
use crate::service::Service;
use crate::state::{self, Region, TokenKind, random_alphanumeric};
use crate::validate::{self, ArnKind};

mod ingest;
mod stages;
mod tags;

/// What a call brings beyond its operation name.
pub(crate) struct Call<'a> {
    pub(crate) region: &'a str,
    pub(crate) body: &'a [u8],
    /// The decoded `{resourceArn}` path label of the tag operations.
    pub(crate) resource_arn: Option<&'a str>,
    pub(crate) query: Option<&'a str>,
}

/// What the service does with a call that reached it and was authenticated: count it, throttle
/// it, meet an injected fault, and finally run the operation.
pub(crate) async fn call(
    service: &Service,
    op: Operation,
    call: &Call<'_>,
) -> Result<Value, ApiError> {
    service.limits.record_call(call.region, op);
    service.journal.record_request(call.region, op);
    if !service.limits.admit(call.region, op) {
        return Err(ApiError::new(ErrorCode::Throttling, "Rate exceeded"));
    }
    match service.limits.take_fault(op) {
        Some(FaultAction::Fail(code)) => {
            return Err(ApiError::new(
                code,
                format!("Injected fault for {}", op.name()),
            ));
        }
        Some(FaultAction::Delay(delay)) => service.hold(delay).await,
        None => {}
    }
    execute(service, op, call)
}

fn execute(service: &Service, op: Operation, call: &Call<'_>) -> Result<Value, ApiError> {
    let ctx = Ctx {
        service,
        region: call.region,
    };
    match op {
        Operation::CreateStage => ctx.create_stage(decode(call.body)?),
        Operation::GetStage => ctx.get_stage(decode(call.body)?),
        Operation::ListStages => ctx.list_stages(decode(call.body)?),
        Operation::DeleteStage => ctx.delete_stage(decode(call.body)?),
        Operation::CreateIngestConfiguration => ctx.create_config(decode(call.body)?),
        Operation::GetIngestConfiguration => ctx.get_config(decode(call.body)?),
        Operation::ListIngestConfigurations => ctx.list_configs(decode(call.body)?),
        Operation::UpdateIngestConfiguration => ctx.update_config(decode(call.body)?),
        Operation::DeleteIngestConfiguration => ctx.delete_config(decode(call.body)?),
        Operation::TagResource => ctx.tag_resource(call.resource_arn, decode(call.body)?),
        Operation::UntagResource => ctx.untag_resource(call.resource_arn, call.query),
        Operation::ListTagsForResource => ctx.list_tags(call.resource_arn),
    }
}

/// A restJson1 body: empty means "no members set" (the protocol allows it); anything else must
/// be a JSON object. Unknown members are ignored, as a newer client's would be by the service.
fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
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

fn required<'a>(member: &str, value: &'a Option<String>) -> Result<&'a str, ApiError> {
    value.as_deref().ok_or_else(|| ApiError::missing(member))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArnInput {
    arn: Option<String>,
}

struct Ctx<'a> {
    service: &'a Service,
    region: &'a str,
}

/// A cursor from `nextToken`: absent or `""` starts at the beginning, one this emulator did not
/// issue for this list is refused (the service treats tokens as opaque and its own).
fn cursor(kind: TokenKind, token: Option<&str>) -> Result<u64, ApiError> {
    match token {
        None | Some("") => Ok(0),
        Some(token) => {
            validate::check_token_shape(token)?;
            state::decode_token(kind, token)
                .ok_or_else(|| ApiError::validation("The nextToken is invalid or has expired"))
        }
    }
}

fn new_arn(ctx: &Ctx<'_>, region: &Region, kind: ArnKind) -> (String, String) {
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
