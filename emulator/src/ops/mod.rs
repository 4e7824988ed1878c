//! The twelve emulated operations: the service's pipeline for a call (count, throttle, fault, operation) and the dispatch to each operation, which live by resource in the submodules.

use serde_json::Value;

use crate::error::{ApiError, ErrorCode};
use crate::limits::FaultAction;
use crate::operation::Operation;
use crate::service::Service;

mod context;
mod ingest;
mod stages;
mod tags;

use context::{Ctx, decode};

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
