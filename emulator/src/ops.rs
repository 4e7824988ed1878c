//! The twelve emulated operations: decode and validate the input as the model states, act on a region, and render the model's output shapes.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::config::ActiveUpdateError;
use crate::error::{ApiError, ErrorCode};
use crate::limits::FaultAction;
use crate::operation::Operation;
use crate::service::Service;
use crate::state::{
    self, ConfigState, IngestConfig, MAX_STAGES, RedundantCredential, Region, Stage, TokenKind,
    random_alphanumeric,
};
use crate::validate::{self, ArnKind};

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

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CreateStageInput {
    name: Option<String>,
    participant_token_configurations: Option<Vec<TokenConfigInput>>,
    tags: Option<BTreeMap<String, String>>,
    auto_participant_recording_configuration: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TokenConfigInput {
    duration: Option<i64>,
    user_id: Option<String>,
    attributes: Option<BTreeMap<String, String>>,
    capabilities: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListStagesInput {
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CreateConfigInput {
    name: Option<String>,
    stage_arn: Option<String>,
    user_id: Option<String>,
    attributes: Option<BTreeMap<String, String>>,
    ingest_protocol: Option<String>,
    insecure_ingest: Option<bool>,
    redundant_ingest: Option<bool>,
    tags: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListConfigsInput {
    filter_by_stage_arn: Option<String>,
    filter_by_state: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct UpdateConfigInput {
    arn: Option<String>,
    stage_arn: Option<String>,
    redundant_ingest: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DeleteConfigInput {
    arn: Option<String>,
    force: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TagInput {
    tags: Option<BTreeMap<String, String>>,
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

/// The model's StreamKey: `rt_[0-9]+_[a-z0-9-]+_[a-zA-Z0-9-]+_.+`; the config id in it keeps
/// every key unique, the random tail keeps it secret.
fn new_stream_key(ctx: &Ctx<'_>, id: &str) -> String {
    format!(
        "rt_{}_{}_{id}_{}",
        ctx.service.account_id,
        ctx.region,
        random_alphanumeric(32)
    )
}

fn new_redundant_credentials(ctx: &Ctx<'_>, id: &str) -> Vec<RedundantCredential> {
    vec![RedundantCredential {
        participant_id: random_alphanumeric(12),
        stream_key: new_stream_key(ctx, id),
    }]
}

impl Ctx<'_> {
    fn create_stage(&self, input: CreateStageInput) -> Result<Value, ApiError> {
        if let Some(name) = &input.name {
            validate::check_name("name", name)?;
        }
        let tags = input.tags.unwrap_or_default();
        validate::check_tags("tags", &tags)?;
        let token_configs = input.participant_token_configurations.unwrap_or_default();
        if token_configs.len() > 12 {
            return Err(ApiError::constraint(
                "participantTokenConfigurations",
                "Member must have length less than or equal to 12",
            ));
        }
        for (i, config) in token_configs.iter().enumerate() {
            check_token_config(i, config)?;
        }
        if let Some(recording) = &input.auto_participant_recording_configuration {
            check_recording_configuration(recording)?;
        }

        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        if region.stage_count() >= MAX_STAGES {
            return Err(ApiError::new(
                ErrorCode::ServiceQuotaExceeded,
                format!("Stage quota of {MAX_STAGES} per region reached"),
            ));
        }
        let (arn, _) = new_arn(self, region, ArnKind::Stage);
        let stage = Stage {
            seq: region.next_seq(),
            arn,
            name: input.name,
            tags,
            endpoint_label: random_hex(12),
            active_session_id: None,
            auto_participant_recording_configuration: input
                .auto_participant_recording_configuration,
        };
        let tokens: Vec<Value> = token_configs
            .into_iter()
            .map(|config| participant_token(&stage.arn, config))
            .collect();
        let rendered = stage_json(&stage);
        region.insert_stage(stage);
        self.service.persist(&store)?;
        Ok(json!({ "stage": rendered, "participantTokens": tokens }))
    }

    fn get_stage(&self, input: ArnInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::Stage)?;
        let store = self.service.store();
        let stage = store
            .region(self.region)
            .and_then(|r| r.stage(arn))
            .ok_or_else(|| ApiError::not_found("Stage", arn))?;
        Ok(json!({ "stage": stage_json(stage) }))
    }

    fn list_stages(&self, input: ListStagesInput) -> Result<Value, ApiError> {
        let max = validate::check_max_results(input.max_results)?;
        let after = cursor(TokenKind::Stages, input.next_token.as_deref())?;
        let store = self.service.store();
        let mut out = Map::new();
        let (items, resume) = match store.region(self.region) {
            Some(region) => {
                let page = region.page_stages(after, max);
                let items: Vec<Value> = page.items.into_iter().map(stage_summary_json).collect();
                (items, page.resume_after)
            }
            None => (Vec::new(), None),
        };
        out.insert("stages".into(), Value::Array(items));
        if let Some(after) = resume {
            out.insert(
                "nextToken".into(),
                Value::String(state::encode_token(TokenKind::Stages, after)),
            );
        }
        Ok(Value::Object(out))
    }

    /// A stage with a live session (an ACTIVE ingest configuration publishing to it) is refused
    /// with ConflictException, the modelled error that fits; INACTIVE configurations attached to
    /// it keep their `stageArn`, now dangling, since the docs describe no cascade.
    fn delete_stage(&self, input: ArnInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::Stage)?;
        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        let stage = region
            .stage(arn)
            .ok_or_else(|| ApiError::not_found("Stage", arn))?;
        if stage.active_session_id.is_some() {
            return Err(ApiError::conflict(format!(
                "Stage {arn} has an active session; stop publishing before deleting it"
            )));
        }
        region.remove_stage(arn);
        self.service.persist(&store)?;
        Ok(json!({}))
    }

    fn create_config(&self, input: CreateConfigInput) -> Result<Value, ApiError> {
        let protocol = required("ingestProtocol", &input.ingest_protocol)?;
        let protocol = validate::check_enum("ingestProtocol", protocol, &["RTMP", "RTMPS"])?;
        if let Some(name) = &input.name {
            validate::check_name("name", name)?;
        }
        let stage_arn = input.stage_arn.unwrap_or_default();
        let stage_ref = validate::check_config_stage_arn("stageArn", &stage_arn)?;
        if let Some(user_id) = &input.user_id {
            validate::check_length("userId", user_id, 0, 128)?;
        }
        let attributes = input.attributes.unwrap_or_default();
        validate::check_attributes("attributes", &attributes)?;
        let tags = input.tags.unwrap_or_default();
        validate::check_tags("tags", &tags)?;
        let insecure = input.insecure_ingest.unwrap_or(false);
        if protocol == "RTMP" && !insecure {
            return Err(ApiError::validation(
                "insecureIngest must be set to true when ingestProtocol is RTMP",
            ));
        }
        let redundant = input.redundant_ingest.unwrap_or(false);

        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        // Not in the model's error list for this operation, so the SDK reports it as an unhandled
        // error with code ResourceNotFoundException; refusing beats attaching to nothing.
        if stage_ref.is_some() && region.stage(&stage_arn).is_none() {
            return Err(ApiError::not_found("Stage", &stage_arn));
        }
        let max = self.service.max_ingest_configurations;
        if region.config_count() >= max {
            return Err(ApiError::new(
                ErrorCode::ServiceQuotaExceeded,
                format!("IngestConfiguration quota of {max} per region reached"),
            ));
        }
        let (arn, id) = new_arn(self, region, ArnKind::IngestConfiguration);
        let config = IngestConfig {
            seq: region.next_seq(),
            arn,
            name: input.name,
            ingest_protocol: protocol.to_owned(),
            stream_key: new_stream_key(self, &id),
            stage_arn,
            participant_id: random_alphanumeric(12),
            state: ConfigState::Inactive,
            user_id: input.user_id,
            insecure_ingest: insecure,
            redundant_ingest: redundant,
            redundant_ingest_credentials: if redundant {
                new_redundant_credentials(self, &id)
            } else {
                Vec::new()
            },
            attributes,
            tags,
        };
        let rendered = config_json(&config);
        region.insert_config(config);
        self.service.persist(&store)?;
        Ok(json!({ "ingestConfiguration": rendered }))
    }

    fn get_config(&self, input: ArnInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::IngestConfiguration)?;
        let store = self.service.store();
        let config = store
            .region(self.region)
            .and_then(|r| r.config(arn))
            .ok_or_else(|| ApiError::not_found("IngestConfiguration", arn))?;
        Ok(json!({ "ingestConfiguration": config_json(config) }))
    }

    fn list_configs(&self, input: ListConfigsInput) -> Result<Value, ApiError> {
        if input.filter_by_stage_arn.is_some() && input.filter_by_state.is_some() {
            return Err(ApiError::validation(
                "Only one filter (by stage ARN or by state) can be used at a time",
            ));
        }
        if let Some(stage_arn) = &input.filter_by_stage_arn {
            validate::check_arn("filterByStageArn", stage_arn, ArnKind::Stage)?;
        }
        let state_filter = match &input.filter_by_state {
            Some(s) => {
                let s = validate::check_enum("filterByState", s, &["ACTIVE", "INACTIVE"])?;
                ConfigState::parse(s)
            }
            None => None,
        };
        let max = validate::check_max_results(input.max_results)?;
        let after = cursor(TokenKind::IngestConfigurations, input.next_token.as_deref())?;
        let stage_filter = input.filter_by_stage_arn.as_deref();
        let keep = |c: &IngestConfig| {
            stage_filter.is_none_or(|s| c.stage_arn == s)
                && state_filter.is_none_or(|s| c.state == s)
        };
        let store = self.service.store();
        let (items, resume) = match store.region(self.region) {
            Some(region) => {
                let page = region.page_configs(after, max, keep);
                let items: Vec<Value> = page.items.into_iter().map(config_summary_json).collect();
                (items, page.resume_after)
            }
            None => (Vec::new(), None),
        };
        let mut out = Map::new();
        out.insert("ingestConfigurations".into(), Value::Array(items));
        if let Some(after) = resume {
            out.insert(
                "nextToken".into(),
                Value::String(state::encode_token(TokenKind::IngestConfigurations, after)),
            );
        }
        Ok(Value::Object(out))
    }

    /// Omitting `stageArn` leaves the attachment as it is (the docs do not say; "set what is
    /// given" is the least surprising reading). An ACTIVE configuration is refused with
    /// ConflictException, the modelled error that fits "an active one cannot be updated", or with
    /// ValidationException when the emulator is told to play that undocumented alternative.
    fn update_config(&self, input: UpdateConfigInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::IngestConfiguration)?;
        if let Some(stage_arn) = &input.stage_arn {
            validate::check_config_stage_arn("stageArn", stage_arn)?;
        }
        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        let config = region
            .config(arn)
            .ok_or_else(|| ApiError::not_found("IngestConfiguration", arn))?;
        if config.state == ConfigState::Active {
            let message = format!("IngestConfiguration {arn} is ACTIVE and cannot be updated");
            return Err(match self.service.active_update_error {
                ActiveUpdateError::Conflict => ApiError::conflict(message),
                ActiveUpdateError::Validation => ApiError::validation(message),
            });
        }
        if let Some(stage_arn) = input.stage_arn.as_deref().filter(|s| !s.is_empty())
            && region.stage(stage_arn).is_none()
        {
            return Err(ApiError::not_found("Stage", stage_arn));
        }
        let id = arn.rsplit('/').next().unwrap_or_default().to_owned();
        let fresh_credentials = match input.redundant_ingest {
            Some(true) if !config.redundant_ingest => Some(new_redundant_credentials(self, &id)),
            Some(false) => Some(Vec::new()),
            _ => None,
        };
        let Some(config) = region.config_mut(arn) else {
            return Err(ApiError::not_found("IngestConfiguration", arn));
        };
        if let Some(stage_arn) = input.stage_arn {
            config.stage_arn = stage_arn;
        }
        if let Some(redundant) = input.redundant_ingest {
            config.redundant_ingest = redundant;
        }
        if let Some(credentials) = fresh_credentials {
            config.redundant_ingest_credentials = credentials;
        }
        let rendered = config_json(config);
        self.service.persist(&store)?;
        Ok(json!({ "ingestConfiguration": rendered }))
    }

    /// An ACTIVE configuration needs `force`, which in AWS also disconnects the publisher; here
    /// that means its stage's session ends if it was the last one publishing.
    fn delete_config(&self, input: DeleteConfigInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::IngestConfiguration)?;
        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        let config = region
            .config(arn)
            .ok_or_else(|| ApiError::not_found("IngestConfiguration", arn))?;
        if config.state == ConfigState::Active && !input.force.unwrap_or(false) {
            return Err(ApiError::conflict(format!(
                "IngestConfiguration {arn} is ACTIVE (a participant is publishing); set force to delete it"
            )));
        }
        if let Some(removed) = region.remove_config(arn)
            && !removed.stage_arn.is_empty()
        {
            region.refresh_session(&removed.stage_arn);
        }
        self.service.persist(&store)?;
        Ok(json!({}))
    }

    fn tag_resource(&self, resource_arn: Option<&str>, input: TagInput) -> Result<Value, ApiError> {
        let arn = resource_arn.ok_or_else(|| ApiError::missing("resourceArn"))?;
        let kind = validate::check_resource_arn("resourceArn", arn)?.kind;
        let new_tags = input.tags.ok_or_else(|| ApiError::missing("tags"))?;
        validate::check_tags("tags", &new_tags)?;
        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        let tags = tags_mut(region, kind, arn)?;
        let mut merged = tags.clone();
        merged.extend(new_tags);
        if merged.len() > 50 {
            return Err(ApiError::validation(format!(
                "A resource can have at most 50 tags; this would leave {arn} with {}",
                merged.len()
            )));
        }
        *tags = merged;
        self.service.persist(&store)?;
        Ok(json!({}))
    }

    /// `tagKeys` is required by the model; a request naming none is refused rather than read as
    /// "remove nothing".
    fn untag_resource(
        &self,
        resource_arn: Option<&str>,
        query: Option<&str>,
    ) -> Result<Value, ApiError> {
        let arn = resource_arn.ok_or_else(|| ApiError::missing("resourceArn"))?;
        let kind = validate::check_resource_arn("resourceArn", arn)?.kind;
        let keys = query_values(query.unwrap_or_default(), "tagKeys")?;
        if keys.is_empty() {
            return Err(ApiError::missing("tagKeys"));
        }
        if keys.len() > 50 {
            return Err(ApiError::constraint(
                "tagKeys",
                "Member must have length less than or equal to 50",
            ));
        }
        for key in &keys {
            validate::check_length("tagKeys", key, 1, 128)?;
        }
        let mut store = self.service.store();
        let region = store.region_mut(self.region);
        let tags = tags_mut(region, kind, arn)?;
        for key in &keys {
            tags.remove(key);
        }
        self.service.persist(&store)?;
        Ok(json!({}))
    }

    fn list_tags(&self, resource_arn: Option<&str>) -> Result<Value, ApiError> {
        let arn = resource_arn.ok_or_else(|| ApiError::missing("resourceArn"))?;
        let kind = validate::check_resource_arn("resourceArn", arn)?.kind;
        let store = self.service.store();
        let region = store.region(self.region);
        let tags = match kind {
            ArnKind::Stage => region.and_then(|r| r.stage(arn)).map(|s| &s.tags),
            ArnKind::IngestConfiguration => region.and_then(|r| r.config(arn)).map(|c| &c.tags),
        };
        let tags = tags.ok_or_else(|| ApiError::not_found("Resource", arn))?;
        Ok(json!({ "tags": tags }))
    }
}

fn tags_mut<'r>(
    region: &'r mut Region,
    kind: ArnKind,
    arn: &str,
) -> Result<&'r mut BTreeMap<String, String>, ApiError> {
    let tags = match kind {
        ArnKind::Stage => region.stage_mut(arn).map(|s| &mut s.tags),
        ArnKind::IngestConfiguration => region.config_mut(arn).map(|c| &mut c.tags),
    };
    tags.ok_or_else(|| ApiError::not_found("Resource", arn))
}

/// Every value of `name` in a query string, percent-decoded. `+` stays a plus: SigV4 clients
/// percent-encode spaces, and tag keys may contain `+`.
fn query_values(query: &str, name: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
        if key == name {
            let value = percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map_err(|_| ApiError::validation(format!("{name} is not valid UTF-8")))?;
            out.push(value.into_owned());
        }
    }
    Ok(out)
}

fn check_token_config(index: usize, config: &TokenConfigInput) -> Result<(), ApiError> {
    let member = |m: &str| format!("participantTokenConfigurations.{}.member.{m}", index + 1);
    if let Some(duration) = config.duration
        && !(1..=20160).contains(&duration)
    {
        return Err(ApiError::constraint(
            &member("duration"),
            "Member must have value between 1 and 20160",
        ));
    }
    if let Some(user_id) = &config.user_id {
        validate::check_length(&member("userId"), user_id, 0, 128)?;
    }
    if let Some(attributes) = &config.attributes {
        validate::check_attributes(&member("attributes"), attributes)?;
    }
    if let Some(capabilities) = &config.capabilities {
        if capabilities.len() > 2 {
            return Err(ApiError::constraint(
                &member("capabilities"),
                "Member must have length less than or equal to 2",
            ));
        }
        for capability in capabilities {
            validate::check_enum(
                &member("capabilities"),
                capability,
                &["PUBLISH", "SUBSCRIBE"],
            )?;
        }
    }
    Ok(())
}

/// Only the required `storageConfigurationArn` and its pattern are checked: storage
/// configurations are not emulated, so whether it names one cannot be known.
fn check_recording_configuration(value: &Value) -> Result<(), ApiError> {
    const MEMBER: &str = "autoParticipantRecordingConfiguration.storageConfigurationArn";
    let Some(object) = value.as_object() else {
        return Err(ApiError::serialization(
            "autoParticipantRecordingConfiguration must be a JSON object",
        ));
    };
    let arn = match object.get("storageConfigurationArn") {
        Some(Value::String(arn)) => arn,
        None | Some(Value::Null) => return Err(ApiError::missing(MEMBER)),
        Some(_) => {
            return Err(ApiError::serialization(format!(
                "{MEMBER} must be a string"
            )));
        }
    };
    validate::check_length(MEMBER, arn, 0, 128)?;
    let well_formed = arn.is_empty()
        || arn
            .strip_prefix("arn:aws:ivs:")
            .and_then(|rest| {
                let mut parts = rest.splitn(3, ':');
                let region = parts.next()?;
                let account = parts.next()?;
                let id = parts.next()?.strip_prefix("storage-configuration/")?;
                Some(
                    validate::is_region(region)
                        && !account.is_empty()
                        && account.bytes().all(|b| b.is_ascii_digit())
                        && !id.is_empty()
                        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
                )
            })
            .unwrap_or(false);
    if well_formed {
        Ok(())
    } else {
        Err(ApiError::constraint(
            MEMBER,
            "Member must satisfy regular expression pattern: ^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:storage-configuration/[a-zA-Z0-9-]+$",
        ))
    }
}

/// One ParticipantToken. `expirationTime` is an ISO 8601 string: the model gives it
/// `timestampFormat: iso8601`, and the SDK refuses an epoch number there.
fn participant_token(stage_arn: &str, config: TokenConfigInput) -> Value {
    let duration = config.duration.unwrap_or(720);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let expires = now.saturating_add(u64::try_from(duration).unwrap_or(720) * 60);
    let participant_id = random_alphanumeric(12);
    let claims = json!({
        "sub": participant_id,
        "resource": stage_arn,
        "exp": expires,
        "iat": now,
    });
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        random_alphanumeric(43)
    );
    let mut out = Map::new();
    out.insert("participantId".into(), json!(participant_id));
    out.insert("token".into(), json!(token));
    if let Some(user_id) = config.user_id {
        out.insert("userId".into(), json!(user_id));
    }
    out.insert(
        "attributes".into(),
        json!(config.attributes.unwrap_or_default()),
    );
    out.insert("duration".into(), json!(duration));
    out.insert(
        "capabilities".into(),
        json!(
            config
                .capabilities
                .unwrap_or_else(|| vec!["PUBLISH".into(), "SUBSCRIBE".into()])
        ),
    );
    out.insert("expirationTime".into(), json!(iso8601(expires)));
    Value::Object(out)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a Unix time, by the civil-from-days algorithm (H. Hinnant).
fn iso8601(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn random_hex(len: usize) -> String {
    use rand::Rng as _;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// The Stage shape (GetStage, CreateStage): `arn` always, `name` only if one was given, `tags`
/// always (at least `{}`), endpoints in the form the service returns them.
fn stage_json(stage: &Stage) -> Value {
    let mut out = stage_summary_json(stage);
    if let Value::Object(map) = &mut out {
        let label = &stage.endpoint_label;
        map.insert(
            "endpoints".into(),
            json!({
                "events": "wss://global.events.live-video.net",
                "whip": format!("https://{label}.global-bm.whip.live-video.net"),
                "rtmp": format!("rtmp://{label}.global-contribute.live-video.net/app/"),
                "rtmps": format!("rtmps://{label}.global-contribute.live-video.net:443/app/"),
            }),
        );
        if let Some(recording) = &stage.auto_participant_recording_configuration {
            map.insert(
                "autoParticipantRecordingConfiguration".into(),
                recording.clone(),
            );
        }
    }
    out
}

/// The StageSummary shape (ListStages items).
fn stage_summary_json(stage: &Stage) -> Value {
    let mut out = Map::new();
    out.insert("arn".into(), json!(stage.arn));
    if let Some(name) = &stage.name {
        out.insert("name".into(), json!(name));
    }
    if let Some(session) = &stage.active_session_id {
        out.insert("activeSessionId".into(), json!(session));
    }
    out.insert("tags".into(), json!(stage.tags));
    Value::Object(out)
}

/// The IngestConfiguration shape. `insecureIngest` is write-only and never appears;
/// `redundantIngestCredentials` only while `redundantIngest` is true, as the model documents.
pub(crate) fn config_json(config: &IngestConfig) -> Value {
    let mut out = summary_map(config);
    out.insert("streamKey".into(), json!(config.stream_key));
    if config.redundant_ingest {
        let credentials: Vec<Value> = config
            .redundant_ingest_credentials
            .iter()
            .map(|c| json!({ "participantId": c.participant_id, "streamKey": c.stream_key }))
            .collect();
        out.insert(
            "redundantIngestCredentials".into(),
            Value::Array(credentials),
        );
    }
    out.insert("attributes".into(), json!(config.attributes));
    out.insert("tags".into(), json!(config.tags));
    Value::Object(out)
}

/// The IngestConfigurationSummary shape: no streamKey, tags or attributes.
pub(crate) fn config_summary_json(config: &IngestConfig) -> Value {
    Value::Object(summary_map(config))
}

fn summary_map(config: &IngestConfig) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("arn".into(), json!(config.arn));
    if let Some(name) = &config.name {
        out.insert("name".into(), json!(name));
    }
    out.insert("ingestProtocol".into(), json!(config.ingest_protocol));
    out.insert("stageArn".into(), json!(config.stage_arn));
    out.insert("participantId".into(), json!(config.participant_id));
    out.insert("state".into(), json!(config.state.as_str()));
    if let Some(user_id) = &config.user_id {
        out.insert("userId".into(), json!(user_id));
    }
    out.insert("redundantIngest".into(), json!(config.redundant_ingest));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_renders_utc_civil_time() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn query_values_decode_and_keep_plus() {
        let values = query_values("tagKeys=a%20b&x=1&tagKeys=c+d&tagKeys", "tagKeys");
        assert_eq!(
            values.ok(),
            Some(vec!["a b".to_owned(), "c+d".to_owned(), String::new()])
        );
    }
}
