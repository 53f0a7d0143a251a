//! The scenario format of `"kind": "kda_sql"`: AWS's defaults and ranges, the
//! playground's models, the actions it shares by name with Flink and Firehose, and
//! the canonical form. Every message asserted here is part of what a reader sees.

use serde_json::{json, Value};
use shardscope_engine::scenario::kda_sql::{KdaSqlConsumer, SqlAction, SqlStart, SqlWindowKind};
use shardscope_engine::scenario::{self, Action, ConsumerKind, FlinkAction, Scenario};
use shardscope_engine::time::SimDuration;

const ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/out";

fn with_app(app: Value, timeline: Value) -> Value {
    let mut consumer = json!({ "kind": "kda_sql", "name": "app" });
    if let (Some(c), Some(extra)) = (consumer.as_object_mut(), app.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({
        "format": "shardscope/1", "duration": "1h", "stream": { "ShardCount": 2 },
        "producers": [ { "name": "web", "records_per_second": 10 } ],
        "consumers": [ consumer, { "kind": "flink", "name": "fl" } ],
        "timeline": timeline
    })
}

fn ok(v: &Value) -> Scenario {
    scenario::from_value(v).unwrap_or_else(|e| panic!("expected a valid scenario, got {e}"))
}

fn app(s: &Scenario) -> &KdaSqlConsumer {
    match &s.consumers[0].kind {
        ConsumerKind::KdaSql(k) => k,
        other => panic!("not a KDA SQL consumer: {other:?}"),
    }
}

#[track_caller]
fn assert_error(v: Value, path: &str, message: &str) {
    match scenario::from_value(&v) {
        Ok(_) => panic!("expected an error at {path}"),
        Err(e) => assert_eq!((e.path.as_str(), e.message.as_str()), (path, message)),
    }
}

#[test]
fn defaults() {
    let s = ok(&with_app(json!({}), json!([])));
    let k = app(&s);
    assert_eq!(k.input.name_prefix, "SOURCE_SQL_STREAM");
    assert_eq!(k.input.parallelism, 1);
    assert_eq!(k.input.starting_position, SqlStart::Now);
    assert!(k.input.preprocessor.is_none());
    assert_eq!(k.query.window.kind, SqlWindowKind::Tumbling);
    assert_eq!(k.query.window.size, SimDuration::from_secs(60));
    assert_eq!(k.query.per_record_us, 20.0);
    assert!(k.outputs.is_empty());
}

#[test]
fn bad_values_name_their_path() {
    let c = "consumers[0]";
    assert_error(
        with_app(json!({ "Inputs": [] }), json!([])),
        &format!("{c}.Inputs"),
        "an application has exactly one streaming source",
    );
    assert_error(
        with_app(
            json!({ "Inputs": [ { "InputParallelism": { "Count": 65 } } ] }),
            json!([]),
        ),
        &format!("{c}.Inputs[0].InputParallelism.Count"),
        "65 is above the maximum 64",
    );
    assert_error(
        with_app(
            json!({ "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "LATEST" } } ] }),
            json!([]),
        ),
        &format!("{c}.Inputs[0].InputStartingPositionConfiguration.InputStartingPosition"),
        "\"LATEST\" is not an InputStartingPosition; allowed: NOW, TRIM_HORIZON, LAST_STOPPED_POINT",
    );
    let out = json!({ "Name": "D", "KinesisStreamsOutput": { "ResourceARN": ARN } });
    assert_error(
        with_app(
            json!({ "Outputs": [ out.clone(), out.clone() ] }),
            json!([]),
        ),
        &format!("{c}.Outputs[1].Name"),
        "\"D\" is given twice",
    );
    assert_error(
        with_app(json!({ "Outputs": [ { "Name": "D" } ] }), json!([])),
        &format!("{c}.Outputs[0]"),
        "needs exactly one of KinesisStreamsOutput, KinesisFirehoseOutput, LambdaOutput",
    );
    assert_error(
        with_app(
            json!({ "Outputs": [ { "Name": "D", "LambdaOutput": { "ResourceARN": ARN } } ] }),
            json!([]),
        ),
        &format!("{c}.Outputs[0].LambdaOutput.ResourceARN"),
        "is not an ARN of lambda",
    );
    assert_error(
        with_app(
            json!({ "query": { "window": { "type": "hopping" } } }),
            json!([]),
        ),
        &format!("{c}.query.window.type"),
        "\"hopping\" is not a window type; allowed: tumbling, sliding, stagger",
    );
    let lambda = json!({ "InputLambdaProcessor": {
        "ResourceARN": "arn:aws:lambda:us-east-1:1:function:f",
        "dropped_share": 0.6, "processing_failed_share": 0.6 } });
    assert_error(
        with_app(json!({ "Inputs": [ { "InputProcessingConfiguration": lambda } ] }), json!([])),
        &format!("{c}.Inputs[0].InputProcessingConfiguration.InputLambdaProcessor.processing_failed_share"),
        "dropped_share and processing_failed_share add up to more than 1",
    );
}

#[test]
fn shared_action_names_follow_the_consumer_kind() {
    let out = json!({ "Name": "D", "KinesisStreamsOutput": { "ResourceARN": ARN } });
    let s = ok(&with_app(
        json!({ "Outputs": [ out.clone() ] }),
        json!([
            { "at": "1m", "do": "destination_outage", "consumer": "app", "output": "D", "duration": "5m" },
            { "at": "2m", "do": "stop_application", "consumer": "app" },
            { "at": "3m", "do": "start_application", "consumer": "app", "InputStartingPosition": "NOW" },
            { "at": "4m", "do": "stop_application", "consumer": "fl" }
        ]),
    ));
    let actions: Vec<&Action> = s.timeline.iter().map(|e| &e.action).collect();
    assert_eq!(
        actions[2],
        &Action::KdaSql {
            consumer: "app".into(),
            action: SqlAction::StartApplication {
                starting_position: SqlStart::Now
            }
        }
    );
    assert_eq!(
        actions[3],
        &Action::Flink {
            consumer: "fl".into(),
            action: FlinkAction::StopApplication { force: false }
        }
    );
    assert_error(
        with_app(
            json!({ "Outputs": [ out ] }),
            json!([{ "at": "1m", "do": "destination_outage", "consumer": "app", "output": "X", "duration": "5m" }]),
        ),
        "timeline[0].output",
        "no output named \"X\"; outputs: D",
    );
    assert_error(
        with_app(
            json!({}),
            json!([{ "at": "1m", "do": "stop_application", "consumer": "app", "Force": true }]),
        ),
        "timeline[0].Force",
        "unknown key \"Force\"; allowed keys here: at, do, consumer",
    );
    // The canonical JSON reads back as the same scenario.
    assert_eq!(ok(&s.to_json()), s);
}
