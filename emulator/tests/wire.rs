//! The raw wire, below what the SDK shows: required members present, write-only ones absent, the error format, auth, routing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ACCOUNT, REGION, call, client, create_config, create_stage, raw, start};

fn assert_members(object: &Value, required: &[&str], absent: &[&str]) {
    for member in required {
        assert!(object.get(*member).is_some(), "missing {member}: {object}");
    }
    for member in absent {
        assert!(
            object.get(*member).is_none(),
            "unexpected {member}: {object}"
        );
    }
}

#[tokio::test]
async fn get_and_list_responses_carry_every_required_member() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let config = create_config(&client, "c", Some(&stage)).await;

    let got = call(
        &emu,
        "GetIngestConfiguration",
        REGION,
        json!({"arn": config}),
    )
    .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert!(
        got.header("x-amzn-requestid")
            .is_some_and(|v| !v.is_empty())
    );
    let full = &got.body["ingestConfiguration"];
    assert_members(
        full,
        &[
            "arn",
            "name",
            "ingestProtocol",
            "streamKey",
            "stageArn",
            "participantId",
            "state",
            "redundantIngest",
            "attributes",
            "tags",
        ],
        &["insecureIngest", "userId", "redundantIngestCredentials"],
    );
    assert_eq!(full["state"], "INACTIVE");
    assert_eq!(full["redundantIngest"], false);
    assert_eq!(full["stageArn"], json!(stage));

    let listed = call(&emu, "ListIngestConfigurations", REGION, json!({})).await;
    let summary = &listed.body["ingestConfigurations"][0];
    assert_members(
        summary,
        &[
            "arn",
            "name",
            "ingestProtocol",
            "stageArn",
            "participantId",
            "state",
            "redundantIngest",
        ],
        &["streamKey", "tags", "attributes", "insecureIngest"],
    );

    let got = call(&emu, "GetStage", REGION, json!({"arn": stage})).await;
    assert_members(
        &got.body["stage"],
        &["arn", "name", "tags", "endpoints"],
        &["activeSessionId"],
    );
    assert_members(
        &got.body["stage"]["endpoints"],
        &["events", "whip", "rtmp", "rtmps"],
        &[],
    );
    let listed = call(&emu, "ListStages", REGION, json!({})).await;
    assert_members(
        &listed.body["stages"][0],
        &["arn", "name", "tags"],
        &["endpoints"],
    );

    let encoded = stage.replace(':', "%3A").replace('/', "%2F");
    let tags = raw(
        &emu,
        Method::GET,
        &format!("/tags/{encoded}"),
        Some(REGION),
        None,
    )
    .await;
    assert_eq!(tags.status, 200);
    assert_eq!(tags.body, json!({"tags": {}}));
}

#[tokio::test]
async fn optional_members_are_omitted_when_never_given_and_write_only_ones_never_return() {
    let emu = start();
    let created = call(
        &emu,
        "CreateIngestConfiguration",
        REGION,
        json!({"ingestProtocol": "RTMP", "insecureIngest": true}),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let config = &created.body["ingestConfiguration"];
    assert_members(
        config,
        &["stageArn", "attributes", "tags"],
        &["name", "userId", "insecureIngest"],
    );
    assert_eq!(config["stageArn"], "");
    assert_eq!(config["attributes"], json!({}));
    assert_eq!(config["tags"], json!({}));

    let stage = call(&emu, "CreateStage", REGION, json!({})).await;
    assert_eq!(stage.status, 200);
    assert_members(&stage.body["stage"], &["arn", "tags"], &["name"]);
    assert_eq!(stage.body["participantTokens"], json!([]));

    let tokens = call(
        &emu,
        "CreateStage",
        REGION,
        json!({"participantTokenConfigurations": [{"duration": 5}]}),
    )
    .await;
    let expiration = tokens.body["participantTokens"][0]["expirationTime"]
        .as_str()
        .expect("an ISO 8601 string, as the model's timestampFormat says")
        .to_owned();
    assert!(
        expiration.ends_with('Z') && expiration.len() == 20,
        "{expiration}"
    );
}

#[tokio::test]
async fn delete_and_tag_operations_answer_an_empty_object() {
    let emu = start();
    let client = client(&emu, REGION).await;
    let stage = create_stage(&client, "s").await;
    let config = create_config(&client, "c", None).await;
    let encoded = percent_encode(&config);
    let tagged = raw(
        &emu,
        Method::POST,
        &format!("/tags/{encoded}"),
        Some(REGION),
        Some(r#"{"tags": {"a": "1", "b": "2"}}"#),
    )
    .await;
    assert_eq!((tagged.status, tagged.body), (200, json!({})));
    let untagged = raw(
        &emu,
        Method::DELETE,
        &format!("/tags/{encoded}?tagKeys=a&tagKeys=b"),
        Some(REGION),
        None,
    )
    .await;
    assert_eq!((untagged.status, untagged.body), (200, json!({})));
    let no_keys = raw(
        &emu,
        Method::DELETE,
        &format!("/tags/{encoded}"),
        Some(REGION),
        None,
    )
    .await;
    assert_eq!(no_keys.status, 400, "tagKeys is required");
    for (op, arn) in [
        ("DeleteIngestConfiguration", &config),
        ("DeleteStage", &stage),
    ] {
        let deleted = call(&emu, op, REGION, json!({"arn": arn})).await;
        assert_eq!((deleted.status, deleted.body), (200, json!({})));
    }
}

fn percent_encode(value: &str) -> String {
    value.replace(':', "%3A").replace('/', "%2F")
}

#[tokio::test]
async fn a_request_without_authorization_is_access_denied_in_the_error_format() {
    let emu = start();
    let answer = raw(&emu, Method::POST, "/ListStages", None, Some("{}")).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.header("x-amzn-errortype"),
        Some("AccessDeniedException")
    );
    assert!(
        answer
            .header("x-amzn-requestid")
            .is_some_and(|v| !v.is_empty())
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body["__type"], "AccessDeniedException");
    assert!(
        answer.body["exceptionMessage"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(answer.body["message"], answer.body["exceptionMessage"]);
}

#[tokio::test]
async fn a_credential_scoped_to_another_service_is_access_denied() {
    let emu = start();
    let answer = reqwest::Client::new()
        .post(format!("{}/ListStages", emu.url()))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ivsrealtime/aws4_request, SignedHeaders=host, Signature=00",
        )
        .body("{}")
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 403);
}

#[tokio::test]
async fn unknown_operations_get_a_clean_json_error() {
    let emu = start();
    for (method, path) in [
        (Method::POST, "/CreateChannel"),
        (Method::GET, "/GetStage"),
        (Method::POST, "/"),
        (
            Method::PUT,
            "/tags/arn%3Aaws%3Aivs%3Aus-east-1%3A1%3Astage%2Fx",
        ),
        (Method::POST, "/tags/"),
        (Method::POST, "/getstage"),
    ] {
        let answer = raw(&emu, method.clone(), path, Some(REGION), Some("{}")).await;
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(
            answer.header("x-amzn-errortype"),
            Some("UnknownOperationException")
        );
        assert!(answer.header("x-amzn-requestid").is_some());
        assert_eq!(answer.body["__type"], "UnknownOperationException");
        assert!(answer.body["message"].as_str().is_some());
    }
}

#[tokio::test]
async fn malformed_bodies_are_serialization_exceptions() {
    let emu = start();
    for body in [
        "{",
        "[1]",
        "\"x\"",
        r#"{"maxResults": "ten"}"#,
        r#"{"maxResults": 1.5}"#,
    ] {
        let answer = raw(&emu, Method::POST, "/ListStages", Some(REGION), Some(body)).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.body["__type"], "SerializationException", "{body}");
        assert_eq!(
            answer.header("x-amzn-errortype"),
            Some("SerializationException")
        );
    }
    let empty = raw(&emu, Method::POST, "/ListStages", Some(REGION), None).await;
    assert_eq!(empty.status, 200, "an empty body is an empty input");
    let unknown_member = call(
        &emu,
        "ListStages",
        REGION,
        json!({"future": 1, "maxResults": null}),
    )
    .await;
    assert_eq!(unknown_member.status, 200);
    let missing = call(&emu, "GetStage", REGION, json!({})).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["__type"], "ValidationException");
}

#[tokio::test]
async fn the_region_comes_from_the_signature_scope_and_names_the_arns() {
    let emu = start();
    let created = call(&emu, "CreateStage", "ap-northeast-2", json!({"name": "x"})).await;
    let arn = created.body["stage"]["arn"]
        .as_str()
        .expect("arn")
        .to_owned();
    assert!(arn.starts_with(&format!("arn:aws:ivs:ap-northeast-2:{ACCOUNT}:stage/")));
    let here = call(&emu, "GetStage", "ap-northeast-2", json!({"arn": arn})).await;
    assert_eq!(here.status, 200);
    let elsewhere = call(&emu, "GetStage", REGION, json!({"arn": arn})).await;
    assert_eq!(elsewhere.status, 404);
    assert_eq!(
        elsewhere.header("x-amzn-errortype"),
        Some("ResourceNotFoundException")
    );
}
