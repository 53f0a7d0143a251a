//! The tour of the article: its five services × four questions as a grid. A question
//! is one preset under `www/presets/tour/` with the five services reading the same
//! stream; a cell opens it with only that service compared (linkable and embeddable:
//! `?preset=tour/scaling&compare=glue`), under the question as a caption and two
//! sentences of answer read from the run (`shardscope_views::compare::answer`).

use shardscope_engine::trace::Trace;
use yew::prelude::*;

/// The questions: preset, column label, the question with `{}` for the service, and what
/// the cell runs (its link text; the question is the link's accessible name).
pub const QUESTIONS: [(&str, &str, &str, &str); 4] = [
    (
        "tour/use-cases",
        "Use cases",
        "What does {} do with a stream of orders?",
        "an hour of orders",
    ),
    (
        "tour/error-handling",
        "Error handling",
        "How does {} handle a record it cannot process?",
        "one poison record",
    ),
    (
        "tour/scaling",
        "Scaling",
        "How does {} scale when traffic grows?",
        "traffic ×5, 2 → 4 shards",
    ),
    (
        "tour/reprocessing",
        "Reprocessing",
        "How do you reprocess data with {}?",
        "read 20 minutes again",
    ),
];

/// The services: the consumer's name in every tour preset, and how the article calls it.
pub const SERVICES: [(&str, &str); 5] = [
    ("lambda", "AWS Lambda"),
    ("flink", "Managed Service for Apache Flink"),
    ("kda-sql", "Kinesis Data Analytics for SQL"),
    ("firehose", "Amazon Data Firehose"),
    ("glue", "AWS Glue streaming"),
];

/// The cell of a preset and a consumer, if they are a tour's.
pub fn cell(preset: &str, consumer: &str) -> Option<(usize, usize)> {
    let q = QUESTIONS.iter().position(|(p, ..)| *p == preset)?;
    let s = SERVICES.iter().position(|(n, _)| *n == consumer)?;
    Some((q, s))
}

/// Whether `source` is still the scenario of `cell`'s question: its preset, unedited.
pub fn is_open((q, _): (usize, usize), source: &str) -> bool {
    crate::presets::by_id(QUESTIONS[q].0).is_some_and(|p| p.json == source)
}

/// The link of a cell (relative: the site may live under any path).
pub fn href(q: usize, s: usize) -> String {
    format!("?preset={}&compare={}", QUESTIONS[q].0, SERVICES[s].0)
}

/// The caption of a cell: its question.
pub fn question(q: usize, s: usize) -> String {
    QUESTIONS[q].2.replace("{}", SERVICES[s].1)
}

/// The grid: a row a service, a column a question; each cell a link to its run, which
/// `on_open` opens in place. (A function, not a component: it has no state.)
pub fn tour_grid(on_open: &Callback<(usize, usize)>, current: Option<(usize, usize)>) -> Html {
    html! {
        <section class="tour" aria-label="Tour of the article">
            <p>{ "The article answers four questions for each of the five services. Each cell runs its answer: the same stream and incident, read by that service alone. In a workshop, go through the cells in order; the columns compare the services." }</p>
            <table class="tour-grid">
                <thead><tr>
                    <th scope="col">{ "service" }</th>
                    { for QUESTIONS.iter().map(|(_, label, ..)| html! { <th scope="col">{ *label }</th> }) }
                </tr></thead>
                <tbody>
                    { for SERVICES.iter().enumerate().map(|(s, (_, service))| html! {
                        <tr>
                            <th scope="row">{ *service }</th>
                            { for (0..QUESTIONS.len()).map(|q| {
                                let open = on_open.clone();
                                let onclick = Callback::from(move |e: MouseEvent| {
                                    e.prevent_default();
                                    open.emit((q, s));
                                });
                                let current = current == Some((q, s));
                                html! {
                                    <td>
                                        <a href={href(q, s)} {onclick} aria-current={current.then_some("true")}
                                            aria-label={question(q, s)} title={question(q, s)}
                                            data-cell={format!("{q}-{s}")}>{ QUESTIONS[q].3 }{ " ▸" }</a>
                                    </td>
                                }
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// The question as a caption, and the answer read from `trace`, the cell's run once it
/// is done; `on_next` opens the next cell (a workshop goes through them in order).
pub fn tour_caption(
    (q, s): (usize, usize),
    trace: Option<&Trace>,
    on_next: Option<&Callback<(usize, usize)>>,
) -> Html {
    let answer = trace.and_then(|t| {
        let rows = shardscope_views::compare::rows(t);
        let row = rows.iter().find(|r| r.name == SERVICES[s].0)?;
        Some(shardscope_views::compare::answer(q, row))
    });
    // Down a column: every service's answer to a question, then the next question.
    let next = if s + 1 < SERVICES.len() {
        Some((q, s + 1))
    } else if q + 1 < QUESTIONS.len() {
        Some((q + 1, 0))
    } else {
        None
    };
    html! {
        <figure class="tour-caption">
            <figcaption>{ question(q, s) }</figcaption>
            <p class="answer" aria-live="polite">{ answer.unwrap_or_else(|| "Running…".to_string()) }</p>
            if let (Some(on_next), Some(n)) = (on_next, next) {
                <a class="next-cell" href={href(n.0, n.1)} onclick={
                    let on_next = on_next.clone();
                    Callback::from(move |e: MouseEvent| { e.prevent_default(); on_next.emit(n); })
                }>{ format!("Next: {} ▸", question(n.0, n.1)) }</a>
            }
        </figure>
    }
}
