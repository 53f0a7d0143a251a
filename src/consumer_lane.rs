//! What every consumer lane under the shards shares (Firehose's and Flink's): the
//! frame with its label, the marks the reader opens in the inspector, and the
//! inspector's first facts and its "why". One copy of each keeps the bundle small.

use yew::prelude::*;

use crate::timeline::Selection;

/// A `why` string split into its text and the AWS page after " — ".
pub fn why(why: &str) -> (String, Option<String>) {
    match why.split_once(" — http") {
        Some((text, rest)) => (text.to_string(), Some(format!("http{rest}"))),
        None => (why.to_string(), None),
    }
}

/// The inspector's view of a consumer event: `title`, the consumer and the time
/// first, then `facts`.
pub fn selection(
    title: String,
    consumer: &str,
    at_us: u64,
    facts: Vec<(String, String)>,
    why_text: &str,
    assumption: Option<&str>,
) -> Selection {
    let mut all = vec![
        ("consumer".to_string(), consumer.to_string()),
        ("time".to_string(), shardscope_views::axis::clock(at_us)),
    ];
    all.extend(facts);
    Selection {
        title,
        detail: String::new(),
        facts: all,
        why: Some(why(why_text)),
        assumption: assumption.map(str::to_string),
    }
}

/// "3 × what", or "what" alone.
pub fn counted(count: u64, what: String) -> String {
    if count > 1 {
        format!("{count} × {what}")
    } else {
        what
    }
}

/// A mark the reader opens with a click, or with Enter once focused (the first of
/// a lane takes the tab stop; arrow keys move between them).
pub fn mark(class: String, d: String, label: String, first: bool, inspect: Callback<()>) -> Html {
    let onclick = inspect.reform(|_: MouseEvent| ());
    let onkeydown = Callback::from(move |e: KeyboardEvent| crate::timeline::mark_key(&e, &inspect));
    html! {
        <g {class} {onclick} {onkeydown} tabindex={if first { "0" } else { "-1" }}
            role="button" aria-label={label.clone()}>
            <path {d} />
            <title>{ label }</title>
        </g>
    }
}

/// A consumer's lane of `kind` ("firehose", "flink") at `y`: its short label (with
/// `title` on hover), the background, `body`, and the marks as a group named
/// `marks_label`.
pub struct Frame<'a> {
    pub kind: &'static str,
    pub consumer: &'a str,
    pub title: String,
    pub y: f64,
    pub lane_h: f64,
    pub width: f64,
    pub marks_label: &'static str,
}

impl Frame<'_> {
    pub fn draw(self, body: Html, marks: Html) -> Html {
        use shardscope_views::coord::D1;
        let Frame {
            kind,
            consumer,
            title,
            y,
            lane_h,
            width,
            marks_label,
        } = self;
        html! {
            <g class={format!("{kind}-lane")} data-consumer={consumer.to_string()}>
                <text class="lane-label" x="-8" y={D1(y + 15.0).to_string()} text-anchor="end">
                    { shardscope_views::firehose::short_label(consumer) }
                    <title>{ title }</title>
                </text>
                <rect class={format!("lane-bg {kind}")} x="0" y={D1(y + 3.0).to_string()}
                    width={D1(width).to_string()} height={D1(lane_h - 6.0).to_string()} />
                { body }
                <g class={format!("{kind}-marks")} role="group"
                    aria-label={format!("{consumer}: {marks_label}; arrow keys move between marks, Enter opens one")}>
                    { marks }
                </g>
            </g>
        }
    }
}
