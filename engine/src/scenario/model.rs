//! The typed scenario: what [`super::parse`] returns once every value is known
//! to be in range. Field docs give each value's JSON key, default, range and
//! AWS source.

use crate::time::{SimDuration, SimTime};

/// A whole scenario (format `"shardscope/1"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// `title`: shown above the timeline. Default `""`.
    pub title: String,
    /// `description`: longer prose for presets and embeds. Default `""`.
    pub description: String,
    /// `seed`: fixes every random draw of the run. Default 1.
    pub seed: u64,
    /// `duration`: how long the run lasts (required, more than 0, at most
    /// [`super::limits::MAX_DURATION`]).
    pub duration: SimDuration,
    /// `stream`: the Kinesis data stream.
    pub stream: StreamConfig,
    /// `producers`: who writes to the stream. Default none.
    pub producers: Vec<Producer>,
    /// `consumers`: who reads from the stream. Default none.
    pub consumers: Vec<Consumer>,
    /// `timeline`: what happens and when, sorted by `at` (entries with the same
    /// `at` keep their order in the document).
    pub timeline: Vec<TimelineEntry>,
    /// `embed`: the compact player's knobs and height. Default none.
    pub embed: Option<super::Embed>,
    /// `challenge`: a workshop goal over the summary. Default none.
    pub challenge: Option<super::Challenge>,
}

/// The Kinesis data stream (`stream`), with CreateStream's names.
///
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// `StreamName`: 1–128 characters of `[a-zA-Z0-9_.-]`. Default `"stream"`.
    pub stream_name: String,
    /// `ShardCount`: the shards at the start, 1 to [`super::limits::MAX_SHARDS`].
    /// Required in PROVISIONED mode. In ON_DEMAND mode the default is 4: a new
    /// on-demand stream starts with 4 MB/s of write capacity, i.e. 4 shards
    /// (<https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>).
    pub shard_count: u32,
    /// `StreamModeDetails.StreamMode`. Default PROVISIONED (CreateStream's default).
    pub mode: StreamMode,
    /// `RetentionPeriodHours`: 24–8760, default 24.
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html>
    pub retention_hours: u32,
}

impl StreamConfig {
    /// The retention period as a duration.
    pub fn retention(&self) -> SimDuration {
        SimDuration::from_secs(u64::from(self.retention_hours) * 3_600)
    }
}

/// The capacity mode (`StreamModeDetails.StreamMode`).
///
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StreamMode {
    /// `"PROVISIONED"`: the scenario sets the shard count; resharding actions allowed.
    Provisioned,
    /// `"ON_DEMAND"`: Kinesis splits hot shards itself; resharding actions rejected.
    OnDemand,
}

impl StreamMode {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamMode::Provisioned => "PROVISIONED",
            StreamMode::OnDemand => "ON_DEMAND",
        }
    }
}

/// A producer (`producers[i]`): a steady source of records (playground concept).
#[derive(Clone, Debug, PartialEq)]
pub struct Producer {
    /// `name`: required, unique among producers, 1–64 characters.
    pub name: String,
    /// `records_per_second`: required, ≥ 0 (all producers together at most
    /// [`super::limits::MAX_TOTAL_RECORDS_PER_SECOND`]).
    pub records_per_second: f64,
    /// `record_bytes`: size of each record, data plus partition key, 1 to
    /// 1,048,576 (1 MiB, the default maximum record size). Default 1000.
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>
    pub record_bytes: u32,
    /// `partition_keys`: distinct keys `"k-0"` … `"k-{n-1}"`, used uniformly;
    /// 1 to [`super::limits::MAX_PARTITION_KEYS`], default 1000.
    pub partition_keys: u32,
    /// `hot_key_share`: the share of records (0–1) that go to the hot key
    /// `"k-0"`; the rest spread uniformly over all keys. Default 0.
    pub hot_key_share: f64,
    /// `retry_throttled`: throttled puts are retried with back-off (true) or
    /// dropped and counted (false). Default true.
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>
    pub retry_throttled: bool,
    /// `ExplicitHashKey`: a decimal string, 0 to 2^128−1, that replaces the MD5
    /// of the partition key and so pins every record of this producer to one
    /// shard. Default none.
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>
    pub explicit_hash_key: Option<u128>,
}

/// A consumer (`consumers[i]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Consumer {
    /// `name`: required, unique among consumers, 1–64 characters; keys the summary.
    pub name: String,
    /// `kind` and its settings.
    pub kind: ConsumerKind,
}

/// What a consumer is (`kind`).
#[derive(Clone, Debug, PartialEq)]
pub enum ConsumerKind {
    /// `"lambda"`: a Lambda function behind an event source mapping.
    Lambda(LambdaConsumer),
    /// `"firehose"`: an Amazon Data Firehose stream reading the stream.
    Firehose(super::firehose::FirehoseConsumer),
    /// `"flink"`: a Managed Service for Apache Flink application.
    Flink(super::flink::FlinkConsumer),
    /// `"glue"`: an AWS Glue streaming job.
    Glue(super::glue::GlueConsumer),
    /// `"kda_sql"`: a Kinesis Data Analytics for SQL application (retired).
    KdaSql(super::kda_sql::KdaSqlConsumer),
}

impl ConsumerKind {
    /// The `kind` string.
    pub fn as_str(&self) -> &'static str {
        match self {
            ConsumerKind::Lambda(_) => "lambda",
            ConsumerKind::Firehose(_) => "firehose",
            ConsumerKind::Flink(_) => "flink",
            ConsumerKind::Glue(_) => "glue",
            ConsumerKind::KdaSql(_) => "kda_sql",
        }
    }
}

/// A Lambda function reading the stream through an event source mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaConsumer {
    /// `EventSourceMapping` (required: it holds the required `StartingPosition`).
    pub esm: EventSourceMapping,
    /// `enhanced_fan_out`: read through a registered enhanced fan-out consumer
    /// (its own 2 MB/s per shard, pushed) instead of shared-throughput polling.
    /// Default false.
    /// <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>
    pub enhanced_fan_out: bool,
    /// `Function`: the function's own settings.
    pub function: FunctionConfig,
    /// `handler`: the playground's model of the function's code.
    pub handler: Handler,
}

/// `EventSourceMapping`, with CreateEventSourceMapping's names and ranges.
///
/// Source: <https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html>
/// and <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-parameters.html>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSourceMapping {
    /// `BatchSize`: 1–10,000, default 100.
    pub batch_size: u32,
    /// `MaximumBatchingWindowInSeconds`: 0–300, default 0.
    pub maximum_batching_window_in_seconds: u32,
    /// `ParallelizationFactor`: 1–10, default 1.
    pub parallelization_factor: u32,
    /// `StartingPosition` (required, as in AWS) with `StartingPositionTimestamp`.
    pub starting_position: StartingPosition,
    /// `MaximumRetryAttempts`: `None` is AWS's −1 (the default: retry until the
    /// record expires); otherwise 0–10,000.
    pub maximum_retry_attempts: Option<u32>,
    /// `MaximumRecordAgeInSeconds`: `None` is AWS's −1 (the default: no limit
    /// but the stream's retention); otherwise 60–604,800.
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingConfiguration.html>
    pub maximum_record_age_in_seconds: Option<u32>,
    /// `BisectBatchOnFunctionError`: default false.
    pub bisect_batch_on_function_error: bool,
    /// `FunctionResponseTypes`: `["ReportBatchItemFailures"]` (true) or `[]`
    /// (false, the default).
    /// <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>
    pub report_batch_item_failures: bool,
    /// `TumblingWindowInSeconds`: 0–900, 0 (the default) means no window.
    pub tumbling_window_in_seconds: u32,
    /// `DestinationConfig.OnFailure.Destination`. Default none.
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_OnFailure.html>
    pub on_failure: Option<OnFailureDestination>,
    /// `Enabled`: false pauses polling. Default true.
    pub enabled: bool,
}

impl EventSourceMapping {
    /// A mapping with every AWS default and the given starting position.
    pub fn with_defaults(starting_position: StartingPosition) -> EventSourceMapping {
        EventSourceMapping {
            batch_size: 100,
            maximum_batching_window_in_seconds: 0,
            parallelization_factor: 1,
            starting_position,
            maximum_retry_attempts: None,
            maximum_record_age_in_seconds: None,
            bisect_batch_on_function_error: false,
            report_batch_item_failures: false,
            tumbling_window_in_seconds: 0,
            on_failure: None,
            enabled: true,
        }
    }

    /// Applies the changes of a `set_mapping` entry.
    pub fn apply(&mut self, p: &MappingPatch) {
        if let Some(v) = p.batch_size {
            self.batch_size = v;
        }
        if let Some(v) = p.maximum_batching_window_in_seconds {
            self.maximum_batching_window_in_seconds = v;
        }
        if let Some(v) = p.parallelization_factor {
            self.parallelization_factor = v;
        }
        if let Some(v) = p.maximum_retry_attempts {
            self.maximum_retry_attempts = v;
        }
        if let Some(v) = p.maximum_record_age_in_seconds {
            self.maximum_record_age_in_seconds = v;
        }
        if let Some(v) = p.bisect_batch_on_function_error {
            self.bisect_batch_on_function_error = v;
        }
        if let Some(v) = p.report_batch_item_failures {
            self.report_batch_item_failures = v;
        }
        if let Some(v) = p.tumbling_window_in_seconds {
            self.tumbling_window_in_seconds = v;
        }
        if let Some(v) = &p.on_failure {
            self.on_failure = v.clone();
        }
        if let Some(v) = p.enabled {
            self.enabled = v;
        }
    }
}

/// Where a new mapping starts reading each shard.
///
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html>
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StartingPosition {
    /// `"TRIM_HORIZON"`: the oldest record still in the shard.
    TrimHorizon,
    /// `"LATEST"`: just after the newest record.
    Latest,
    /// `"AT_TIMESTAMP"` with `StartingPositionTimestamp`, a duration string
    /// read as an offset from the start of the run (`"20m"`): the first record
    /// written at or after that time (or the oldest, if that has expired).
    AtTimestamp(SimTime),
}

impl StartingPosition {
    /// The AWS spelling of the iterator type.
    pub fn as_str(self) -> &'static str {
        match self {
            StartingPosition::TrimHorizon => "TRIM_HORIZON",
            StartingPosition::Latest => "LATEST",
            StartingPosition::AtTimestamp(_) => "AT_TIMESTAMP",
        }
    }
}

/// An on-failure destination (`DestinationConfig.OnFailure.Destination`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnFailureDestination {
    /// The ARN as written.
    pub arn: String,
    /// What the ARN names.
    pub kind: DestinationKind,
}

/// The kind of on-failure destination. SQS and SNS receive metadata only
/// (shard, sequence range, batch size, condition); S3 also receives the records.
///
/// Source: <https://docs.aws.amazon.com/lambda/latest/api/API_OnFailure.html>,
/// <https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md>
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DestinationKind {
    /// `arn:aws:sqs:region:account:queue`
    Sqs,
    /// `arn:aws:sns:region:account:topic`
    Sns,
    /// `arn:aws:s3:::bucket`
    S3,
}

/// `Function`: the Lambda function's settings.
///
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionConfig {
    /// `Timeout` in seconds: 1–900, default 3 (Lambda's default). An invocation
    /// that runs longer fails as a function error.
    pub timeout_seconds: u32,
    /// `ReservedConcurrentExecutions`: `None` (JSON `null`, the default) shares
    /// the account's 1,000 concurrent executions; 0–1,000 reserves that many
    /// (0 throttles every invocation).
    pub reserved_concurrent_executions: Option<u32>,
    /// `MemorySize` in MB: 128–10,240, default 128 (Lambda's default). Only the
    /// cost estimate uses it (GB-seconds); the handler model sets the duration.
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html>
    pub memory_size_mb: u32,
}

impl Default for FunctionConfig {
    fn default() -> FunctionConfig {
        FunctionConfig {
            timeout_seconds: 3,
            reserved_concurrent_executions: None,
            memory_size_mb: 128,
        }
    }
}

/// `handler`: the playground's model of the function's code. An invocation of
/// `n` records takes `invoke_ms + per_record_ms × n` milliseconds and fails with
/// probability `error_rate` (drawn from the seeded RNG).
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// `invoke_ms`: fixed cost of an invocation, 0–900,000 ms. Default 20.
    pub invoke_ms: f64,
    /// `per_record_ms`: cost per record, 0–900,000 ms. Default 0.5.
    pub per_record_ms: f64,
    /// `error_rate`: probability that an invocation fails, 0–1. Default 0.
    pub error_rate: f64,
    /// `item_failures`: how the function answers when it has failed records
    /// and the mapping has `ReportBatchItemFailures`. Default `"report"`.
    pub item_failures: ItemFailures,
}

impl Default for Handler {
    fn default() -> Handler {
        Handler {
            invoke_ms: 20.0,
            per_record_ms: 0.5,
            error_rate: 0.0,
            item_failures: ItemFailures::Report,
        }
    }
}

/// `handler.item_failures`: the function's `batchItemFailures` response when
/// it has failed records (poison records) and the mapping has
/// `FunctionResponseTypes: ["ReportBatchItemFailures"]`.
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum ItemFailures {
    /// `"report"`: the response names the failed records (their sequence
    /// numbers): Lambda checkpoints at the lowest and retries from there.
    #[default]
    Report,
    /// `"malformed"`: the response names an empty `itemIdentifier`, which
    /// Lambda treats as a failure of the whole batch.
    Malformed,
}

impl ItemFailures {
    /// The scenario value.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemFailures::Report => "report",
            ItemFailures::Malformed => "malformed",
        }
    }
}

impl Handler {
    /// Applies the changes of a `deploy` entry.
    pub fn apply(&mut self, p: &HandlerPatch) {
        if let Some(v) = p.invoke_ms {
            self.invoke_ms = v;
        }
        if let Some(v) = p.per_record_ms {
            self.per_record_ms = v;
        }
        if let Some(v) = p.error_rate {
            self.error_rate = v;
        }
        if let Some(v) = p.item_failures {
            self.item_failures = v;
        }
    }
}

/// The handler fields a `deploy` changes (absent ones stay as they are).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HandlerPatch {
    /// New `invoke_ms`.
    pub invoke_ms: Option<f64>,
    /// New `per_record_ms`.
    pub per_record_ms: Option<f64>,
    /// New `error_rate`.
    pub error_rate: Option<f64>,
    /// New `item_failures`.
    pub item_failures: Option<ItemFailures>,
}

/// The mapping fields a `set_mapping` changes: those that
/// UpdateEventSourceMapping accepts for Kinesis (absent ones stay as they are).
///
/// Source: <https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html>
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct MappingPatch {
    /// New `BatchSize`.
    pub batch_size: Option<u32>,
    /// New `MaximumBatchingWindowInSeconds`.
    pub maximum_batching_window_in_seconds: Option<u32>,
    /// New `ParallelizationFactor`.
    pub parallelization_factor: Option<u32>,
    /// New `MaximumRetryAttempts` (`Some(None)` is −1).
    pub maximum_retry_attempts: Option<Option<u32>>,
    /// New `MaximumRecordAgeInSeconds` (`Some(None)` is −1).
    pub maximum_record_age_in_seconds: Option<Option<u32>>,
    /// New `BisectBatchOnFunctionError`.
    pub bisect_batch_on_function_error: Option<bool>,
    /// New `FunctionResponseTypes`.
    pub report_batch_item_failures: Option<bool>,
    /// New `TumblingWindowInSeconds`.
    pub tumbling_window_in_seconds: Option<u32>,
    /// New `DestinationConfig` (`Some(None)` removes the destination).
    pub on_failure: Option<Option<OnFailureDestination>>,
    /// New `Enabled`.
    pub enabled: Option<bool>,
}

impl MappingPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == MappingPatch::default()
    }
}

/// A shard named in a timeline action: the number in `"shardId-000000000007"`.
/// Whether that shard exists (and is open) at that time is checked by the
/// simulation, not the parser.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShardNumber(pub u64);

impl std::fmt::Display for ShardNumber {
    /// `shardId-` and 12 digits, as Kinesis names shards.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shardId-{:012}", self.0)
    }
}

/// One entry of `timeline`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    /// `at`: when, as an offset from the start (at most the run's `duration`).
    pub at: SimTime,
    /// `do` and its keys.
    pub action: Action,
}

/// What a timeline entry does (`do`).
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `"poison"`: write `count` records with `partition_key` that every
    /// consumer fails on.
    Poison {
        /// `partition_key`: 1–256 characters, default `"k-0"`.
        /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>
        partition_key: String,
        /// `count`: 1–1,000, default 1.
        count: u32,
    },
    /// `"set_rate"`: change a producer's `records_per_second`.
    SetRate {
        /// `producer`: the name of an existing producer.
        producer: String,
        /// `records_per_second`: ≥ 0.
        records_per_second: f64,
    },
    /// `"update_shard_count"`: UpdateShardCount with `UNIFORM_SCALING`
    /// (PROVISIONED mode only). Whether the 2×/½ rule and the 10-per-24-h quota
    /// hold is checked by the simulation.
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html>
    UpdateShardCount {
        /// `TargetShardCount`: 1 to [`super::limits::MAX_SHARDS`].
        target_shard_count: u32,
    },
    /// `"split_shard"`: SplitShard (PROVISIONED mode only).
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html>
    SplitShard {
        /// `ShardToSplit`.
        shard_to_split: ShardNumber,
        /// `NewStartingHashKey`: a decimal string; `None` (the playground's
        /// default; AWS requires it) splits the parent's range at its midpoint.
        new_starting_hash_key: Option<u128>,
    },
    /// `"merge_shards"`: MergeShards of two adjacent shards (PROVISIONED mode only).
    /// <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html>
    MergeShards {
        /// `ShardToMerge`.
        shard_to_merge: ShardNumber,
        /// `AdjacentShardToMerge`.
        adjacent_shard_to_merge: ShardNumber,
    },
    /// `"deploy"`: deploy new code for a consumer's function.
    Deploy {
        /// `consumer`: the name of an existing Lambda consumer.
        consumer: String,
        /// `handler`: the fields that change.
        handler: HandlerPatch,
    },
    /// `"set_mapping"`: UpdateEventSourceMapping.
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html>
    SetMapping {
        /// `consumer`: the name of an existing Lambda consumer.
        consumer: String,
        /// The mapping fields that change (at least one).
        changes: MappingPatch,
    },
    /// `"recreate_mapping"`: delete the mapping and create it again with a new
    /// starting position; its checkpoints start fresh. The other settings stay.
    RecreateMapping {
        /// `consumer`: the name of an existing Lambda consumer.
        consumer: String,
        /// `StartingPosition` and `StartingPositionTimestamp` (not after `at`).
        starting_position: StartingPosition,
    },
    /// `"destination_outage"`: a Firehose consumer's destination fails every
    /// request for `duration` (for S3 destinations: the bucket, error prefix
    /// included).
    DestinationOutage {
        /// `consumer`: the name of an existing Firehose consumer.
        consumer: String,
        /// `duration`: how long, more than 0.
        duration: SimDuration,
    },
    /// `"backup_outage"`: a Firehose consumer's S3 backup bucket fails every
    /// write for `duration`.
    BackupOutage {
        /// `consumer`: the name of an existing Firehose consumer.
        consumer: String,
        /// `duration`: how long, more than 0.
        duration: SimDuration,
    },
    /// A Managed Service for Apache Flink action (`fail`, `create_snapshot`,
    /// `stop_application`, `start_application`, `update_application`).
    Flink {
        /// `consumer`: the name of an existing Flink consumer.
        consumer: String,
        /// What to do.
        action: super::flink::FlinkAction,
    },
    /// An AWS Glue action (`stop_job`, `start_job`, `reset_checkpoint`).
    Glue {
        /// `consumer`: the name of an existing Glue consumer.
        consumer: String,
        /// What to do.
        action: super::glue::GlueAction,
    },
    /// A Kinesis Data Analytics for SQL action (`destination_outage` with `output`,
    /// `stop_application`, `start_application`).
    KdaSql {
        /// `consumer`: the name of an existing KDA SQL consumer.
        consumer: String,
        /// What to do.
        action: super::kda_sql::SqlAction,
    },
}

impl Action {
    /// The consumer an action is addressed to, if any.
    pub fn consumer(&self) -> Option<&str> {
        match self {
            Action::Deploy { consumer, .. }
            | Action::SetMapping { consumer, .. }
            | Action::RecreateMapping { consumer, .. }
            | Action::DestinationOutage { consumer, .. }
            | Action::BackupOutage { consumer, .. }
            | Action::Flink { consumer, .. }
            | Action::Glue { consumer, .. }
            | Action::KdaSql { consumer, .. } => Some(consumer),
            _ => None,
        }
    }

    /// The consumer kind an action needs, if it names a consumer.
    pub fn consumer_kind(&self) -> Option<&'static str> {
        match self {
            Action::KdaSql { .. } => Some("kda_sql"),
            _ => super::parse::action_consumer_kind(self.name()),
        }
    }

    /// The `do` string.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Poison { .. } => "poison",
            Action::SetRate { .. } => "set_rate",
            Action::UpdateShardCount { .. } => "update_shard_count",
            Action::SplitShard { .. } => "split_shard",
            Action::MergeShards { .. } => "merge_shards",
            Action::Deploy { .. } => "deploy",
            Action::SetMapping { .. } => "set_mapping",
            Action::RecreateMapping { .. } => "recreate_mapping",
            Action::DestinationOutage { .. } => "destination_outage",
            Action::BackupOutage { .. } => "backup_outage",
            Action::Flink { action, .. } => action.name(),
            Action::Glue { action, .. } => action.name(),
            Action::KdaSql { action, .. } => action.name(),
        }
    }
}
