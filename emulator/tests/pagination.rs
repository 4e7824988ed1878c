//! Lists page in creation order with opaque tokens: nothing skipped or repeated while others write, no token on the last page, garbage refused.

use std::collections::{HashMap, HashSet};

use aws_sdk_ivsrealtime::operation::list_ingest_configurations::ListIngestConfigurationsError;
use aws_sdk_ivsrealtime::operation::list_stages::ListStagesError;
use aws_sdk_ivsrealtime::types::IngestConfigurationState;
use serde_json::json;

use crate::support::{REGION, call, client, create_config, create_stage, set_state, start};

#[tokio::test]
async fn ingest_configurations_page_without_skip_or_repeat_while_others_create_and_delete() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let mut originals = Vec::new();
    for i in 0..20 {
        originals.push(create_config(&client, &format!("orig-{i}"), None).await);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut deleted = HashSet::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = client
            .list_ingest_configurations()
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .expect("a page");
        pages += 1;
        for item in out.ingest_configurations() {
            *seen.entry(item.arn().to_owned()).or_default() += 1;
        }
        // Between pages: delete one already seen and one not yet seen, and create one.
        if let Some(done) = originals
            .iter()
            .find(|a| seen.contains_key(*a) && !deleted.contains(*a))
        {
            let done = done.clone();
            client
                .delete_ingest_configuration()
                .arn(&done)
                .send()
                .await
                .expect("delete seen");
            deleted.insert(done);
        }
        if pages % 2 == 0
            && let Some(ahead) = originals
                .iter()
                .rev()
                .find(|a| !seen.contains_key(*a) && !deleted.contains(*a))
        {
            let ahead = ahead.clone();
            client
                .delete_ingest_configuration()
                .arn(&ahead)
                .send()
                .await
                .expect("delete unseen");
            deleted.insert(ahead);
        }
        create_config(&client, &format!("new-{pages}"), None).await;
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
        assert!(pages < 100, "pagination does not end");
    }
    assert!(pages > 3, "several pages, got {pages}");
    assert!(
        seen.values().all(|n| *n == 1),
        "something repeated: {seen:?}"
    );
    for arn in originals.iter().filter(|a| !deleted.contains(*a)) {
        assert_eq!(seen.get(arn), Some(&1), "{arn} skipped");
    }
}

#[tokio::test]
async fn stages_page_through_the_sdk_paginator() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(create_stage(&client, &format!("s{i}")).await);
    }
    let mut stream = client.list_stages().max_results(3).into_paginator().send();
    let mut listed = Vec::new();
    let mut pages = 0;
    while let Some(page) = stream.next().await {
        let page = page.expect("a page");
        pages += 1;
        listed.extend(page.stages().iter().map(|s| s.arn().to_owned()));
    }
    assert_eq!(pages, 3);
    assert_eq!(listed, created);
}

#[tokio::test]
async fn the_items_paginator_visits_every_ingest_configuration() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let mut created = Vec::new();
    for i in 0..11 {
        created.push(create_config(&client, &format!("c{i}"), None).await);
    }
    let items: Vec<String> = client
        .list_ingest_configurations()
        .max_results(4)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("all pages")
        .into_iter()
        .map(|s| s.arn().to_owned())
        .collect();
    assert_eq!(items, created);
}

#[tokio::test]
async fn the_last_page_carries_no_next_token_at_all() {
    let emu = start();
    let client = client(&emu, REGION).await;
    for i in 0..4 {
        create_config(&client, &format!("c{i}"), None).await;
        create_stage(&client, &format!("s{i}")).await;
    }
    for (op, list) in [
        ("ListIngestConfigurations", "ingestConfigurations"),
        ("ListStages", "stages"),
    ] {
        let first = call(&emu, op, REGION, json!({"maxResults": 2})).await;
        assert_eq!(first.status, 200);
        let token = first.body["nextToken"]
            .as_str()
            .expect("a token on page one")
            .to_owned();
        assert!(!token.is_empty());
        let last = call(
            &emu,
            op,
            REGION,
            json!({"maxResults": 2, "nextToken": token}),
        )
        .await;
        assert_eq!(last.body[list].as_array().map(Vec::len), Some(2));
        let object = last.body.as_object().expect("an object");
        assert!(!object.contains_key("nextToken"), "{op}: {}", last.body);
        // Exactly a page's worth: still no token.
        let all = call(&emu, op, REGION, json!({"maxResults": 4})).await;
        assert!(
            !all.body
                .as_object()
                .is_some_and(|o| o.contains_key("nextToken"))
        );
    }
    let empty = call(&emu, "ListIngestConfigurations", "ap-south-1", json!({})).await;
    assert_eq!(empty.body, json!({"ingestConfigurations": []}));
}

#[tokio::test]
async fn garbled_or_foreign_next_tokens_are_validation_exceptions() {
    let emu = start();
    let client = client(&emu, REGION).await;
    for i in 0..3 {
        create_config(&client, &format!("c{i}"), None).await;
        create_stage(&client, &format!("s{i}")).await;
    }
    let stage_token = client
        .list_stages()
        .max_results(1)
        .send()
        .await
        .expect("page")
        .next_token()
        .expect("token")
        .to_owned();
    let config_token = client
        .list_ingest_configurations()
        .max_results(1)
        .send()
        .await
        .expect("page")
        .next_token()
        .expect("token")
        .to_owned();
    let mut flipped = config_token.clone().into_bytes();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    for bad in [
        "garbage".to_owned(),
        "not a token!".to_owned(),
        stage_token.clone(),
        flipped,
        "A".repeat(1025),
    ] {
        let err = client
            .list_ingest_configurations()
            .next_token(&bad)
            .send()
            .await
            .expect_err("bad token");
        assert!(
            matches!(
                err.into_service_error(),
                ListIngestConfigurationsError::ValidationException(_)
            ),
            "{bad}"
        );
    }
    let err = client
        .list_stages()
        .next_token(&config_token)
        .send()
        .await
        .expect_err("a config token on the stage list");
    assert!(matches!(
        err.into_service_error(),
        ListStagesError::ValidationException(_)
    ));
}

#[tokio::test]
async fn filters_by_stage_arn_or_by_state_select_matching_configs_across_pages() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let s1 = create_stage(&client, "s1").await;
    let s2 = create_stage(&client, "s2").await;
    let mut on_s1 = Vec::new();
    for i in 0..5 {
        on_s1.push(create_config(&client, &format!("a{i}"), Some(&s1)).await);
        create_config(&client, &format!("b{i}"), Some(&s2)).await;
        create_config(&client, &format!("c{i}"), None).await;
    }
    set_state(&emu, &on_s1[1], "ACTIVE").await;
    set_state(&emu, &on_s1[3], "ACTIVE").await;

    let by_stage: Vec<String> = client
        .list_ingest_configurations()
        .filter_by_stage_arn(&s1)
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("pages")
        .into_iter()
        .map(|s| s.arn().to_owned())
        .collect();
    assert_eq!(by_stage, on_s1);

    let active = client
        .list_ingest_configurations()
        .filter_by_state(IngestConfigurationState::Active)
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("pages");
    let active: Vec<&str> = active.iter().map(|s| s.arn()).collect();
    assert_eq!(active, vec![on_s1[1].as_str(), on_s1[3].as_str()]);

    let inactive = client
        .list_ingest_configurations()
        .filter_by_state(IngestConfigurationState::Inactive)
        .max_results(100)
        .send()
        .await
        .expect("page");
    assert_eq!(inactive.ingest_configurations().len(), 13);
    assert_eq!(inactive.next_token(), None);
}
