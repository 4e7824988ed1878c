//! Pacing every call under the service's quotas: one token bucket per region and operation, for
//! reads and writes alike, handed out by the one [`Pacer`] a client owns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::token_bucket::TokenBucket;

/// Each list operation's quota per account and region; it cannot be raised.
pub(crate) const READ_TPS: f64 = 5.0;

/// The tag operations' quota per account and region.
pub(crate) const TAG_TPS: f64 = 10.0;

/// The buckets of one client, by region and operation.
#[derive(Default)]
pub struct Pacer {
    buckets: Mutex<HashMap<(String, &'static str), Arc<TokenBucket>>>,
}

impl Pacer {
    pub fn new() -> Pacer {
        Pacer::default()
    }

    /// The bucket of a read operation (by its API name) in a region, at its quota.
    pub(crate) fn reads(&self, region: &str, operation: &'static str) -> Arc<TokenBucket> {
        self.bucket(region, operation, READ_TPS)
    }

    /// The bucket of a tag operation (by its API name) in a region, at the tag quota.
    pub(crate) fn tags(&self, region: &str, operation: &'static str) -> Arc<TokenBucket> {
        self.bucket(region, operation, TAG_TPS)
    }

    /// The bucket of `UpdateIngestConfiguration` in a region, at `tps` (`--max-tps`). The rate
    /// is fixed by the first caller in a region.
    pub(crate) fn writes(&self, region: &str, tps: f64) -> Arc<TokenBucket> {
        self.bucket(region, "UpdateIngestConfiguration", tps)
    }

    fn bucket(&self, region: &str, operation: &'static str, tps: f64) -> Arc<TokenBucket> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            buckets
                .entry((region.to_owned(), operation))
                .or_insert_with(|| Arc::new(TokenBucket::new(tps))),
        )
    }
}
