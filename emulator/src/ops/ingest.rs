//! The ingest-configuration operations: Create, Get, List, Update and Delete, and the stage sessions they start or end.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::context::{ArnInput, Ctx, cursor, new_arn, required};
use crate::config::ActiveUpdateError;
use crate::error::{ApiError, ErrorCode};
use crate::shapes::{config_json, config_summary_json};
use crate::state::{
    self, ConfigState, IngestConfig, RedundantCredential, TokenKind, random_alphanumeric,
};
use crate::validate::{self, ArnKind};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateConfigInput {
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
pub(super) struct ListConfigsInput {
    filter_by_stage_arn: Option<String>,
    filter_by_state: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateConfigInput {
    arn: Option<String>,
    stage_arn: Option<String>,
    redundant_ingest: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteConfigInput {
    arn: Option<String>,
    force: Option<bool>,
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
    pub(super) fn create_config(&self, input: CreateConfigInput) -> Result<Value, ApiError> {
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

    pub(super) fn get_config(&self, input: ArnInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::IngestConfiguration)?;
        let store = self.service.store();
        let config = store
            .region(self.region)
            .and_then(|r| r.config(arn))
            .ok_or_else(|| ApiError::not_found("IngestConfiguration", arn))?;
        Ok(json!({ "ingestConfiguration": config_json(config) }))
    }

    pub(super) fn list_configs(&self, input: ListConfigsInput) -> Result<Value, ApiError> {
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
    pub(super) fn update_config(&self, input: UpdateConfigInput) -> Result<Value, ApiError> {
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
    pub(super) fn delete_config(&self, input: DeleteConfigInput) -> Result<Value, ApiError> {
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
}
