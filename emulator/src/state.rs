//! The emulated world: one independent region per SigV4 scope, its stages and ingest configurations, pagination cursors, and the state file.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

/// What the state file says it is, so an unrelated JSON file is refused rather than wiped.
const FILE_FORMAT: &str = "ivs-realtime-emulator/state/1";

/// Stages per region: the service's default quota (adjustable in AWS, fixed here).
pub(crate) const MAX_STAGES: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ConfigState {
    Active,
    Inactive,
}

impl ConfigState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ConfigState::Active => "ACTIVE",
            ConfigState::Inactive => "INACTIVE",
        }
    }

    pub(crate) fn parse(value: &str) -> Option<ConfigState> {
        match value {
            "ACTIVE" => Some(ConfigState::Active),
            "INACTIVE" => Some(ConfigState::Inactive),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Stage {
    /// Creation order within the region; lists walk it, so a cursor survives concurrent writes.
    pub(crate) seq: u64,
    pub(crate) arn: String,
    pub(crate) name: Option<String>,
    pub(crate) tags: BTreeMap<String, String>,
    /// The host label of the stage's WHIP/RTMP endpoints.
    pub(crate) endpoint_label: String,
    pub(crate) active_session_id: Option<String>,
    /// Stored as sent and echoed back: storage configurations are not emulated.
    pub(crate) auto_participant_recording_configuration: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RedundantCredential {
    pub(crate) participant_id: String,
    pub(crate) stream_key: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngestConfig {
    pub(crate) seq: u64,
    pub(crate) arn: String,
    pub(crate) name: Option<String>,
    pub(crate) ingest_protocol: String,
    pub(crate) stream_key: String,
    /// `""` when attached to no stage, as on the wire.
    pub(crate) stage_arn: String,
    pub(crate) participant_id: String,
    pub(crate) state: ConfigState,
    pub(crate) user_id: Option<String>,
    pub(crate) insecure_ingest: bool,
    pub(crate) redundant_ingest: bool,
    pub(crate) redundant_ingest_credentials: Vec<RedundantCredential>,
    pub(crate) attributes: BTreeMap<String, String>,
    pub(crate) tags: BTreeMap<String, String>,
}

/// One region of one account: everything the API can see through a client scoped to it.
#[derive(Debug, Default)]
pub(crate) struct Region {
    next_seq: u64,
    stages: BTreeMap<u64, Stage>,
    stage_seq: HashMap<String, u64>,
    configs: BTreeMap<u64, IngestConfig>,
    config_seq: HashMap<String, u64>,
}

impl Region {
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub(crate) fn stage_count(&self) -> usize {
        self.stages.len()
    }

    pub(crate) fn config_count(&self) -> usize {
        self.configs.len()
    }

    pub(crate) fn stage(&self, arn: &str) -> Option<&Stage> {
        self.stage_seq.get(arn).and_then(|s| self.stages.get(s))
    }

    pub(crate) fn stage_mut(&mut self, arn: &str) -> Option<&mut Stage> {
        let seq = *self.stage_seq.get(arn)?;
        self.stages.get_mut(&seq)
    }

    pub(crate) fn insert_stage(&mut self, stage: Stage) {
        self.stage_seq.insert(stage.arn.clone(), stage.seq);
        self.stages.insert(stage.seq, stage);
    }

    pub(crate) fn remove_stage(&mut self, arn: &str) -> Option<Stage> {
        let seq = self.stage_seq.remove(arn)?;
        self.stages.remove(&seq)
    }

    pub(crate) fn config(&self, arn: &str) -> Option<&IngestConfig> {
        self.config_seq.get(arn).and_then(|s| self.configs.get(s))
    }

    pub(crate) fn config_mut(&mut self, arn: &str) -> Option<&mut IngestConfig> {
        let seq = *self.config_seq.get(arn)?;
        self.configs.get_mut(&seq)
    }

    pub(crate) fn insert_config(&mut self, config: IngestConfig) {
        self.config_seq.insert(config.arn.clone(), config.seq);
        self.configs.insert(config.seq, config);
    }

    pub(crate) fn remove_config(&mut self, arn: &str) -> Option<IngestConfig> {
        let seq = self.config_seq.remove(arn)?;
        self.configs.remove(&seq)
    }

    pub(crate) fn page_stages(&self, after: u64, max: usize) -> Page<'_, Stage> {
        page(&self.stages, after, max, |_| true)
    }

    pub(crate) fn page_configs(
        &self,
        after: u64,
        max: usize,
        keep: impl Fn(&IngestConfig) -> bool,
    ) -> Page<'_, IngestConfig> {
        page(&self.configs, after, max, keep)
    }

    /// Keeps a stage's `activeSessionId` in step with its ingest configurations: a stage has a
    /// session while any configuration attached to it is ACTIVE (someone is publishing).
    pub(crate) fn refresh_session(&mut self, stage_arn: &str) {
        let live = self
            .configs
            .values()
            .any(|c| c.stage_arn == stage_arn && c.state == ConfigState::Active);
        if let Some(stage) = self.stage_mut(stage_arn) {
            match (live, stage.active_session_id.is_some()) {
                (true, false) => {
                    // The model's StageSessionId: `st-[a-zA-Z0-9]+`, exactly 16 characters.
                    stage.active_session_id = Some(format!("st-{}", random_alphanumeric(13)));
                }
                (false, true) => stage.active_session_id = None,
                _ => {}
            }
        }
    }

    fn rebuild_indexes(&mut self) {
        self.stage_seq = self
            .stages
            .values()
            .map(|s| (s.arn.clone(), s.seq))
            .collect();
        self.config_seq = self
            .configs
            .values()
            .map(|c| (c.arn.clone(), c.seq))
            .collect();
    }
}

/// One page of a list, and the cursor to resume after it if more items match.
pub(crate) struct Page<'a, T> {
    pub(crate) items: Vec<&'a T>,
    pub(crate) resume_after: Option<u64>,
}

/// Items strictly after `after` in creation order: an item present for the whole walk is seen
/// exactly once whatever is created or deleted meanwhile, and new items join at the end.
fn page<T>(
    items: &BTreeMap<u64, T>,
    after: u64,
    max: usize,
    keep: impl Fn(&T) -> bool,
) -> Page<'_, T> {
    let mut matching = items
        .range(after.saturating_add(1)..)
        .filter(|(_, item)| keep(item));
    let mut out = Vec::with_capacity(max.min(items.len()));
    let mut last = after;
    for (seq, item) in matching.by_ref().take(max) {
        out.push(item);
        last = *seq;
    }
    // Look one further so the last page carries no token at all.
    let more = matching.next().is_some();
    Page {
        items: out,
        resume_after: more.then_some(last),
    }
}

/// Which list a pagination token belongs to; a token from one list is refused by the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Stages,
    IngestConfigurations,
}

impl TokenKind {
    fn tag(self) -> u8 {
        match self {
            TokenKind::Stages => b'S',
            TokenKind::IngestConfigurations => b'I',
        }
    }
}

const TOKEN_PREFIX: &[u8; 3] = b"ie1";

/// An opaque cursor: version prefix, list kind, the last sequence returned, and a checksum, in
/// base64url (within the model's `[a-zA-Z0-9+/=_-]*`).
pub(crate) fn encode_token(kind: TokenKind, after: u64) -> String {
    let mut raw = Vec::with_capacity(20);
    raw.extend_from_slice(TOKEN_PREFIX);
    raw.push(kind.tag());
    raw.extend_from_slice(&after.to_be_bytes());
    let sum = fnv1a(&raw);
    raw.extend_from_slice(&sum.to_be_bytes());
    URL_SAFE_NO_PAD.encode(raw)
}

/// The cursor inside a token this emulator issued for `kind`, or `None` for anything else.
pub(crate) fn decode_token(kind: TokenKind, token: &str) -> Option<u64> {
    let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
    if raw.len() != 20 || &raw[..3] != TOKEN_PREFIX || raw[3] != kind.tag() {
        return None;
    }
    let (body, sum) = raw.split_at(12);
    let sum = u64::from_be_bytes(sum.try_into().ok()?);
    if fnv1a(body) != sum {
        return None;
    }
    Some(u64::from_be_bytes(body[4..12].try_into().ok()?))
}

/// Not security, just enough that a garbled or hand-made token is told apart from ours.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(crate) fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Every region the emulator has seen.
#[derive(Debug, Default)]
pub(crate) struct Store {
    regions: BTreeMap<String, Region>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StateFile {
    format: String,
    regions: BTreeMap<String, RegionFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionFile {
    next_seq: u64,
    stages: Vec<Stage>,
    ingest_configurations: Vec<IngestConfig>,
}

impl Store {
    pub(crate) fn region(&self, name: &str) -> Option<&Region> {
        self.regions.get(name)
    }

    pub(crate) fn region_mut(&mut self, name: &str) -> &mut Region {
        self.regions.entry(name.to_owned()).or_default()
    }

    /// Reads a state file; a missing file is an empty world, anything unreadable is an error
    /// (starting empty would overwrite the user's file on the first mutation).
    pub(crate) fn load(path: &Path) -> io::Result<Store> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Store::default()),
            Err(e) => return Err(e),
        };
        let invalid = |msg: String| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("state file {}: {msg}", path.display()),
            )
        };
        let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
        if file.format != FILE_FORMAT {
            return Err(invalid(format!(
                "unknown format {:?}, expected {FILE_FORMAT:?}",
                file.format
            )));
        }
        let mut store = Store::default();
        for (name, region_file) in file.regions {
            let mut region = Region {
                next_seq: region_file.next_seq,
                ..Region::default()
            };
            for stage in region_file.stages {
                region.next_seq = region.next_seq.max(stage.seq);
                region.stages.insert(stage.seq, stage);
            }
            for config in region_file.ingest_configurations {
                region.next_seq = region.next_seq.max(config.seq);
                region.configs.insert(config.seq, config);
            }
            region.rebuild_indexes();
            store.regions.insert(name, region);
        }
        Ok(store)
    }

    pub(crate) fn to_file_bytes(&self) -> Vec<u8> {
        let file = StateFile {
            format: FILE_FORMAT.to_owned(),
            regions: self
                .regions
                .iter()
                .map(|(name, region)| {
                    (
                        name.clone(),
                        RegionFile {
                            next_seq: region.next_seq,
                            stages: region.stages.values().cloned().collect(),
                            ingest_configurations: region.configs.values().cloned().collect(),
                        },
                    )
                })
                .collect(),
        };
        serde_json::to_vec_pretty(&file).unwrap_or_default()
    }

    /// Writes the state file so a reader never sees half of it: a sibling temporary, then rename.
    /// No fsync: the promise is atomicity against the emulator dying, not against power loss, and
    /// a sync per mutation would dominate benchmark timings.
    pub(crate) fn save(&self, path: &Path) -> io::Result<()> {
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".tmp.{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        std::fs::write(&tmp, self.to_file_bytes())?;
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_refuse_foreign_ones() {
        let token = encode_token(TokenKind::Stages, 42);
        assert_eq!(decode_token(TokenKind::Stages, &token), Some(42));
        assert_eq!(decode_token(TokenKind::IngestConfigurations, &token), None);
        assert_eq!(decode_token(TokenKind::Stages, "garbage"), None);
        assert_eq!(decode_token(TokenKind::Stages, ""), None);
        let mut flipped = token.into_bytes();
        flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap_or_default();
        assert_eq!(decode_token(TokenKind::Stages, &flipped), None);
    }

    #[test]
    fn pages_neither_skip_nor_repeat_and_omit_the_last_cursor() {
        let mut map = BTreeMap::new();
        for seq in 1..=5_u64 {
            map.insert(seq, seq);
        }
        let first = page(&map, 0, 2, |_| true);
        assert_eq!(first.items, vec![&1, &2]);
        assert_eq!(first.resume_after, Some(2));
        map.remove(&3);
        map.insert(6, 6);
        let second = page(&map, 2, 2, |_| true);
        assert_eq!(second.items, vec![&4, &5]);
        let third = page(&map, 5, 2, |_| true);
        assert_eq!(third.items, vec![&6]);
        assert_eq!(third.resume_after, None);
        let exact = page(&map, 0, 5, |_| true);
        assert_eq!(exact.resume_after, None);
    }
}
