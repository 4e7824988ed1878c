//! Every operation through the SDK, on the happy path.

use std::collections::{HashMap, HashSet};

use aws_sdk_ivsrealtime::operation::get_ingest_configuration::GetIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::get_stage::GetStageError;
use aws_sdk_ivsrealtime::types::{
    IngestConfigurationState, IngestProtocol, ParticipantTokenCapability,
    ParticipantTokenConfiguration,
};

use crate::support::{ACCOUNT, REGION, client, create_config, create_stage, start};

#[tokio::test]
async fn create_stage_returns_the_stage_and_one_token_per_configuration() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let out = client
        .create_stage()
        .name("studio-1")
        .tags("team", "video")
        .participant_token_configurations(
            ParticipantTokenConfiguration::builder()
                .user_id("alice")
                .duration(60)
                .attributes("seat", "1")
                .capabilities(ParticipantTokenCapability::Publish)
                .build(),
        )
        .participant_token_configurations(ParticipantTokenConfiguration::builder().build())
        .send()
        .await
        .expect("CreateStage succeeds");

    let stage = out.stage().expect("a stage");
    assert!(
        stage
            .arn()
            .starts_with(&format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/"))
    );
    let id = stage.arn().rsplit('/').next().unwrap_or_default();
    assert_eq!(id.len(), 12);
    assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(stage.name(), Some("studio-1"));
    assert_eq!(
        stage.tags().and_then(|t| t.get("team")).map(String::as_str),
        Some("video")
    );
    let endpoints = stage.endpoints().expect("endpoints");
    assert!(endpoints.whip().is_some_and(|u| u.starts_with("https://")));
    assert!(endpoints.rtmps().is_some_and(|u| u.starts_with("rtmps://")));
    assert!(endpoints.rtmp().is_some_and(|u| u.starts_with("rtmp://")));
    assert!(endpoints.events().is_some_and(|u| u.starts_with("wss://")));

    let tokens = out.participant_tokens();
    assert_eq!(tokens.len(), 2);
    let alice = &tokens[0];
    assert_eq!(alice.user_id(), Some("alice"));
    assert_eq!(alice.duration(), Some(60));
    assert_eq!(
        alice.capabilities(),
        &[ParticipantTokenCapability::Publish][..]
    );
    assert_eq!(
        alice
            .attributes()
            .and_then(|a| a.get("seat"))
            .map(String::as_str),
        Some("1")
    );
    assert!(alice.token().is_some_and(|t| !t.is_empty()));
    assert!(alice.participant_id().is_some_and(|p| !p.is_empty()));
    let expires = alice.expiration_time().expect("an expiration time").secs();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    assert!(
        (expires - now - 3600).abs() < 60,
        "expires {expires}, now {now}"
    );
    let default = &tokens[1];
    assert_eq!(default.duration(), Some(720));
    assert_eq!(default.capabilities().len(), 2);
    assert_ne!(default.participant_id(), alice.participant_id());
}

#[tokio::test]
async fn get_stage_returns_what_create_stage_made() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_stage(&client, "lobby").await;
    let out = client.get_stage().arn(&arn).send().await.expect("GetStage");
    let stage = out.stage().expect("a stage");
    assert_eq!(stage.arn(), arn);
    assert_eq!(stage.name(), Some("lobby"));
    assert_eq!(stage.active_session_id(), None);
    assert!(stage.tags().is_some_and(HashMap::is_empty));
}

#[tokio::test]
async fn list_stages_lists_every_created_stage_in_creation_order() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let a = create_stage(&client, "a").await;
    let b = create_stage(&client, "b").await;
    let out = client.list_stages().send().await.expect("ListStages");
    let arns: Vec<&str> = out.stages().iter().map(|s| s.arn()).collect();
    assert_eq!(arns, vec![a.as_str(), b.as_str()]);
    assert_eq!(out.stages()[1].name(), Some("b"));
    assert_eq!(out.next_token(), None);
}

#[tokio::test]
async fn delete_stage_removes_it() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_stage(&client, "gone").await;
    client
        .delete_stage()
        .arn(&arn)
        .send()
        .await
        .expect("DeleteStage");
    let err = client.get_stage().arn(&arn).send().await.expect_err("gone");
    assert!(matches!(
        err.into_service_error(),
        GetStageError::ResourceNotFoundException(_)
    ));
}

#[tokio::test]
async fn create_ingest_configuration_returns_an_inactive_unattached_config_with_a_stream_key() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let out = client
        .create_ingest_configuration()
        .name("cam-1")
        .user_id("camera-one")
        .attributes("position", "left")
        .tags("owner", "ops")
        .ingest_protocol(IngestProtocol::Rtmps)
        .send()
        .await
        .expect("CreateIngestConfiguration");
    let config = out.ingest_configuration().expect("a config");
    let id = config.arn().rsplit('/').next().unwrap_or_default();
    assert!(config.arn().starts_with(&format!(
        "arn:aws:ivs:{REGION}:{ACCOUNT}:ingest-configuration/"
    )));
    assert_eq!(id.len(), 12);
    assert_eq!(config.name(), Some("cam-1"));
    assert_eq!(config.ingest_protocol(), &IngestProtocol::Rtmps);
    assert_eq!(config.stage_arn(), "");
    assert_eq!(config.state(), &IngestConfigurationState::Inactive);
    assert_eq!(config.user_id(), Some("camera-one"));
    assert!(!config.redundant_ingest());
    assert!(config.redundant_ingest_credentials().is_empty());
    assert!(!config.participant_id().is_empty());
    assert!(
        config
            .participant_id()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let prefix = format!("rt_{ACCOUNT}_{REGION}_{id}_");
    let key = config.stream_key();
    assert!(key.starts_with(&prefix), "{key}");
    let secret = &key[prefix.len()..];
    assert_eq!(secret.len(), 32);
    assert!(secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(
        config
            .attributes()
            .and_then(|a| a.get("position"))
            .map(String::as_str),
        Some("left")
    );
    assert_eq!(
        config
            .tags()
            .and_then(|t| t.get("owner"))
            .map(String::as_str),
        Some("ops")
    );
}

#[tokio::test]
async fn get_ingest_configuration_returns_the_created_config() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let created = client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmp)
        .insecure_ingest(true)
        .stage_arn(&stage)
        .send()
        .await
        .expect("create");
    let created = created.ingest_configuration().expect("config");
    let got = client
        .get_ingest_configuration()
        .arn(created.arn())
        .send()
        .await
        .expect("GetIngestConfiguration");
    let got = got.ingest_configuration().expect("config");
    assert_eq!(got, created);
    assert_eq!(got.stage_arn(), stage);
    assert_eq!(got.ingest_protocol(), &IngestProtocol::Rtmp);
    assert_eq!(got.name(), None);
}

#[tokio::test]
async fn list_ingest_configurations_returns_summaries_of_each() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let a = create_config(&client, "a", Some(&stage)).await;
    let b = create_config(&client, "b", None).await;
    let out = client
        .list_ingest_configurations()
        .send()
        .await
        .expect("ListIngestConfigurations");
    let items = out.ingest_configurations();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].arn(), a);
    assert_eq!(items[0].stage_arn(), stage);
    assert_eq!(items[0].name(), Some("a"));
    assert_eq!(items[1].arn(), b);
    assert_eq!(items[1].stage_arn(), "");
    assert_eq!(items[1].state(), &IngestConfigurationState::Inactive);
    assert!(!items[1].redundant_ingest());
    assert_eq!(out.next_token(), None);
}

#[tokio::test]
async fn update_ingest_configuration_attaches_moves_and_detaches_a_stage() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let s1 = create_stage(&client, "s1").await;
    let s2 = create_stage(&client, "s2").await;
    let arn = create_config(&client, "cfg", None).await;
    let before = client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("get");
    let key = before.ingest_configuration().expect("config").stream_key();

    for target in [s1.as_str(), s2.as_str(), ""] {
        let out = client
            .update_ingest_configuration()
            .arn(&arn)
            .stage_arn(target)
            .send()
            .await
            .expect("UpdateIngestConfiguration");
        let config = out.ingest_configuration().expect("config");
        assert_eq!(config.stage_arn(), target);
        assert_eq!(config.stream_key(), key, "the stream key survives updates");
    }

    // Omitting stageArn leaves the attachment alone.
    client
        .update_ingest_configuration()
        .arn(&arn)
        .stage_arn(&s1)
        .send()
        .await
        .expect("attach");
    let out = client
        .update_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("no-op update");
    assert_eq!(out.ingest_configuration().expect("config").stage_arn(), s1);
}

#[tokio::test]
async fn update_ingest_configuration_toggles_redundant_ingest_and_its_credentials() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "cfg", None).await;
    let on = client
        .update_ingest_configuration()
        .arn(&arn)
        .redundant_ingest(true)
        .send()
        .await
        .expect("enable");
    let config = on.ingest_configuration().expect("config");
    assert!(config.redundant_ingest());
    let credentials = config.redundant_ingest_credentials();
    assert_eq!(credentials.len(), 1);
    assert!(
        credentials[0]
            .stream_key()
            .is_some_and(|k| k.starts_with("rt_") && k != config.stream_key())
    );
    let off = client
        .update_ingest_configuration()
        .arn(&arn)
        .redundant_ingest(false)
        .send()
        .await
        .expect("disable");
    let config = off.ingest_configuration().expect("config");
    assert!(!config.redundant_ingest());
    assert!(config.redundant_ingest_credentials().is_empty());
}

#[tokio::test]
async fn delete_ingest_configuration_removes_it() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "cfg", None).await;
    client
        .delete_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("DeleteIngestConfiguration");
    let err = client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert!(matches!(
        err.into_service_error(),
        GetIngestConfigurationError::ResourceNotFoundException(_)
    ));
    let list = client
        .list_ingest_configurations()
        .send()
        .await
        .expect("list");
    assert!(list.ingest_configurations().is_empty());
}

#[tokio::test]
async fn tags_are_added_listed_and_removed_on_both_resource_kinds() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let config = create_config(&client, "c", None).await;
    for arn in [&stage, &config] {
        client
            .tag_resource()
            .resource_arn(arn)
            .tags("a", "1")
            .tags("b c/d:e", "2")
            .tags("keep", "3")
            .send()
            .await
            .expect("TagResource");
        client
            .untag_resource()
            .resource_arn(arn)
            .tag_keys("a")
            .tag_keys("b c/d:e")
            .send()
            .await
            .expect("UntagResource");
        let out = client
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        let expected: HashMap<String, String> = [("keep".to_owned(), "3".to_owned())].into();
        assert_eq!(out.tags(), &expected);
    }
    let got = client.get_stage().arn(&stage).send().await.expect("get");
    assert_eq!(
        got.stage().and_then(|s| s.tags()).map(HashMap::len),
        Some(1)
    );
}

#[tokio::test]
async fn stream_keys_and_arns_are_unique() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let mut keys = HashSet::new();
    let mut arns = HashSet::new();
    for i in 0..20 {
        let out = client
            .create_ingest_configuration()
            .name(format!("c{i}"))
            .ingest_protocol(IngestProtocol::Rtmps)
            .send()
            .await
            .expect("create");
        let config = out.ingest_configuration().expect("config");
        assert!(keys.insert(config.stream_key().to_owned()));
        assert!(arns.insert(config.arn().to_owned()));
    }
}
