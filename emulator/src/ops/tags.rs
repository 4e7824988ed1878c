//! The tag operations on either resource: TagResource, UntagResource, ListTagsForResource.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Ctx;
use crate::error::ApiError;
use crate::state::Region;
use crate::validate::{self, ArnKind};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(super) struct TagInput {
    tags: Option<BTreeMap<String, String>>,
}

impl Ctx<'_> {
    pub(super) fn tag_resource(
        &self,
        resource_arn: Option<&str>,
        input: TagInput,
    ) -> Result<Value, ApiError> {
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
    pub(super) fn untag_resource(
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

    pub(super) fn list_tags(&self, resource_arn: Option<&str>) -> Result<Value, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_decode_and_keep_plus() {
        let values = query_values("tagKeys=a%20b&x=1&tagKeys=c+d&tagKeys", "tagKeys");
        assert_eq!(
            values.ok(),
            Some(vec!["a b".to_owned(), "c+d".to_owned(), String::new()])
        );
    }
}
