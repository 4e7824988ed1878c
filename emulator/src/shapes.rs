//! The model's output shapes (Stage, StageSummary, IngestConfiguration, IngestConfigurationSummary) rendered from what the store holds.

use serde_json::{Map, Value, json};

use crate::state::{IngestConfig, Stage};

/// The Stage shape (GetStage, CreateStage): `arn` always, `name` only if one was given, `tags`
/// always (at least `{}`), endpoints in the form the service returns them.
pub(crate) fn stage_json(stage: &Stage) -> Value {
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
pub(crate) fn stage_summary_json(stage: &Stage) -> Value {
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
