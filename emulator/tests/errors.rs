//! Every error arrives as the SDK's typed error (or, where the model lists none, with its code), and the SDK retries what it should.

use aws_sdk_ivsrealtime::error::ProvideErrorMetadata;
use aws_sdk_ivsrealtime::operation::RequestId;
use aws_sdk_ivsrealtime::operation::create_ingest_configuration::CreateIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::create_stage::CreateStageError;
use aws_sdk_ivsrealtime::operation::delete_ingest_configuration::DeleteIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::delete_stage::DeleteStageError;
use aws_sdk_ivsrealtime::operation::get_ingest_configuration::GetIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::get_stage::GetStageError;
use aws_sdk_ivsrealtime::operation::list_ingest_configurations::ListIngestConfigurationsError;
use aws_sdk_ivsrealtime::operation::list_tags_for_resource::ListTagsForResourceError;
use aws_sdk_ivsrealtime::operation::tag_resource::TagResourceError;
use aws_sdk_ivsrealtime::operation::update_ingest_configuration::UpdateIngestConfigurationError;
use aws_sdk_ivsrealtime::types::{IngestConfigurationState, IngestProtocol};
use ivs_realtime_emulator::ActiveUpdateError;
use serde_json::json;

use crate::support::{
    ACCOUNT, REGION, call_count, calls, client, create_config, create_stage, fault,
    retrying_client, set_state, start, start_with,
};

#[tokio::test]
async fn unknown_ingest_configuration_is_resource_not_found_with_a_message() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = format!("arn:aws:ivs:{REGION}:{ACCOUNT}:ingest-configuration/nope");
    let err = client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect_err("unknown");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
    match err.into_service_error() {
        GetIngestConfigurationError::ResourceNotFoundException(e) => {
            assert!(e.exception_message().is_some_and(|m| m.contains(&arn)));
            assert!(e.meta().request_id().is_some());
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
}

#[tokio::test]
async fn well_formed_arns_of_another_region_or_account_are_not_found() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "c", None).await;
    let id = arn.rsplit('/').next().unwrap_or_default();
    for foreign in [
        format!("arn:aws:ivs:eu-west-1:{ACCOUNT}:ingest-configuration/{id}"),
        format!("arn:aws:ivs:{REGION}:999999999999:ingest-configuration/{id}"),
    ] {
        let err = client
            .get_ingest_configuration()
            .arn(&foreign)
            .send()
            .await
            .expect_err("foreign");
        assert!(
            matches!(
                err.into_service_error(),
                GetIngestConfigurationError::ResourceNotFoundException(_)
            ),
            "{foreign}"
        );
    }
}

#[tokio::test]
async fn malformed_arns_are_validation_exceptions() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage_arn_given_as_config = format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/abc");
    for bad in [
        "",
        "not-an-arn",
        stage_arn_given_as_config.as_str(),
        "arn:aws:ivs:us-east-1:123:ingest-configuration/under_score",
    ] {
        let err = client
            .get_ingest_configuration()
            .arn(bad)
            .send()
            .await
            .expect_err("malformed");
        assert!(
            matches!(
                err.into_service_error(),
                GetIngestConfigurationError::ValidationException(_)
            ),
            "{bad:?}"
        );
    }
    let long = format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/{}", "a".repeat(128));
    let err = client.get_stage().arn(long).send().await.expect_err("long");
    assert!(matches!(
        err.into_service_error(),
        GetStageError::ValidationException(_)
    ));
}

#[tokio::test]
async fn rtmp_without_insecure_ingest_is_a_validation_exception() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let err = client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmp)
        .send()
        .await
        .expect_err("RTMP needs insecureIngest");
    match err.into_service_error() {
        CreateIngestConfigurationError::ValidationException(e) => {
            assert!(
                e.exception_message()
                    .is_some_and(|m| m.contains("insecureIngest"))
            );
        }
        other => panic!("expected ValidationException, got {other:?}"),
    }
    client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmp)
        .insecure_ingest(true)
        .send()
        .await
        .expect("RTMP with insecureIngest");
}

#[tokio::test]
async fn invalid_members_are_validation_exceptions() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let too_many_tags = (0..51).fold(
        client
            .create_ingest_configuration()
            .ingest_protocol(IngestProtocol::Rtmps),
        |req, i| req.tags(format!("k{i}"), "v"),
    );
    let big_attribute = client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmps)
        .attributes("a", "x".repeat(1024));
    let cases = [
        (
            "name pattern",
            client
                .create_ingest_configuration()
                .ingest_protocol(IngestProtocol::Rtmps)
                .name("has space"),
        ),
        (
            "name length",
            client
                .create_ingest_configuration()
                .ingest_protocol(IngestProtocol::Rtmps)
                .name("n".repeat(129)),
        ),
        (
            "stageArn pattern",
            client
                .create_ingest_configuration()
                .ingest_protocol(IngestProtocol::Rtmps)
                .stage_arn("arn:aws:ivs:us-east-1:1:channel/x"),
        ),
        ("51 tags", too_many_tags),
        ("attributes over 1 KB", big_attribute),
        (
            "tag value over 256",
            client
                .create_ingest_configuration()
                .ingest_protocol(IngestProtocol::Rtmps)
                .tags("k", "v".repeat(257)),
        ),
        (
            "unknown protocol",
            client
                .create_ingest_configuration()
                .ingest_protocol(IngestProtocol::from("SRT")),
        ),
    ];
    for (what, request) in cases {
        let err = request.send().await.expect_err(what);
        assert!(
            matches!(
                err.into_service_error(),
                CreateIngestConfigurationError::ValidationException(_)
            ),
            "{what}"
        );
    }
    let err = client
        .create_stage()
        .name("bad name!")
        .send()
        .await
        .expect_err("stage name");
    assert!(matches!(
        err.into_service_error(),
        CreateStageError::ValidationException(_)
    ));
    for max in [0, 101] {
        let err = client
            .list_ingest_configurations()
            .max_results(max)
            .send()
            .await
            .expect_err("maxResults out of range");
        assert!(matches!(
            err.into_service_error(),
            ListIngestConfigurationsError::ValidationException(_)
        ));
    }
}

#[tokio::test]
async fn both_list_filters_at_once_is_a_validation_exception() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let err = client
        .list_ingest_configurations()
        .filter_by_stage_arn(&stage)
        .filter_by_state(IngestConfigurationState::Active)
        .send()
        .await
        .expect_err("two filters");
    assert!(matches!(
        err.into_service_error(),
        ListIngestConfigurationsError::ValidationException(_)
    ));
}

#[tokio::test]
async fn a_stage_arn_naming_no_stage_is_resource_not_found() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let missing = format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/missing");
    let config = create_config(&client, "c", None).await;
    let err = client
        .update_ingest_configuration()
        .arn(&config)
        .stage_arn(&missing)
        .send()
        .await
        .expect_err("missing stage");
    assert!(matches!(
        err.into_service_error(),
        UpdateIngestConfigurationError::ResourceNotFoundException(_)
    ));
    // CreateIngestConfiguration does not model ResourceNotFoundException: the code still arrives.
    let err = client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmps)
        .stage_arn(&missing)
        .send()
        .await
        .expect_err("missing stage");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(404));
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}

#[tokio::test]
async fn updating_an_active_ingest_configuration_is_a_conflict() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    set_state(&emu, &arn, "ACTIVE").await;
    let err = client
        .update_ingest_configuration()
        .arn(&arn)
        .stage_arn("")
        .send()
        .await
        .expect_err("active");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(409));
    match err.into_service_error() {
        UpdateIngestConfigurationError::ConflictException(e) => {
            assert!(e.exception_message().is_some_and(|m| m.contains("ACTIVE")));
        }
        other => panic!("expected ConflictException, got {other:?}"),
    }
    set_state(&emu, &arn, "INACTIVE").await;
    client
        .update_ingest_configuration()
        .arn(&arn)
        .stage_arn("")
        .send()
        .await
        .expect("inactive again");
}

#[tokio::test]
async fn updating_an_active_ingest_configuration_can_be_a_validation_exception_instead() {
    let emu = start_with(|c| c.active_update_error = ActiveUpdateError::Validation);
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    set_state(&emu, &arn, "ACTIVE").await;
    let err = client
        .update_ingest_configuration()
        .arn(&arn)
        .stage_arn("")
        .send()
        .await
        .expect_err("active");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
    match err.into_service_error() {
        UpdateIngestConfigurationError::ValidationException(e) => {
            assert!(e.exception_message().is_some_and(|m| m.contains("ACTIVE")));
        }
        other => panic!("expected ValidationException, got {other:?}"),
    }
}

#[test]
fn the_active_update_error_is_named_by_its_code() {
    assert_eq!(
        "ValidationException".parse(),
        Ok(ActiveUpdateError::Validation)
    );
    assert_eq!("ConflictException".parse(), Ok(ActiveUpdateError::Conflict));
    assert!("Conflict".parse::<ActiveUpdateError>().is_err());
}

#[tokio::test]
async fn deleting_an_active_ingest_configuration_needs_force() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    set_state(&emu, &arn, "ACTIVE").await;
    let err = client
        .delete_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect_err("active");
    assert!(matches!(
        err.into_service_error(),
        DeleteIngestConfigurationError::ConflictException(_)
    ));
    client
        .delete_ingest_configuration()
        .arn(&arn)
        .force(true)
        .send()
        .await
        .expect("forced");
    // The forced delete ended the stage's session.
    let got = client.get_stage().arn(&stage).send().await.expect("get");
    assert_eq!(got.stage().and_then(|s| s.active_session_id()), None);
}

#[tokio::test]
async fn deleting_a_stage_with_an_active_ingest_configuration_is_a_conflict() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let arn = create_config(&client, "c", Some(&stage)).await;
    set_state(&emu, &arn, "ACTIVE").await;
    let err = client
        .delete_stage()
        .arn(&stage)
        .send()
        .await
        .expect_err("live stage");
    assert!(matches!(
        err.into_service_error(),
        DeleteStageError::ConflictException(_)
    ));
    set_state(&emu, &arn, "INACTIVE").await;
    client
        .delete_stage()
        .arn(&stage)
        .send()
        .await
        .expect("idle stage");
    // The configuration keeps pointing at the deleted stage: no cascade is documented.
    let got = client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("config");
    assert_eq!(
        got.ingest_configuration().map(|c| c.stage_arn()),
        Some(stage.as_str())
    );
}

#[tokio::test]
async fn ingest_configurations_beyond_the_quota_are_service_quota_exceeded() {
    let emu = start_with(|c| c.max_ingest_configurations = 2);
    let client = client(&emu, REGION).await;
    let first = create_config(&client, "a", None).await;
    create_config(&client, "b", None).await;
    let err = client
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmps)
        .send()
        .await
        .expect_err("over quota");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(402));
    assert!(matches!(
        err.into_service_error(),
        CreateIngestConfigurationError::ServiceQuotaExceededException(_)
    ));
    client
        .delete_ingest_configuration()
        .arn(&first)
        .send()
        .await
        .expect("delete");
    create_config(&client, "c", None).await;
}

#[tokio::test]
async fn tagging_unknown_or_malformed_resources_fails_typed() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let err = client
        .tag_resource()
        .resource_arn(format!("arn:aws:ivs:{REGION}:{ACCOUNT}:stage/missing"))
        .tags("a", "b")
        .send()
        .await
        .expect_err("unknown");
    assert!(matches!(
        err.into_service_error(),
        TagResourceError::ResourceNotFoundException(_)
    ));
    let err = client
        .list_tags_for_resource()
        .resource_arn("arn:aws:ivs:us-east-1:1:channel/x")
        .send()
        .await
        .expect_err("malformed");
    assert!(matches!(
        err.into_service_error(),
        ListTagsForResourceError::ValidationException(_)
    ));
    let stage = create_stage(&client, "s").await;
    let err = client
        .tag_resource()
        .resource_arn(&stage)
        .tags("aws:reserved", "x")
        .send()
        .await
        .expect_err("reserved prefix");
    assert!(matches!(
        err.into_service_error(),
        TagResourceError::ValidationException(_)
    ));
}

#[tokio::test]
async fn injected_faults_arrive_as_the_modelled_typed_errors() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let arn = create_config(&client, "c", None).await;
    for error in [
        "PendingVerification",
        "AccessDeniedException",
        "ValidationException",
        "ResourceNotFoundException",
        "ConflictException",
    ] {
        fault(
            &emu,
            json!({"operation": "UpdateIngestConfiguration", "error": error, "count": 1}),
        )
        .await;
        let err = client
            .update_ingest_configuration()
            .arn(&arn)
            .send()
            .await
            .expect_err(error);
        let typed = match err.into_service_error() {
            UpdateIngestConfigurationError::PendingVerification(_) => "PendingVerification",
            UpdateIngestConfigurationError::AccessDeniedException(_) => "AccessDeniedException",
            UpdateIngestConfigurationError::ValidationException(_) => "ValidationException",
            UpdateIngestConfigurationError::ResourceNotFoundException(_) => {
                "ResourceNotFoundException"
            }
            UpdateIngestConfigurationError::ConflictException(_) => "ConflictException",
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(typed, error);
    }
    fault(
        &emu,
        json!({"operation": "ListTagsForResource", "error": "InternalServerException"}),
    )
    .await;
    let err = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect_err("500 with retries off");
    assert!(matches!(
        err.into_service_error(),
        ListTagsForResourceError::InternalServerException(_)
    ));
    fault(
        &emu,
        json!({"operation": "CreateStage", "error": "ServiceQuotaExceededException"}),
    )
    .await;
    let err = client.create_stage().send().await.expect_err("quota");
    assert!(matches!(
        err.into_service_error(),
        CreateStageError::ServiceQuotaExceededException(_)
    ));
    // The faults are used up: everything works again.
    client
        .update_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("no fault left");
}

#[tokio::test]
async fn the_sdk_retries_throttling_and_then_succeeds() {
    let emu = start();
    let setup = client(&emu, REGION).await;
    let arn = create_config(&setup, "c", None).await;
    fault(
        &emu,
        json!({"operation": "GetIngestConfiguration", "error": "ThrottlingException", "count": 2}),
    )
    .await;
    let client = retrying_client(&emu, 3).await;
    client
        .get_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(call_count(&emu, "GetIngestConfiguration").await, 3);
}

#[tokio::test]
async fn the_sdk_retries_internal_server_errors_and_then_succeeds() {
    let emu = start();
    let client = retrying_client(&emu, 3).await;
    fault(
        &emu,
        json!({"operation": "ListIngestConfigurations", "error": "InternalServerException", "count": 1}),
    )
    .await;
    client
        .list_ingest_configurations()
        .send()
        .await
        .expect("second attempt succeeds");
    assert_eq!(call_count(&emu, "ListIngestConfigurations").await, 2);
}

#[tokio::test]
async fn conflicts_are_not_retried() {
    let emu = start();
    let client = retrying_client(&emu, 3).await;
    let arn = create_config(&client, "c", None).await;
    fault(
        &emu,
        json!({"operation": "UpdateIngestConfiguration", "error": "ConflictException"}),
    )
    .await;
    client
        .update_ingest_configuration()
        .arn(&arn)
        .send()
        .await
        .expect_err("409 is final");
    assert_eq!(call_count(&emu, "UpdateIngestConfiguration").await, 1);
}

#[tokio::test]
async fn calls_over_the_rate_limit_are_throttled_per_operation_and_counted() {
    let emu = start_with(|c| c.rate_limit_tps = Some(2.0));
    let client = client(&emu, REGION).await;
    let mut throttled = 0;
    for _ in 0..5 {
        match client.list_stages().send().await {
            Ok(_) => {}
            Err(err) => {
                assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(429));
                assert_eq!(err.code(), Some("ThrottlingException"));
                throttled += 1;
            }
        }
    }
    assert!(
        throttled >= 2,
        "a burst of 2 then throttling, got {throttled} throttled"
    );
    // Another operation has its own bucket.
    client
        .list_ingest_configurations()
        .send()
        .await
        .expect("own bucket");
    let counts = calls(&emu).await;
    assert_eq!(counts["calls"]["ListStages"], 5);
    assert_eq!(counts["throttled"]["ListStages"], throttled);
    assert_eq!(
        counts["regions"][REGION]["throttled"]["ListStages"],
        throttled
    );
}
