//! The `embed` and `challenge` keys of the scenario format.

use shardscope_engine::scenario::parse;

fn with(extra: &str) -> String {
    format!(
        r#"{{ "format": "shardscope/1", "duration": "10m", "stream": {{ "ShardCount": 2 }},
             "producers": [ {{ "name": "web", "records_per_second": 10 }} ],
             "consumers": [ {{ "kind": "lambda", "name": "fn",
                              "EventSourceMapping": {{ "StartingPosition": "LATEST" }} }} ]
             {extra} }}"#
    )
}

fn error(extra: &str) -> String {
    parse(&with(extra)).unwrap_err().to_string()
}

#[test]
fn knobs_take_short_and_full_paths_and_default_height() {
    let s = parse(&with(
        r#", "embed": { "knobs": ["EventSourceMapping.BatchSize", "producers[0].records_per_second", "stream.ShardCount"] }"#,
    ))
    .unwrap();
    let e = s.embed.unwrap();
    assert_eq!(
        e.knobs,
        [
            "consumers[0].EventSourceMapping.BatchSize",
            "producers[0].records_per_second",
            "stream.ShardCount"
        ]
    );
    assert_eq!(e.height, 480);
}

#[test]
fn bad_knobs_name_their_path() {
    assert!(
        error(r#", "embed": { "knobs": ["EventSourceMapping.StartingPosition"] }"#).starts_with(
            "embed.knobs[0]: \"EventSourceMapping.StartingPosition\" cannot be a knob"
        )
    );
    assert!(
        error(r#", "embed": { "knobs": ["consumers[3].Function.Timeout"] }"#)
            .starts_with("embed.knobs[0]: consumers[3] does not exist")
    );
    assert_eq!(
        error(
            r#", "embed": { "knobs": ["stream.ShardCount", "stream.ShardCount", "stream.ShardCount", "stream.ShardCount"] }"#
        ),
        "embed.knobs: 4 knobs is above the maximum 3"
    );
    assert!(error(r#", "embed": { "height": 100 }"#)
        .starts_with("embed.height: 100 is below the minimum 240"));
    assert!(error(r#", "embed": { "size": 1 }"#).starts_with("embed.size: unknown key"));
}

#[test]
fn challenges_read_exact_values_and_ranges() {
    let s = parse(&with(
        r#", "challenge": { "brief": "Lose nothing.", "goal": { "discarded": 0, "max_iterator_age_ms": { "max": 300000 } } }"#,
    ))
    .unwrap();
    let c = s.challenge.unwrap();
    assert_eq!(c.goals.len(), 2);
    assert_eq!(c.goals[0].describe(), "discarded = 0");
    assert_eq!(c.goals[1].describe(), "max_iterator_age_ms ≤ 300000");
}

#[test]
fn bad_challenges_name_their_path() {
    assert!(error(r#", "challenge": { "goal": { "discarded": 0 } }"#)
        .starts_with("challenge.brief: is required"));
    assert!(
        error(r#", "challenge": { "brief": "x", "goal": { "lost": 0 } }"#)
            .starts_with("challenge.goal.lost: not a summary field")
    );
    assert!(
        error(r#", "challenge": { "brief": "x", "goal": { "discarded": -1 } }"#)
            .starts_with("challenge.goal.discarded: -1 is below the minimum 0")
    );
    assert_eq!(
        error(
            r#", "challenge": { "brief": "x", "goal": { "processed": { "min": 5, "max": 1 } } }"#
        ),
        "challenge.goal.processed: min 5 is above max 1"
    );
    assert!(error(
        r#", "challenge": { "brief": "x", "consumer": "nope", "goal": { "processed": 1 } }"#
    )
    .starts_with("challenge.consumer: no consumer is named"));
    assert_eq!(
        error(r#", "challenge": { "brief": "x", "goal": {} }"#),
        "challenge.goal: needs at least one goal"
    );
}

#[test]
fn embed_and_challenge_survive_the_canonical_round_trip() {
    let s = parse(&with(
        r#", "embed": { "knobs": ["handler.error_rate"], "height": 600 },
           "challenge": { "brief": "b", "consumer": "fn", "goal": { "stream.incoming_records": { "min": 1 }, "processed": 3 } }"#,
    ))
    .unwrap();
    let again = parse(&s.to_json().to_string()).unwrap();
    assert_eq!(again, s);
}
