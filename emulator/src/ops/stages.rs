//! The stage operations: CreateStage (with its participant tokens), GetStage, ListStages, DeleteStage.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::context::{ArnInput, Ctx, cursor, new_arn, required};
use crate::error::{ApiError, ErrorCode};
use crate::shapes::{stage_json, stage_summary_json};
use crate::state::{self, MAX_STAGES, Stage, TokenKind, random_alphanumeric};
use crate::validate::{self, ArnKind};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateStageInput {
    name: Option<String>,
    participant_token_configurations: Option<Vec<TokenConfigInput>>,
    tags: Option<BTreeMap<String, String>>,
    auto_participant_recording_configuration: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct TokenConfigInput {
    duration: Option<i64>,
    user_id: Option<String>,
    attributes: Option<BTreeMap<String, String>>,
    capabilities: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListStagesInput {
    next_token: Option<String>,
    max_results: Option<i64>,
}

impl Ctx<'_> {
    pub(super) fn create_stage(&self, input: CreateStageInput) -> Result<Value, ApiError> {
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

    pub(super) fn get_stage(&self, input: ArnInput) -> Result<Value, ApiError> {
        let arn = required("arn", &input.arn)?;
        validate::check_arn("arn", arn, ArnKind::Stage)?;
        let store = self.service.store();
        let stage = store
            .region(self.region)
            .and_then(|r| r.stage(arn))
            .ok_or_else(|| ApiError::not_found("Stage", arn))?;
        Ok(json!({ "stage": stage_json(stage) }))
    }

    pub(super) fn list_stages(&self, input: ListStagesInput) -> Result<Value, ApiError> {
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
    pub(super) fn delete_stage(&self, input: ArnInput) -> Result<Value, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_renders_utc_civil_time() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
