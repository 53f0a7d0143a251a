//! Runs the built `shardscope` binary (no assert_cmd: just std::process).

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shardscope"))
}

/// A scratch file unique to this test process and name.
fn scratch(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shardscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run shardscope")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// 1,500 rec/s into one shard for 10 minutes, throttled puts dropped, with a
/// Lambda consumer, and a merge that names a shard that does not exist.
const THROTTLED: &str = r#"{
  "format": "shardscope/1",
  "title": "One hot shard",
  "seed": 7,
  "duration": "10m",
  "stream": { "StreamName": "orders", "ShardCount": 1,
              "StreamModeDetails": { "StreamMode": "PROVISIONED" } },
  "producers": [ { "name": "web", "records_per_second": 1500, "record_bytes": 100,
                   "partition_keys": 1000, "retry_throttled": false } ],
  "consumers": [ { "kind": "lambda", "name": "enricher",
                   "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
  "timeline": [ { "at": "5m", "do": "merge_shards", "ShardToMerge": "shardId-000000000000",
                  "AdjacentShardToMerge": "shardId-000000000001" } ]
}"#;

#[test]
fn help_and_version_exit_0() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).contains("shardscope simulate FILE"));
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stdout).starts_with("shardscope "));
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["simulate"][..],
        &["simulate", "x", "--bogus"][..],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains("shardscope:"), "{args:?}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn validate_accepts_a_good_file_and_names_the_path_of_a_bad_value() {
    let good = scratch("good.json", THROTTLED);
    let o = run(&["validate", good.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("ok"));
    let bad = scratch(
        "bad.json",
        &THROTTLED.replace("\"ShardCount\": 1", "\"ShardCount\": 0"),
    );
    let o = run(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("stream.ShardCount"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["validate", "/nonexistent/scenario.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot read"));
}

#[test]
fn simulate_json_prints_summary_v1() {
    let f = scratch("json.json", THROTTLED);
    let o = run(&["simulate", f.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["format"], "shardscope-summary/1");
    assert_eq!(v["stream"]["incoming_records"], 600_000);
    assert_eq!(v["stream"]["write_throttled_records"], 300_000);
    assert_eq!(v["stream"]["open_shards_at_end"], 1);
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["consumers", "cost", "format", "stream"]);
    // The cost block: 1 shard for the run, at $0.015 a shard-hour, and its PUT payload units.
    assert_eq!(v["cost"]["label"], "estimate, us-east-1");
    assert_eq!(v["cost"]["stream"][0]["meter"], "kinesis_shard_hour");
    assert_eq!(v["cost"]["stream"][0]["unit_usd"], 0.015);
    assert_eq!(
        v["cost"]["stream"][1]["meter"],
        "kinesis_put_payload_units_million"
    );
}

#[test]
fn compare_prints_each_service_with_a_verdict_and_draws_it() {
    let f = scratch(
        "compare.json",
        r#"{ "format": "shardscope/1", "duration": "5m", "stream": { "ShardCount": 1 },
             "producers": [ { "name": "p", "records_per_second": 10 } ],
             "consumers": [
                 { "kind": "lambda", "name": "fn", "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } },
                 { "kind": "firehose", "name": "fh", "ExtendedS3DestinationConfiguration": {} } ] }"#,
    );
    let o = run(&["simulate", f.to_str().unwrap(), "--compare"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("Lambda (event source mapping)"), "{out}");
    assert!(out.contains("  fn: kept up:"), "{out}");
    assert!(out.contains("  fh: delivered "), "{out}");
    assert!(out.contains("cost: $"), "{out}");
    let o = run(&["simulate", f.to_str().unwrap(), "--compare=nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("no consumer named \"nope\""));
    let svg = f.with_file_name("compare.svg");
    let o = run(&[
        "render",
        f.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
        "--compare=fn",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let drawn = std::fs::read_to_string(&svg).expect("written");
    assert!(
        drawn.contains("Compared:")
            && drawn.contains(">fn</tspan>")
            && !drawn.contains(">fh</tspan>")
    );
}

#[test]
fn simulate_prints_a_table_and_writes_a_jsonl_trace() {
    let f = scratch("table.json", THROTTLED);
    let out = f.with_file_name("trace.jsonl");
    let o = run(&[
        "simulate",
        f.to_str().unwrap(),
        "--trace",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    assert!(table.contains("One hot shard"));
    assert!(table.contains("600,000"), "{table}");
    assert!(table.contains("300,000"));
    // The merge names a shard that does not exist: rejected, run goes on.
    assert!(table.contains("ResourceNotFoundException"), "{table}");
    let jsonl = std::fs::read_to_string(&out).unwrap();
    let events: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert!(events.iter().any(|e| e["type"] == "ShardOpened"));
    assert!(events.iter().any(|e| e["type"] == "WriteThrottled"));
    assert!(events.iter().any(|e| e["type"] == "ActionRejected"));
    assert!(events.iter().all(|e| e["at_us"].is_u64()));
}

#[test]
fn the_same_scenario_gives_the_same_output() {
    let f = scratch("same.json", THROTTLED);
    let a = run(&["simulate", f.to_str().unwrap()]);
    let b = run(&["simulate", f.to_str().unwrap()]);
    assert_eq!(a.stdout, b.stdout);
}

/// One shard at 1,500 rec/s for a minute: 30,000 puts throttled, so a goal of none fails.
fn challenge(goal: &str) -> String {
    format!(
        r#"{{ "format": "shardscope/1", "duration": "1m", "stream": {{ "ShardCount": 1 }},
             "producers": [ {{ "name": "p", "records_per_second": 1500, "retry_throttled": false }} ],
             "challenge": {{ "brief": "No throttling.", "goal": {goal} }} }}"#
    )
}

#[test]
fn a_failed_challenge_exits_1_with_the_verdict_on_stderr() {
    let f = scratch(
        "challenge-fail.json",
        &challenge(r#"{ "stream.write_throttled_records": 0 }"#),
    );
    let out = run(&["simulate", f.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("stream.write_throttled_records = 0"), "{err}");
    assert!(
        err.contains("NOT met") && err.contains("actual 30000"),
        "{err}"
    );
    // The summary is still printed on stdout, whole.
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["stream"]["write_throttled_records"], 30000);
}

#[test]
fn a_met_challenge_exits_0() {
    let f = scratch(
        "challenge-ok.json",
        &challenge(r#"{ "stream.incoming_records": { "min": 60000 } }"#),
    );
    let out = run(&["simulate", f.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("challenge met"));
}

#[test]
fn render_writes_the_same_svg_every_time() {
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../www/presets/bisect-isolates-the-bad-record.json"
    );
    let dir = std::env::temp_dir().join(format!("shardscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.svg"), dir.join("b.svg"));
    for out in [&a, &b] {
        let o = run(&[
            "render",
            scenario,
            "--svg",
            out.to_str().unwrap(),
            "--width",
            "800",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    }
    let svg = std::fs::read_to_string(&a).unwrap();
    assert_eq!(svg, std::fs::read_to_string(&b).unwrap());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\""));
    assert!(svg.contains("Bisect isolates the bad record"));
    let o = run(&["render", scenario]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("render needs --svg OUT"));
}

/// The example blog page's static SVG is what `render` draws today (a stored snapshot):
/// regenerate it with the command in www/examples/README.md when the engine changes.
#[test]
fn the_example_svg_is_up_to_date() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let scenario = format!("{root}/www/presets/poison-blocks-a-shard.json");
    let stored = format!("{root}/www/examples/poison-blocks-a-shard.svg");
    let dir = std::env::temp_dir().join(format!("shardscope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fresh = dir.join("fresh.svg");
    let o = run(&["render", &scenario, "--svg", fresh.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    if std::env::var_os("UPDATE_EXAMPLE_SVG").is_some() {
        std::fs::copy(&fresh, &stored).unwrap();
    }
    assert!(
        std::fs::read_to_string(&stored).ok() == std::fs::read_to_string(&fresh).ok(),
        "www/examples/poison-blocks-a-shard.svg is stale: UPDATE_EXAMPLE_SVG=1 cargo test -p shardscope-cli"
    );
}
