//! The presets: scenario files in `www/presets/`, compiled into the app so that choosing one
//! makes no network request (the playground makes none after load). Tests load the same
//! files, so a preset that stops parsing fails the build's tests.

/// A preset: its file name (without `.json`) and its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub json: &'static str,
}

macro_rules! presets {
    ($($id:literal),* $(,)?) => {
        &[$(Preset { id: $id, json: include_str!(concat!("../www/presets/", $id, ".json")) }),*]
    };
}

/// Every preset, in the order the playground lists them.
pub const ALL: &[Preset] = presets![
    "poison-blocks-a-shard",
    "bounded-retries-on-failure",
    "bisect-isolates-the-bad-record",
    "partial-batch-response",
    "parallelization-and-hot-keys",
    "shared-throughput-vs-enhanced-fan-out",
    "resharding-children-wait",
    "buggy-deploy-and-replay",
    "write-throttling-hot-shard",
    "firehose-buffer-by-size-or-time",
    "firehose-opensearch-outage-to-backup",
    "firehose-s3-outage-outlives-retention",
    "firehose-transform-fails-records",
    "flink-poison-restart-loop",
    "flink-at-least-once-duplicates",
    "flink-autoscaling-downtime",
    "flink-reprocess-snapshot-vs-skip",
    "glue-micro-batches-fall-behind",
    "glue-poison-fails-the-run",
    "glue-scaling-stop-and-restart",
    "glue-reprocess-reset-checkpoint",
    "kda-sql-bad-row-to-error-stream",
    "kda-sql-destination-outage-stalls",
    "challenge-unblock-the-shard",
    "challenge-lose-only-the-poison",
    "challenge-keep-up",
    "tour/use-cases",
    "tour/error-handling",
    "tour/scaling",
    "tour/reprocessing",
];

/// The preset shown to a reader who arrives without a scenario in the URL.
pub const DEFAULT: &Preset = &ALL[0];

pub fn by_id(id: &str) -> Option<&'static Preset> {
    ALL.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_is_a_valid_scenario_with_a_title() {
        for p in super::ALL {
            let s = shardscope_engine::scenario::parse(p.json)
                .unwrap_or_else(|e| panic!("{}: {e}", p.id));
            assert!(!s.title.is_empty(), "{} has no title", p.id);
            assert!(!s.description.is_empty(), "{} has no description", p.id);
        }
    }

    #[test]
    fn every_file_in_www_presets_is_listed() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/www/presets");
        let mut on_disk: Vec<String> = Vec::new();
        for (sub, prefix) in [("", ""), ("/tour", "tour/")] {
            on_disk.extend(
                std::fs::read_dir(format!("{dir}{sub}"))
                    .unwrap()
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter_map(|n| n.strip_suffix(".json").map(|n| format!("{prefix}{n}"))),
            );
        }
        on_disk.sort();
        let mut listed: Vec<&str> = super::ALL.iter().map(|p| p.id).collect();
        listed.sort();
        assert_eq!(on_disk, listed);
    }
}
