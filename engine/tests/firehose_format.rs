//! The scenario format of `"kind": "firehose"`: AWS's defaults and ranges per
//! destination, the ProcessingConfiguration shape, the outage actions, and the
//! canonical form. Every message asserted here is part of what a reader sees.

use serde_json::{json, Value};
use shardscope_engine::scenario::{
    self, Action, ConsumerKind, FirehoseConsumer, FirehoseDestination, Scenario,
};
use shardscope_engine::time::SimDuration;

fn with_firehose(block: &str, config: Value) -> Value {
    json!({
        "format": "shardscope/1",
        "duration": "1h",
        "stream": { "ShardCount": 2 },
        "producers": [ { "name": "web", "records_per_second": 10 } ],
        "consumers": [ { "kind": "firehose", "name": "fh", block: config } ]
    })
}

fn ok(v: &Value) -> Scenario {
    scenario::from_value(v).unwrap_or_else(|e| panic!("expected a valid scenario, got {e}"))
}

fn firehose(s: &Scenario) -> &FirehoseConsumer {
    match &s.consumers[0].kind {
        ConsumerKind::Firehose(f) => f,
        other => panic!("not a Firehose consumer: {other:?}"),
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
fn defaults_are_aws_defaults_per_destination() {
    let s3 = ok(&with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({}),
    ));
    let f = firehose(&s3);
    assert_eq!(f.destination, FirehoseDestination::S3);
    assert_eq!(
        (f.buffering.size_in_mbs, f.buffering.interval_in_seconds),
        (5, 300)
    );
    assert_eq!(f.retry_duration_seconds, None);
    assert!(!f.backup_all);
    assert!(f.processing.is_none());

    let os = ok(&with_firehose(
        "AmazonopensearchserviceDestinationConfiguration",
        json!({}),
    ));
    assert_eq!(firehose(&os).retry_duration_seconds, Some(300));
    let rs = ok(&with_firehose(
        "RedshiftDestinationConfiguration",
        json!({}),
    ));
    assert_eq!(firehose(&rs).retry_duration_seconds, Some(3_600));
    let http = ok(&with_firehose(
        "HttpEndpointDestinationConfiguration",
        json!({}),
    ));
    assert_eq!(firehose(&http).retry_duration_seconds, Some(300));
}

#[test]
fn size_ranges_follow_the_destination() {
    assert_error(
        with_firehose(
            "AmazonopensearchserviceDestinationConfiguration",
            json!({ "BufferingHints": { "SizeInMBs": 101, "IntervalInSeconds": 60 } }),
        ),
        "consumers[0].AmazonopensearchserviceDestinationConfiguration.BufferingHints.SizeInMBs",
        "101 is above the maximum 100",
    );
    assert_error(
        with_firehose(
            "HttpEndpointDestinationConfiguration",
            json!({ "BufferingHints": { "SizeInMBs": 65, "IntervalInSeconds": 60 } }),
        ),
        "consumers[0].HttpEndpointDestinationConfiguration.BufferingHints.SizeInMBs",
        "65 is above the maximum 64",
    );
    assert_error(
        with_firehose(
            "ExtendedS3DestinationConfiguration",
            json!({ "BufferingHints": { "SizeInMBs": 64 } }),
        ),
        "consumers[0].ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds",
        "is required with SizeInMBs: AWS takes both buffering hints or neither",
    );
    assert_error(
        with_firehose(
            "AmazonopensearchserviceDestinationConfiguration",
            json!({ "RetryOptions": { "DurationInSeconds": 7_201 } }),
        ),
        "consumers[0].AmazonopensearchserviceDestinationConfiguration.RetryOptions.DurationInSeconds",
        "7201 is above the maximum 7200",
    );
    // Redshift's hints are those of its intermediate S3 bucket.
    let rs = ok(&with_firehose(
        "RedshiftDestinationConfiguration",
        json!({ "S3Configuration": { "BufferingHints": { "SizeInMBs": 128, "IntervalInSeconds": 60 } } }),
    ));
    assert_eq!(firehose(&rs).buffering.size_in_mbs, 128);
}

#[test]
fn exactly_one_destination_and_its_own_keys() {
    let mut v = with_firehose("ExtendedS3DestinationConfiguration", json!({}));
    v["consumers"][0]["HttpEndpointDestinationConfiguration"] = json!({});
    assert_error(
        v,
        "consumers[0].HttpEndpointDestinationConfiguration",
        "a Firehose stream has exactly one destination; remove the other destination block",
    );
    let mut v = with_firehose("ExtendedS3DestinationConfiguration", json!({}));
    v["consumers"][0]
        .as_object_mut()
        .unwrap()
        .remove("ExtendedS3DestinationConfiguration");
    let e = scenario::from_value(&v).unwrap_err();
    assert_eq!(e.path, "consumers[0]");
    assert!(e
        .message
        .starts_with("a Firehose stream needs exactly one destination block"));
    // S3 has no RetryOptions: it retries as long as the source keeps the data.
    let e = scenario::from_value(&with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({ "RetryOptions": { "DurationInSeconds": 60 } }),
    ))
    .unwrap_err();
    assert_eq!(
        e.path,
        "consumers[0].ExtendedS3DestinationConfiguration.RetryOptions"
    );
    assert_error(
        with_firehose(
            "AmazonopensearchserviceDestinationConfiguration",
            json!({ "S3BackupMode": "Enabled" }),
        ),
        "consumers[0].AmazonopensearchserviceDestinationConfiguration.S3BackupMode",
        "\"Enabled\" is not an S3BackupMode of AmazonopensearchserviceDestinationConfiguration; allowed: FailedDocumentsOnly, AllDocuments",
    );
}

#[test]
fn the_transform_lambda_takes_aws_processor_parameters() {
    let v = with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({ "ProcessingConfiguration": { "Enabled": true, "Processors": [ { "Type": "Lambda",
            "Parameters": [ { "ParameterName": "BufferSizeInMBs", "ParameterValue": "0.5" },
                            { "ParameterName": "NumberOfRetries", "ParameterValue": "2" } ] } ] } }),
    );
    let s = ok(&v);
    let p = firehose(&s).processing.clone().expect("a transform");
    assert_eq!(p.buffer_size_in_mbs, 0.5);
    assert_eq!(p.buffer_interval_in_seconds, 60);
    assert_eq!(p.number_of_retries, 2);

    let bad = with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({ "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda",
            "Parameters": [ { "ParameterName": "BufferSizeInMBs", "ParameterValue": "4" } ] } ] } }),
    );
    assert_error(
        bad,
        "consumers[0].ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[0].Parameters[0].ParameterValue",
        "\"4\" is not a number from 0.2 to 3",
    );
    let other = with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({ "ProcessingConfiguration": { "Processors": [ { "Type": "RecordDeAggregation" } ] } }),
    );
    assert_error(
        other,
        "consumers[0].ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[0].Type",
        "processor type \"RecordDeAggregation\" is not modelled; the playground models the Lambda transform (\"Type\": \"Lambda\")",
    );
    // Disabled: no transform.
    let off = with_firehose(
        "ExtendedS3DestinationConfiguration",
        json!({ "ProcessingConfiguration": { "Enabled": false } }),
    );
    assert!(firehose(&ok(&off)).processing.is_none());
}

#[test]
fn outages_name_a_firehose_consumer() {
    let mut v = with_firehose("ExtendedS3DestinationConfiguration", json!({}));
    v["timeline"] =
        json!([{ "at": "5m", "do": "destination_outage", "consumer": "fh", "duration": "10m" }]);
    let s = ok(&v);
    assert_eq!(
        s.timeline[0].action,
        Action::DestinationOutage {
            consumer: "fh".into(),
            duration: SimDuration::from_secs(600)
        }
    );
    v["timeline"] =
        json!([{ "at": "5m", "do": "backup_outage", "consumer": "fh", "duration": "0s" }]);
    assert_error(v.clone(), "timeline[0].duration", "must be longer than 0s");
    v["consumers"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "kind": "lambda", "name": "fn",
        "EventSourceMapping": { "StartingPosition": "LATEST" } }));
    v["timeline"] =
        json!([{ "at": "5m", "do": "destination_outage", "consumer": "fn", "duration": "1m" }]);
    assert_error(
        v.clone(),
        "timeline[0].consumer",
        "destination_outage applies to a firehose or kda_sql consumer, and \"fn\" is a lambda consumer",
    );
    v["timeline"] = json!([{ "at": "5m", "do": "deploy", "consumer": "fh", "handler": {} }]);
    assert_error(
        v,
        "timeline[0].consumer",
        "deploy applies to a lambda consumer, and \"fh\" is a firehose consumer",
    );
}

#[test]
fn the_canonical_form_reads_back_equal() {
    for (block, config) in [
        (
            "ExtendedS3DestinationConfiguration",
            json!({ "ErrorOutputPrefix": "errors/",
            "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda" } ] } }),
        ),
        (
            "AmazonopensearchserviceDestinationConfiguration",
            json!({ "S3BackupMode": "AllDocuments" }),
        ),
        (
            "RedshiftDestinationConfiguration",
            json!({ "RetryOptions": { "DurationInSeconds": 0 } }),
        ),
        ("HttpEndpointDestinationConfiguration", json!({})),
    ] {
        let mut v = with_firehose(block, config);
        v["consumers"][0]["transform"] = json!({ "dropped_share": 0.25 });
        v["timeline"] =
            json!([{ "at": "5m", "do": "backup_outage", "consumer": "fh", "duration": "90s" }]);
        let s = ok(&v);
        let again = ok(&s.to_json());
        assert_eq!(s, again, "{block}");
        assert_eq!(again.to_json(), s.to_json());
    }
}

/// The event budget counts a Firehose stream's buffers and transform invocations: 16
/// shards at their 1 MiB/s write limit for 8 days through 0.2 MB transform buffers would be
/// about 58 million invocations (4 tries each), far over the limit.
#[test]
fn the_event_budget_counts_firehose_buffers_and_invocations() {
    let v = json!({
        "format": "shardscope/1",
        "duration": "8d",
        "stream": { "ShardCount": 16 },
        "producers": [ { "name": "p", "records_per_second": 160, "record_bytes": 104_857 } ],
        "consumers": [ { "kind": "firehose", "name": "fh", "ExtendedS3DestinationConfiguration": {
            "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 60 },
            "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda", "Parameters": [
                { "ParameterName": "BufferSizeInMBs", "ParameterValue": "0.2" } ] } ] } } } ]
    });
    let e = scenario::from_value(&v).unwrap_err();
    assert_eq!(e.path, "duration");
    assert!(e.message.contains("simulated events"), "{}", e.message);
    // The defaults (5 MiB / 300 s, no transform) for the same day are fine.
    let mut ok_v = v.clone();
    ok_v["duration"] = json!("1d");
    ok_v["consumers"][0]["ExtendedS3DestinationConfiguration"] = json!({});
    ok(&ok_v);
}
