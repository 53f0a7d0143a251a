//! The form tab: every setting of the stream, the producers and each Lambda mapping under
//! its AWS name, with its range, its default and a line on what it does (linking to the AWS
//! page), plus the timeline of incidents and actions. The JSON stays the one source of truth:
//! a field reads the canonical scenario (so AWS defaults show) and writes into the reader's
//! JSON at its path, so the form and the JSON tab never disagree.

use serde_json::{json, Value};
use yew::prelude::*;

use crate::knobs::{get, set};
use crate::state::Action;
use shardscope_engine::scenario::{ConsumerKind, FirehoseDestination, Scenario};

/// How a field is edited.
#[derive(Clone, Copy, PartialEq)]
pub enum Input {
    Number {
        min: f64,
        max: f64,
        step: f64,
    },
    Bool,
    Choice(&'static [&'static str]),
    Text,
    /// A parameter of the Firehose transform Lambda (`ProcessingConfiguration.Processors[0]
    /// .Parameters[]`, found by `ParameterName`), or `"Enabled"` for the transform itself.
    Processor(&'static str),
}

/// One setting: where it lives, how it reads, and why it matters.
#[derive(Clone, Copy, PartialEq)]
pub struct Field {
    /// The path below its section (`EventSourceMapping.BatchSize`).
    pub path: &'static str,
    pub input: Input,
    /// The default when the key is left out, as the docs say it.
    pub default: &'static str,
    pub help: &'static str,
    pub link: &'static str,
}

const LAMBDA_API: &str =
    "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
const LAMBDA_KINESIS: &str = "https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
const KDS_LIMITS: &str =
    "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html";

pub const STREAM: &[Field] = &[
    Field { path: "ShardCount", input: Input::Number { min: 1.0, max: 64.0, step: 1.0 }, default: "required (4 on demand)", help: "Shards at the start; each takes 1 MiB/s or 1,000 records/s of writes and serves 2 MiB/s of shared reads.", link: KDS_LIMITS },
    Field { path: "StreamModeDetails.StreamMode", input: Input::Choice(&["PROVISIONED", "ON_DEMAND"]), default: "PROVISIONED", help: "On demand, Kinesis splits a shard that stays above 500 KB/s; you cannot reshard it yourself.", link: "https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html" },
    Field { path: "RetentionPeriodHours", input: Input::Number { min: 24.0, max: 8760.0, step: 1.0 }, default: "24", help: "How long records stay readable; a blocked shard loses what ages past it.", link: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_IncreaseStreamRetentionPeriod.html" },
];

pub const PRODUCER: &[Field] = &[
    Field { path: "records_per_second", input: Input::Number { min: 0.0, max: 1_000_000.0, step: 1.0 }, default: "required", help: "Records offered per second, spread over the partition keys.", link: KDS_LIMITS },
    Field { path: "record_bytes", input: Input::Number { min: 1.0, max: 1_048_576.0, step: 1.0 }, default: "1000", help: "Size of each record, partition key included: counts against 1 MiB/s per shard.", link: KDS_LIMITS },
    Field { path: "partition_keys", input: Input::Number { min: 1.0, max: 1_000_000.0, step: 1.0 }, default: "1000", help: "Distinct keys; MD5 of the key picks the shard, and ParallelizationFactor lanes hold whole keys.", link: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html" },
    Field { path: "hot_key_share", input: Input::Number { min: 0.0, max: 1.0, step: 0.01 }, default: "0", help: "Share of records with one key (k-0): one key always lands on one shard.", link: "https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html" },
    Field { path: "retry_throttled", input: Input::Bool, default: "true", help: "Retry puts refused with WriteProvisionedThroughputExceeded (with back-off), or drop them.", link: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html" },
];

pub const LAMBDA: &[Field] = &[
    Field { path: "EventSourceMapping.BatchSize", input: Input::Number { min: 1.0, max: 10_000.0, step: 1.0 }, default: "100", help: "Most records per invocation (also cut at the 6 MB invoke payload).", link: LAMBDA_API },
    Field { path: "EventSourceMapping.MaximumBatchingWindowInSeconds", input: Input::Number { min: 0.0, max: 300.0, step: 1.0 }, default: "0", help: "Wait up to this long to fill a batch (full batch, window expiry or 6 MB, whichever first).", link: LAMBDA_API },
    Field { path: "EventSourceMapping.ParallelizationFactor", input: Input::Number { min: 1.0, max: 10.0, step: 1.0 }, default: "1", help: "Batches processed at once per shard, each lane holding whole partition keys so per-key order holds.", link: LAMBDA_API },
    Field { path: "EventSourceMapping.StartingPosition", input: Input::Choice(&["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"]), default: "required", help: "Where a new mapping starts reading; only recreating the mapping can rewind.", link: LAMBDA_API },
    Field { path: "EventSourceMapping.StartingPositionTimestamp", input: Input::Text, default: "with AT_TIMESTAMP", help: "For AT_TIMESTAMP: an offset from the start, such as \"20m\".", link: LAMBDA_API },
    Field { path: "EventSourceMapping.MaximumRetryAttempts", input: Input::Number { min: -1.0, max: 10_000.0, step: 1.0 }, default: "-1 (until the records expire)", help: "Retries of a failed batch before it is discarded; throttles never use them up.", link: LAMBDA_API },
    Field { path: "EventSourceMapping.MaximumRecordAgeInSeconds", input: Input::Number { min: -1.0, max: 604_800.0, step: 1.0 }, default: "-1 (retention applies)", help: "Discard a batch holding an older record: -1, or 60 to 604,800.", link: LAMBDA_API },
    Field { path: "EventSourceMapping.BisectBatchOnFunctionError", input: Input::Bool, default: "false", help: "Split a failed batch in two and retry each half, down to one record; halving uses no retries.", link: LAMBDA_KINESIS },
    Field { path: "EventSourceMapping.FunctionResponseTypes", input: Input::Choice(&["[]", "[\"ReportBatchItemFailures\"]"]), default: "[]", help: "ReportBatchItemFailures: checkpoint at the lowest failed record and retry from there.", link: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html" },
    Field { path: "EventSourceMapping.TumblingWindowInSeconds", input: Input::Number { min: 0.0, max: 900.0, step: 1.0 }, default: "0", help: "Aggregate by arrival-time windows with state carried between invocations (0: off).", link: "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html" },
    Field { path: "EventSourceMapping.DestinationConfig.OnFailure.Destination", input: Input::Text, default: "none", help: "SQS or SNS ARN (metadata only) or S3 bucket ARN (with the records) for discarded batches.", link: "https://docs.aws.amazon.com/lambda/latest/api/API_OnFailure.html" },
    Field { path: "enhanced_fan_out", input: Input::Bool, default: "false", help: "Read through a registered enhanced fan-out consumer: its own 2 MiB/s per shard, ~70 ms.", link: "https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html" },
    Field { path: "Function.Timeout", input: Input::Number { min: 1.0, max: 900.0, step: 1.0 }, default: "3", help: "Seconds an invocation may run; a timeout is a function error, retried like one.", link: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html" },
    Field { path: "Function.ReservedConcurrentExecutions", input: Input::Number { min: 0.0, max: 1000.0, step: 1.0 }, default: "none (the account's 1,000)", help: "Concurrency cap; invocations over it are throttled (retried, no retry used).", link: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html" },
    Field { path: "handler.invoke_ms", input: Input::Number { min: 0.0, max: 900_000.0, step: 1.0 }, default: "20", help: "Playground: fixed cost of each invocation, in ms.", link: "" },
    Field { path: "handler.per_record_ms", input: Input::Number { min: 0.0, max: 900_000.0, step: 0.1 }, default: "0.5", help: "Playground: cost per record, in ms.", link: "" },
    Field { path: "handler.error_rate", input: Input::Number { min: 0.0, max: 1.0, step: 0.01 }, default: "0", help: "Playground: share of invocations that throw (seeded); poison records always fail.", link: "" },
];

const FH_BUFFERING: &str = "https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html";
const FH_RETRY: &str = "https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
const FH_TRANSFORM: &str =
    "https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html";

/// A Firehose destination block's fields (paths below the block).
pub fn firehose_block(d: FirehoseDestination) -> Vec<Field> {
    let (lo, hi) = d.size_range();
    let redshift = d == FirehoseDestination::Redshift;
    let mut v = vec![
        Field {
            path: if redshift {
                "S3Configuration.BufferingHints.SizeInMBs"
            } else {
                "BufferingHints.SizeInMBs"
            },
            input: Input::Number {
                min: f64::from(lo),
                max: f64::from(hi),
                step: 1.0,
            },
            default: "5",
            help: "Deliver when the buffer holds this many MiB (before compression)…",
            link: FH_BUFFERING,
        },
        Field {
            path: if redshift {
                "S3Configuration.BufferingHints.IntervalInSeconds"
            } else {
                "BufferingHints.IntervalInSeconds"
            },
            input: Input::Number {
                min: 0.0,
                max: 900.0,
                step: 1.0,
            },
            default: if d == FirehoseDestination::HttpEndpoint {
                "300 (assumption: the API says 300, the buffering table 60)"
            } else {
                "300"
            },
            help: "…or this long after its first record, whichever comes first (0: no buffering).",
            link: FH_BUFFERING,
        },
    ];
    if d != FirehoseDestination::S3 {
        let default = match d {
            FirehoseDestination::Redshift => "3600",
            FirehoseDestination::OpenSearch => "300",
            _ => "300 (assumption: the API gives none)",
        };
        v.push(Field { path: "RetryOptions.DurationInSeconds", input: Input::Number { min: 0.0, max: 7_200.0, step: 1.0 }, default, help: "How long a failing delivery is retried before the batch goes to the S3 backup (0: no retry).", link: FH_RETRY });
    }
    let modes: &'static [&'static str] = match d {
        FirehoseDestination::S3 | FirehoseDestination::Redshift => &["Disabled", "Enabled"],
        FirehoseDestination::OpenSearch => &["FailedDocumentsOnly", "AllDocuments"],
        FirehoseDestination::HttpEndpoint => &["FailedDataOnly", "AllData"],
    };
    v.push(Field {
        path: "S3BackupMode",
        input: Input::Choice(modes),
        default: modes[0],
        help: "Back up failed data only, or every record, to S3.",
        link: FH_RETRY,
    });
    if d == FirehoseDestination::S3 {
        v.push(Field {
            path: "ErrorOutputPrefix",
            input: Input::Text,
            default: "processing-failed/",
            help: "Where records the transform failed are written in the bucket.",
            link: "https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html",
        });
    }
    v.extend([
        Field { path: "ProcessingConfiguration", input: Input::Processor("Enabled"), default: "off", help: "Run records through a transform Lambda first (Ok, Dropped or ProcessingFailed per record).", link: FH_TRANSFORM },
        Field { path: "ProcessingConfiguration", input: Input::Processor("BufferSizeInMBs"), default: "1", help: "The transform's own buffer: 0.2 to 3 MB…", link: FH_TRANSFORM },
        Field { path: "ProcessingConfiguration", input: Input::Processor("BufferIntervalInSeconds"), default: "60", help: "…or 0 to 900 s, whichever comes first.", link: FH_TRANSFORM },
        Field { path: "ProcessingConfiguration", input: Input::Processor("NumberOfRetries"), default: "3", help: "Retries of a failed invocation; then the whole batch is ProcessingFailed.", link: FH_TRANSFORM },
    ]);
    v
}

/// A Firehose consumer's playground models (paths below the consumer).
const FLINK_CHECKPOINTS: &str =
    "https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CheckpointConfiguration.html";
const FLINK_PARALLELISM: &str =
    "https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_ParallelismConfiguration.html";
const FLINK_SNAPSHOTS: &str =
    "https://docs.aws.amazon.com/managed-flink/latest/java/how-snapshots.html";

/// A Flink application's settings, below `consumers[i].`.
pub const FLINK: &[Field] = &[
    Field { path: "ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.Parallelism", input: Input::Number { min: 1.0, max: 256.0, step: 1.0 }, default: "1", help: "Subtasks per operator (sets ConfigurationType CUSTOM).", link: FLINK_PARALLELISM },
    Field { path: "ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.ParallelismPerKPU", input: Input::Number { min: 1.0, max: 8.0, step: 1.0 }, default: "1", help: "Slots per KPU; +1 KPU billed for orchestration.", link: FLINK_PARALLELISM },
    Field { path: "ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.AutoScalingEnabled", input: Input::Bool, default: "true", help: "CPU ≥ 75 % for 15 min doubles it, < 10 % for 6 h halves it.", link: FLINK_PARALLELISM },
    Field { path: "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration.CheckpointInterval", input: Input::Number { min: 1.0, max: 86_400_000.0, step: 1000.0 }, default: "60000", help: "ms between checkpoint starts: what a failure replays.", link: FLINK_CHECKPOINTS },
    Field { path: "ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration.MinPauseBetweenCheckpoints", input: Input::Number { min: 0.0, max: 86_400_000.0, step: 1000.0 }, default: "5000", help: "ms from a checkpoint's end to the next start.", link: FLINK_CHECKPOINTS },
    Field { path: "ApplicationConfiguration.ApplicationSnapshotConfiguration.SnapshotsEnabled", input: Input::Bool, default: "true (assumption: the console's default)", help: "Snapshot on stop, update, scaling; else state is lost.", link: FLINK_SNAPSHOTS },
    Field { path: "source.InitialPosition", input: Input::Choice(&["LATEST", "TRIM_HORIZON", "AT_TIMESTAMP"]), default: "LATEST", help: "Where the source starts without state.", link: "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/kinesis/" },
    Field { path: "source.enhanced_fan_out", input: Input::Bool, default: "false", help: "Reader type EFO: pushed on its own 2 MiB/s per shard.", link: "https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html" },
    Field { path: "job.per_record_us", input: Input::Number { min: 0.0, max: 1_000_000.0, step: 1.0 }, default: "50", help: "Playground: CPU µs per record per subtask.", link: "" },
    Field { path: "job.sink", input: Input::Choice(&["at_least_once", "exactly_once"]), default: "at_least_once", help: "Playground: replays reach an at-least-once sink again.", link: "https://nightlies.apache.org/flink/flink-docs-stable/docs/connectors/datastream/guarantees/" },
    Field { path: "job.on_poison", input: Input::Choice(&["fail", "side_output"]), default: "fail", help: "Playground: throw (restart loop) or side output.", link: "" },
];

const GLUE_JOB: &str = "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html";
const GLUE_SOURCE: &str =
    "https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html";
const GLUE_BATCH: &str = "https://docs.aws.amazon.com/glue/latest/dg/glue-streaming-concepts.html";

/// A Glue streaming job's settings, below `consumers[i].`.
pub const GLUE: &[Field] = &[
    Field { path: "Job.GlueVersion", input: Input::Choice(&["2.0", "3.0", "4.0", "5.0"]), default: "4.0 (assumption: 5.x streaming unverified)", help: "3.0+ for G.025X and auto scaling; 4.0+ for fan-out and timestamps.", link: GLUE_JOB },
    Field { path: "Job.WorkerType", input: Input::Choice(&["G.025X", "G.1X", "G.2X", "G.4X", "G.8X"]), default: "G.1X", help: "DPUs per worker: 0.25, 1, 2, 4, 8.", link: GLUE_JOB },
    Field { path: "Job.NumberOfWorkers", input: Input::Number { min: 2.0, max: 299.0, step: 1.0 }, default: "2", help: "One runs the driver, each other one an executor (assumption). The maximum with auto scaling.", link: GLUE_JOB },
    Field { path: "Job.MaxRetries", input: Input::Number { min: 0.0, max: 10.0, step: 1.0 }, default: "0", help: "New runs after a FAILED one; each re-runs the uncommitted batch.", link: GLUE_JOB },
    Field { path: "Job.DefaultArguments.--enable-auto-scaling", input: Input::Choice(&["false", "true"]), default: "false", help: "Executors follow batch time against windowSize, after each batch.", link: "https://docs.aws.amazon.com/glue/latest/dg/glue-streaming-auto-scaling.html" },
    Field { path: "KinesisStreamingSourceOptions.StartingPosition", input: Input::Choice(&["latest", "trim_horizon", "earliest"]), default: "latest", help: "Used only while the checkpoint location is empty.", link: GLUE_SOURCE },
    Field { path: "KinesisStreamingSourceOptions.MaxFetchRecordsPerShard", input: Input::Number { min: 1.0, max: 10_000_000.0, step: 1000.0 }, default: "100000", help: "Records per shard per micro-batch.", link: GLUE_SOURCE },
    Field { path: "KinesisStreamingSourceOptions.MaxFetchTimeInMs", input: Input::Number { min: 1.0, max: 3_600_000.0, step: 100.0 }, default: "1000", help: "GetRecords time per shard per batch: a busy shard falls behind.", link: GLUE_SOURCE },
    Field { path: "KinesisStreamingSourceOptions.EnableFanOut", input: Input::Bool, default: "false", help: "Enhanced fan-out (a FanoutConsumerARN): its own 2 MiB/s per shard.", link: "https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-efo.html" },
    Field { path: "forEachBatch.windowSize", input: Input::Text, default: "100s", help: "A micro-batch every windowSize, or at once after one that overran.", link: GLUE_BATCH },
    Field { path: "forEachBatch.batchMaxRetries", input: Input::Number { min: 0.0, max: 100.0, step: 1.0 }, default: "3", help: "Re-runs of a failed batch after 1 s, 2 s, 5 s; then the run FAILS.", link: "https://github.com/awslabs/aws-glue-libs/blob/main/awsglue/context.py" },
    Field { path: "batch.per_record_us", input: Input::Number { min: 0.0, max: 1_000_000.0, step: 1.0 }, default: "100", help: "Playground: µs per record on one executor.", link: "" },
    Field { path: "batch.error_rate", input: Input::Number { min: 0.0, max: 1.0, step: 0.01 }, default: "0", help: "Playground: share of batch attempts that raise.", link: "" },
];

const KDA_INPUT: &str =
    "https://docs.aws.amazon.com/kinesisanalytics/latest/dev/input-parallelism.html";

/// A KDA SQL application's settings, below `consumers[i].` (retired: shown for migration).
pub const KDA_SQL: &[Field] = &[
    Field { path: "Inputs[0].InputParallelism.Count", input: Input::Number { min: 1.0, max: 64.0, step: 1.0 }, default: "1", help: "In-application streams; raise it when MillisBehindLatest climbs.", link: KDA_INPUT },
    Field { path: "Inputs[0].InputStartingPositionConfiguration.InputStartingPosition", input: Input::Choice(&["NOW", "TRIM_HORIZON", "LAST_STOPPED_POINT"]), default: "NOW", help: "Where the first start reads from.", link: "https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_InputStartingPositionConfiguration.html" },
    Field { path: "query.window.type", input: Input::Choice(&["tumbling", "sliding", "stagger"]), default: "tumbling", help: "Playground: the query's window over ROWTIME.", link: "https://docs.aws.amazon.com/kinesisanalytics/latest/dev/windowed-sql.html" },
    Field { path: "query.window.size", input: Input::Text, default: "60s", help: "Playground: the window's size.", link: "" },
    Field { path: "query.per_record_us", input: Input::Number { min: 0.0, max: 1_000_000.0, step: 1.0 }, default: "20", help: "Playground: µs per row; one KPU per in-application stream.", link: "" },
];

/// An output's destination model, below `consumers[i].Outputs[j].`.
pub const KDA_OUTPUT: &[Field] = &[
    Field {
        path: "destination.latency_ms",
        input: Input::Number {
            min: 0.0,
            max: 600_000.0,
            step: 1.0,
        },
        default: "100",
        help: "Playground: time per delivery attempt.",
        link: "",
    },
    Field {
        path: "destination.error_rate",
        input: Input::Number {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        default: "0",
        help: "Playground: failed attempts are retried forever; reading stalls.",
        link: "https://docs.aws.amazon.com/kinesisanalytics/latest/dev/how-it-works-output.html",
    },
];

pub const FIREHOSE_MODEL: &[Field] = &[
    Field {
        path: "destination.latency_ms",
        input: Input::Number {
            min: 0.0,
            max: 600_000.0,
            step: 1.0,
        },
        default: "500",
        help: "Playground: how long one delivery request takes.",
        link: "",
    },
    Field {
        path: "destination.error_rate",
        input: Input::Number {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        default: "0",
        help: "Playground: share of delivery requests that fail (seeded); outages fail them all.",
        link: "",
    },
    Field {
        path: "transform.invoke_ms",
        input: Input::Number {
            min: 0.0,
            max: 900_000.0,
            step: 1.0,
        },
        default: "50",
        help: "Playground: fixed cost of a transform invocation (over 5 minutes: a timeout).",
        link: "",
    },
    Field {
        path: "transform.per_record_ms",
        input: Input::Number {
            min: 0.0,
            max: 900_000.0,
            step: 0.01,
        },
        default: "0.01",
        help: "Playground: transform cost per record.",
        link: "",
    },
    Field {
        path: "transform.dropped_share",
        input: Input::Number {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        default: "0",
        help: "Playground: share of records returned Dropped.",
        link: "",
    },
    Field {
        path: "transform.processing_failed_share",
        input: Input::Number {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        default: "0",
        help: "Playground: share returned ProcessingFailed (poison records always fail).",
        link: "",
    },
    Field {
        path: "transform.error_rate",
        input: Input::Number {
            min: 0.0,
            max: 1.0,
            step: 0.01,
        },
        default: "0",
        help:
            "Playground: share of invocations that fail as a whole (retried NumberOfRetries times).",
        link: "",
    },
];

/// The canonical transform parameters of a `ProcessingConfiguration`, as name → value.
fn processor_value(config: &Value, name: &str) -> Value {
    if name == "Enabled" {
        return Value::Bool(
            config
                .get("Enabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        );
    }
    config["Processors"][0]["Parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["ParameterName"] == name))
        .map(|p| p["ParameterValue"].clone())
        .unwrap_or(Value::Null)
}

/// The reader's `ProcessingConfiguration` (`source`, as written) with parameter `name` set
/// to `v`, or the transform turned on or off: only that key changes, so the reader's other
/// parameters (`RoleArn`…) stay, and turning the transform off and on again keeps them.
fn processor_with(source: &Value, name: &str, v: &Value) -> Value {
    let has_processor = source["Processors"][0].is_object();
    if name == "Enabled" {
        let on = v.as_bool() == Some(true);
        let mut c = if has_processor {
            source.clone()
        } else {
            json!({ "Processors": [ { "Type": "Lambda" } ] })
        };
        c["Enabled"] = Value::Bool(on);
        return c;
    }
    let mut c = if has_processor {
        source.clone()
    } else {
        json!({ "Enabled": true, "Processors": [ { "Type": "Lambda" } ] })
    };
    if !c["Processors"][0]["Parameters"].is_array() {
        c["Processors"][0]["Parameters"] = json!([]);
    }
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(ps) = c["Processors"][0]["Parameters"].as_array_mut() {
        match ps.iter_mut().find(|p| p["ParameterName"] == name) {
            Some(p) => p["ParameterValue"] = Value::String(text),
            None => ps.push(json!({ "ParameterName": name, "ParameterValue": text })),
        }
    }
    c
}

/// Ready-made timeline entries, one per action, placed at `at`. The keys after `at`, `do`
/// and `consumer` are JSON text: parsing it is smaller in the bundle than `json!`.
fn template(action: &str, at: &str, s: &Scenario) -> Value {
    let (kind, extra) = match action {
        "poison" => ("", r#"{"partition_key":"k-42"}"#.to_string()),
        "set_rate" => (
            "",
            format!(
                r#"{{"producer":{},"records_per_second":100}}"#,
                Value::from(s.producers.first().map_or("", |p| p.name.as_str()))
            ),
        ),
        "update_shard_count" => (
            "",
            format!(r#"{{"TargetShardCount":{}}}"#, s.stream.shard_count * 2),
        ),
        "split_shard" => ("", r#"{"ShardToSplit":"shardId-000000000000"}"#.to_string()),
        "merge_shards" => (
            "",
            r#"{"ShardToMerge":"shardId-000000000000","AdjacentShardToMerge":"shardId-000000000001"}"#.to_string(),
        ),
        "deploy" => ("lambda", r#"{"handler":{"error_rate":1.0}}"#.to_string()),
        "set_mapping" => ("lambda", r#"{"BatchSize":500}"#.to_string()),
        "destination_outage" | "backup_outage" => ("firehose", r#"{"duration":"10m"}"#.to_string()),
        "start_application" => (
            "flink",
            r#"{"RunConfiguration":{"ApplicationRestoreConfiguration":{"ApplicationRestoreType":"RESTORE_FROM_LATEST_SNAPSHOT"}}}"#.to_string(),
        ),
        "update_application" => ("flink", r#"{"ParallelismConfiguration":{"Parallelism":2}}"#.to_string()),
        "stop_job" | "reset_checkpoint" => ("glue", "{}".to_string()),
        "start_job" => ("glue", r#"{"NumberOfWorkers":4}"#.to_string()),
        "fail" | "create_snapshot" | "stop_application" => ("flink", "{}".to_string()),
        _ => (
            "lambda",
            r#"{"StartingPosition":"AT_TIMESTAMP","StartingPositionTimestamp":"0s"}"#.to_string(),
        ),
    };
    let action = if kind == "lambda" && !matches!(action, "deploy" | "set_mapping") {
        "recreate_mapping"
    } else {
        action
    };
    let mut v: Value = serde_json::from_str(&extra).unwrap_or_default();
    if let Some(m) = v.as_object_mut() {
        m.insert("at".into(), at.into());
        m.insert("do".into(), action.into());
        if !kind.is_empty() {
            // The first consumer of the action's kind, else a KDA SQL application for the
            // actions it shares by name.
            let consumer = s
                .consumers
                .iter()
                .find(|c| c.kind.as_str() == kind)
                .or_else(|| s.consumers.iter().find(|c| c.kind.as_str() == "kda_sql"))
                .or(s.consumers.first());
            if let Some(ConsumerKind::KdaSql(k)) = consumer.map(|c| &c.kind) {
                m.remove("RunConfiguration");
                if action == "destination_outage" {
                    let output = k.outputs.first().map_or("", |o| o.name.as_str());
                    m.insert("output".into(), output.into());
                }
            }
            let name = consumer.map_or("", |c| c.name.as_str());
            m.insert("consumer".into(), name.into());
        }
    }
    v
}

/// The actions the "Add" menu offers: those of the kernel, and those of the kinds of
/// consumer the scenario has.
fn offered_actions(s: &Scenario) -> Vec<&'static str> {
    use shardscope_engine::scenario::{action_consumer_kinds, ACTIONS};
    ACTIONS
        .iter()
        .copied()
        .filter(|a| {
            let kinds = action_consumer_kinds(a);
            kinds.is_empty() || s.consumers.iter().any(|c| kinds.contains(&c.kind.as_str()))
        })
        .collect()
}

/// `json` with `f` applied to its `timeline` array (created if missing), pretty printed.
pub fn edit_timeline(json: &str, f: impl FnOnce(&mut Vec<Value>)) -> Option<String> {
    let mut root: Value = serde_json::from_str(json).ok()?;
    let obj = root.as_object_mut()?;
    let tl = obj.entry("timeline").or_insert_with(|| json!([]));
    f(tl.as_array_mut()?);
    serde_json::to_string_pretty(&root).ok()
}

#[derive(Properties)]
pub struct FormProps {
    pub scenario: std::rc::Rc<Scenario>,
    pub source: std::rc::Rc<str>,
    pub dispatch: Callback<Action>,
}

/// The scenario by identity (see [`crate::state::same_scenario`]).
impl PartialEq for FormProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.scenario, &other.scenario)
            && self.source == other.source
            && self.dispatch == other.dispatch
    }
}

#[function_component(Form)]
pub fn form(props: &FormProps) -> Html {
    let canonical = props.scenario.to_json();
    let section = |title: String, prefix: String, fields: &[Field]| {
        html! {
            <fieldset class="form-section">
                <legend>{ title }</legend>
                { for fields.iter().map(|f| field(f, &prefix, &canonical, &props.source, &props.dispatch)) }
            </fieldset>
        }
    };
    let timeline = timeline_editor(&props.scenario, &props.source, &props.dispatch);
    html! {
        <div class="form">
            { section("Stream".into(), "stream.".into(), STREAM) }
            { for props.scenario.producers.iter().enumerate().map(|(i, p)| {
                section(format!("Producer {}", p.name), format!("producers[{i}]."), PRODUCER)
            }) }
            { for props.scenario.consumers.iter().enumerate().map(|(i, c)| match &c.kind {
                ConsumerKind::Lambda(_) => {
                    section(format!("Lambda mapping {}", c.name), format!("consumers[{i}]."), LAMBDA)
                }
                ConsumerKind::Firehose(f) => html! {
                    <>
                    { section(
                        format!("Firehose stream {} → {}", c.name, f.destination.block()),
                        format!("consumers[{i}].{}.", f.destination.block()),
                        &firehose_block(f.destination)) }
                    { section(format!("Firehose {}: playground models", c.name), format!("consumers[{i}]."), FIREHOSE_MODEL) }
                    </>
                },
                ConsumerKind::Flink(_) => {
                    section(format!("Flink application {}", c.name), format!("consumers[{i}]."), FLINK)
                }
                ConsumerKind::Glue(_) => {
                    section(format!("Glue streaming job {}", c.name), format!("consumers[{i}]."), GLUE)
                }
                ConsumerKind::KdaSql(k) => html! {
                    <>
                    { section(format!("KDA SQL application {} (retired: shown for migration)", c.name), format!("consumers[{i}]."), KDA_SQL) }
                    { for k.outputs.iter().enumerate().map(|(j, o)| {
                        section(format!("Output {} of {}", o.name, c.name), format!("consumers[{i}].Outputs[{j}]."), KDA_OUTPUT)
                    }) }
                    </>
                },
            }) }
            { timeline }
        </div>
    }
}

fn field(
    f: &Field,
    prefix: &str,
    canonical: &Value,
    source: &std::rc::Rc<str>,
    dispatch: &Callback<Action>,
) -> Html {
    let path = format!("{prefix}{}", f.path);
    let processor = match f.input {
        Input::Processor(name) => Some(name),
        _ => None,
    };
    let id = format!(
        "f-{}{}",
        path.replace(['.', '[', ']'], "-"),
        processor.map_or(String::new(), |n| format!("-{n}"))
    );
    let config = get(canonical, &path).cloned().unwrap_or(Value::Null);
    let current = match processor {
        Some(name) => processor_value(&config, name),
        None => config.clone(),
    };
    let label = processor.unwrap_or_else(|| f.path.rsplit('.').next().unwrap_or(f.path));
    let write = {
        let source = source.clone();
        let dispatch = dispatch.clone();
        let path = path.clone();
        let canonical = canonical.clone();
        move |v: Value| {
            let written = match processor {
                Some(name) => {
                    let mine = serde_json::from_str::<Value>(&source)
                        .ok()
                        .and_then(|s| get(&s, &path).cloned())
                        .unwrap_or(Value::Null);
                    set(&source, &path, processor_with(&mine, name, &v))
                }
                None => crate::knobs::set_setting(&source, &canonical, &path, v),
            };
            if let Ok(json) = written {
                dispatch.emit(Action::Edit(json));
            }
        }
    };
    let input = match f.input {
        Input::Processor("Enabled") => {
            let on = current.as_bool().unwrap_or(false);
            let onchange = Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    write(Value::Bool(i.checked()));
                }
            });
            html! { <input type="checkbox" id={id.clone()} checked={on} {onchange} /> }
        }
        Input::Processor(_) => {
            let shown = current.as_str().unwrap_or("").to_string();
            // Its parameters mean nothing while the transform is off.
            let off = processor_value(&config, "Enabled") != Value::Bool(true);
            let onchange = Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    write(Value::String(i.value()));
                }
            });
            html! { <input type="number" id={id.clone()} step="any" value={shown} disabled={off} {onchange} /> }
        }
        Input::Number { min, max, step } => {
            let onchange = Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    let t = i.value();
                    if t.is_empty() {
                        return write(Value::Null);
                    }
                    if let Ok(n) = t.parse::<i64>() {
                        write(Value::from(n));
                    } else if let Some(x) = crate::knobs::browser_number(&i) {
                        write(Value::from(x));
                    }
                }
            });
            let shown = match &current {
                Value::Null => String::new(),
                v => v.to_string(),
            };
            html! { <input type="number" id={id.clone()} min={number(min)} max={number(max)} step={number(step)} value={shown} {onchange} /> }
        }
        Input::Bool => {
            let on = current.as_bool().unwrap_or(false);
            let onchange = Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    write(Value::Bool(i.checked()));
                }
            });
            html! { <input type="checkbox" id={id.clone()} checked={on} {onchange} /> }
        }
        Input::Choice(options) => {
            let shown = match &current {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                v => v.to_string(),
            };
            let onchange = Callback::from(move |e: Event| {
                if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                    let v = sel.value();
                    write(serde_json::from_str(&v).unwrap_or(Value::String(v)));
                }
            });
            html! {
                <select id={id.clone()} {onchange}>
                    { for options.iter().map(|o| html! { <option value={*o} selected={shown == *o}>{ *o }</option> }) }
                </select>
            }
        }
        Input::Text => {
            let shown = current.as_str().unwrap_or("").to_string();
            let onchange = Callback::from(move |e: Event| {
                if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                    let t = i.value();
                    write(if t.is_empty() {
                        Value::Null
                    } else {
                        Value::String(t)
                    });
                }
            });
            html! { <input type="text" id={id.clone()} value={shown} {onchange} /> }
        }
    };
    html! {
        <div class="form-field">
            <label for={id}>{ label }</label>
            { input }
            <p class="hint">
                { f.help }{ " Default: " }{ f.default }{ "." }
                if !f.link.is_empty() {
                    { " " }<a href={f.link} target="_blank" rel="noopener noreferrer">{ "AWS" }</a>
                }
            </p>
        </div>
    }
}

fn timeline_editor(s: &Scenario, source: &std::rc::Rc<str>, dispatch: &Callback<Action>) -> Html {
    let canonical = s.to_json();
    let entries = canonical["timeline"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let add = {
        let source = source.clone();
        let dispatch = dispatch.clone();
        let s = s.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let action = sel.value();
                sel.set_value("");
                if action.is_empty() {
                    return;
                }
                let at = shardscope_engine::scenario::format_duration(
                    shardscope_engine::time::SimDuration(s.duration.0 / 2),
                );
                let entry = template(&action, &at, &s);
                if let Some(json) = edit_timeline(&source, |tl| tl.push(entry)) {
                    dispatch.emit(Action::Edit(json));
                }
            }
        })
    };
    html! {
        <fieldset class="form-section">
            <legend>{ "Timeline" }</legend>
            <ol class="timeline-entries">
                { for entries.iter().enumerate().map(|(i, e)| {
                    let what = e["do"].as_str().unwrap_or("").to_string();
                    let at = e["at"].as_str().unwrap_or("").to_string();
                    let remove = {
                        let source = source.clone();
                        let dispatch = dispatch.clone();
                        let at = at.clone();
                        let what = what.clone();
                        Callback::from(move |_: MouseEvent| {
                            // The reader's JSON may order entries differently: remove the
                            // first one with the same action at the same time.
                            let json = edit_timeline(&source, |tl| {
                                if let Some(k) = tl.iter().position(|x| {
                                    x["do"].as_str() == Some(what.as_str())
                                        && x["at"].as_str().and_then(|t| shardscope_engine::scenario::parse_duration(t).ok())
                                            == shardscope_engine::scenario::parse_duration(&at).ok()
                                }) {
                                    tl.remove(k);
                                }
                            });
                            if let Some(json) = json {
                                dispatch.emit(Action::Edit(json));
                            }
                        })
                    };
                    let detail = {
                        let mut m = e.as_object().cloned().unwrap_or_default();
                        m.remove("at");
                        m.remove("do");
                        Value::Object(m).to_string()
                    };
                    html! {
                        <li>
                            <span class="entry-at">{ at }</span>{ " " }<strong>{ what.clone() }</strong>
                            { " " }<code class="entry-detail">{ detail }</code>
                            <button type="button" class="link" onclick={remove} aria-label={format!("Remove entry {}", i + 1)}>{ "remove" }</button>
                        </li>
                    }
                }) }
            </ol>
            <label class="field">
                <span>{ "Add at mid-run (edit its time and values in the JSON tab)" }</span>
                <select onchange={add} aria-label="Add a timeline entry">
                    <option value="" selected=true>{ "Add an incident or action…" }</option>
                    { for offered_actions(s).into_iter().map(|a| html! { <option value={a}>{ a }</option> }) }
                </select>
            </label>
        </fieldset>
    }
}

/// A number as JSON writes it (no `f64` formatting of the standard library: its code is
/// large in the bundle, and serde_json's is already there).
fn number(x: f64) -> String {
    Value::from(x).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_path_exists_in_a_canonical_scenario() {
        let s = shardscope_engine::scenario::parse(
            crate::presets::by_id("buggy-deploy-and-replay")
                .unwrap()
                .json,
        )
        .unwrap();
        let c = s.to_json();
        for f in STREAM {
            assert!(
                get(&c, &format!("stream.{}", f.path)).is_some(),
                "{}",
                f.path
            );
        }
        for f in PRODUCER {
            assert!(
                get(&c, &format!("producers[0].{}", f.path)).is_some(),
                "{}",
                f.path
            );
        }
        for f in LAMBDA {
            assert!(
                get(&c, &format!("consumers[0].{}", f.path)).is_some()
                    || f.path.contains("Timestamp")
                    || f.path.contains("Reserved"),
                "{}",
                f.path
            );
        }
    }

    #[test]
    fn every_action_template_is_valid_in_a_scenario() {
        let json = crate::presets::by_id("bounded-retries-on-failure")
            .unwrap()
            .json;
        // With a Firehose stream, a Flink application and a Glue job beside the Lambda
        // mapping, every action is offered, each addressed to a consumer of its kind.
        let mut v: Value = serde_json::from_str(json).unwrap();
        v["consumers"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "kind": "firehose", "name": "fh",
            "ExtendedS3DestinationConfiguration": {} }));
        v["consumers"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "kind": "flink", "name": "app" }));
        v["consumers"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "kind": "glue", "name": "etl" }));
        let json = &v.to_string();
        let s = shardscope_engine::scenario::parse(json).unwrap();
        assert_eq!(offered_actions(&s), shardscope_engine::scenario::ACTIONS);
        for a in shardscope_engine::scenario::ACTIONS {
            let entry = template(a, "7m", &s);
            assert_eq!(entry["do"], *a);
            let out = edit_timeline(json, |tl| tl.push(entry)).unwrap();
            shardscope_engine::scenario::parse(&out).unwrap_or_else(|e| panic!("{a}: {e}"));
        }
    }

    #[test]
    fn a_kda_sql_application_is_offered_its_actions() {
        let json = json!({ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
            "consumers": [ { "kind": "kda_sql", "name": "app", "Outputs": [ { "Name": "D",
                "LambdaOutput": { "ResourceARN": "arn:aws:lambda:us-east-1:1:function:f" } } ] } ] })
        .to_string();
        let s = shardscope_engine::scenario::parse(&json).unwrap();
        let offered = offered_actions(&s);
        for a in [
            "destination_outage",
            "stop_application",
            "start_application",
            "poison",
        ] {
            assert!(offered.contains(&a), "{a}");
            let out = edit_timeline(&json, |tl| tl.push(template(a, "7m", &s))).unwrap();
            shardscope_engine::scenario::parse(&out).unwrap_or_else(|e| panic!("{a}: {e}"));
        }
        assert!(!offered.contains(&"fail") && !offered.contains(&"backup_outage"));
        let c = s.to_json();
        for f in KDA_SQL {
            let path = format!("consumers[0].{}", f.path);
            assert!(get(&c, &path).is_some(), "{path}");
        }
    }

    #[test]
    fn every_glue_field_path_is_in_the_canonical_json() {
        let json = json!({ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
            "consumers": [ { "kind": "glue", "name": "etl" } ] });
        let c = shardscope_engine::scenario::from_value(&json)
            .unwrap()
            .to_json();
        for f in GLUE {
            let path = format!("consumers[0].{}", f.path);
            assert!(get(&c, &path).is_some(), "{path}");
        }
    }

    #[test]
    fn every_firehose_field_path_exists_and_processor_fields_round_trip() {
        for d in shardscope_engine::scenario::FIREHOSE_DESTINATIONS {
            let json = json!({ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
                "consumers": [ { "kind": "firehose", "name": "fh", d.block():
                    { "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda" } ] } } } ] });
            let s = shardscope_engine::scenario::from_value(&json).unwrap();
            let c = s.to_json();
            for f in firehose_block(d) {
                let path = format!("consumers[0].{}.{}", d.block(), f.path);
                let found = get(&c, &path).is_some() || (f.path == "ErrorOutputPrefix");
                assert!(found, "{path}");
            }
            for f in FIREHOSE_MODEL {
                assert!(
                    get(&c, &format!("consumers[0].{}", f.path)).is_some(),
                    "{}",
                    f.path
                );
            }
            let config = get(
                &c,
                &format!("consumers[0].{}.ProcessingConfiguration", d.block()),
            )
            .unwrap();
            assert_eq!(
                processor_value(config, "BufferIntervalInSeconds"),
                json!("60")
            );
            assert_eq!(processor_value(config, "Enabled"), json!(true));
            // Off and on again keeps the reader's parameters; an edit changes only its own.
            let off = processor_with(config, "Enabled", &json!(false));
            assert_eq!(off["Enabled"], json!(false));
            assert_eq!(
                processor_value(
                    &processor_with(&off, "Enabled", &json!(true)),
                    "BufferIntervalInSeconds"
                ),
                json!("60")
            );
            let changed = processor_with(config, "NumberOfRetries", &json!("5"));
            assert_eq!(
                processor_value(&changed, "BufferIntervalInSeconds"),
                json!("60")
            );
            let text = set(
                &json.to_string(),
                &format!("consumers[0].{}.ProcessingConfiguration", d.block()),
                changed,
            )
            .unwrap();
            let again = shardscope_engine::scenario::parse(&text).unwrap();
            match &again.consumers[0].kind {
                ConsumerKind::Firehose(f) => {
                    assert_eq!(f.processing.as_ref().unwrap().number_of_retries, 5)
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
