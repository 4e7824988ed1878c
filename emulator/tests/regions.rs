//! Each SigV4 region is its own world: resources, quotas and rate limits.

use aws_sdk_ivsrealtime::error::ProvideErrorMetadata;
use aws_sdk_ivsrealtime::operation::create_ingest_configuration::CreateIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::get_ingest_configuration::GetIngestConfigurationError;
use aws_sdk_ivsrealtime::operation::update_ingest_configuration::UpdateIngestConfigurationError;
use aws_sdk_ivsrealtime::types::IngestProtocol;

use crate::support::{ACCOUNT, calls, client, create_config, create_stage, start, start_with};

#[tokio::test]
async fn regions_are_isolated_worlds_within_one_emulator() {
    let emu = start();
    let us = client(&emu, "us-east-1").await;
    let eu = client(&emu, "eu-west-1").await;
    let us_stage = create_stage(&us, "shared-name").await;
    let us_config = create_config(&us, "cfg", Some(&us_stage)).await;
    let eu_stage = create_stage(&eu, "shared-name").await;
    assert!(us_stage.starts_with(&format!("arn:aws:ivs:us-east-1:{ACCOUNT}:stage/")));
    assert!(eu_stage.starts_with(&format!("arn:aws:ivs:eu-west-1:{ACCOUNT}:stage/")));

    let eu_configs = eu.list_ingest_configurations().send().await.expect("list");
    assert!(eu_configs.ingest_configurations().is_empty());
    let eu_stages = eu.list_stages().send().await.expect("list");
    assert_eq!(eu_stages.stages().len(), 1);
    assert_eq!(eu_stages.stages()[0].arn(), eu_stage);

    let err = eu
        .get_ingest_configuration()
        .arn(&us_config)
        .send()
        .await
        .expect_err("another region's config");
    assert!(matches!(
        err.into_service_error(),
        GetIngestConfigurationError::ResourceNotFoundException(_)
    ));
    // Nor can a config be attached to a stage of another region.
    let eu_config = create_config(&eu, "cfg", None).await;
    let err = eu
        .update_ingest_configuration()
        .arn(&eu_config)
        .stage_arn(&us_stage)
        .send()
        .await
        .expect_err("cross-region stage");
    assert!(matches!(
        err.into_service_error(),
        UpdateIngestConfigurationError::ResourceNotFoundException(_)
    ));
}

#[tokio::test]
async fn the_ingest_configuration_quota_is_per_region() {
    let emu = start_with(|c| c.max_ingest_configurations = 1);
    let us = client(&emu, "us-east-1").await;
    let eu = client(&emu, "eu-west-1").await;
    create_config(&us, "a", None).await;
    create_config(&eu, "a", None).await;
    let err = us
        .create_ingest_configuration()
        .ingest_protocol(IngestProtocol::Rtmps)
        .send()
        .await
        .expect_err("us quota spent");
    assert!(matches!(
        err.into_service_error(),
        CreateIngestConfigurationError::ServiceQuotaExceededException(_)
    ));
}

#[tokio::test]
async fn rate_limit_buckets_are_per_region() {
    let emu = start_with(|c| c.rate_limit_tps = Some(1.0));
    let us = client(&emu, "us-east-1").await;
    let eu = client(&emu, "eu-west-1").await;
    us.list_stages().send().await.expect("us bucket");
    eu.list_stages()
        .send()
        .await
        .expect("eu has its own bucket");
    let err = us.list_stages().send().await.expect_err("us bucket empty");
    assert_eq!(err.code(), Some("ThrottlingException"));
    let counts = calls(&emu).await;
    assert_eq!(counts["regions"]["us-east-1"]["throttled"]["ListStages"], 1);
    assert!(
        counts["regions"]["eu-west-1"]["throttled"]
            .get("ListStages")
            .is_none()
    );
}
