//! A workshop challenge: the brief, each goal, and whether this run meets it, live.

use shardscope_engine::challenge::evaluate;
use shardscope_engine::scenario::Challenge;
use shardscope_engine::trace::Summary;
use yew::prelude::*;

/// The challenge and its goals against `summary`, the current run's once it has finished.
/// (A function, not a component: each component is its own copy of Yew's machinery.)
pub fn challenge_view(challenge: &Challenge, summary: Option<&Summary>) -> Html {
    let verdict = summary.map(|s| evaluate(challenge, s));
    let status = match &verdict {
        None => ("pending", "Running…"),
        Some(v) if v.met => ("met", "Challenge met"),
        Some(_) => ("failed", "Not met yet"),
    };
    html! {
        <section class={format!("challenge {}", status.0)} aria-label="Challenge">
            <p class="challenge-brief"><strong>{ "Challenge: " }</strong>{ challenge.brief.clone() }</p>
            <ul class="goals">
                { for challenge.goals.iter().enumerate().map(|(i, g)| {
                    let result = verdict.as_ref().and_then(|v| v.goals.get(i));
                    let (mark, class) = match result {
                        Some(r) if r.met => ("✓", "met"),
                        Some(_) => ("✗", "failed"),
                        None => ("…", "pending"),
                    };
                    let actual = result
                        .and_then(|r| r.actual)
                        .map(|a| format!(" (now {})", crate::summary_view::group(a)))
                        .unwrap_or_default();
                    html! { <li class={class}><span class="goal-mark" aria-hidden="true">{ mark }</span>{ g.describe() }{ actual }</li> }
                }) }
            </ul>
            <p class="challenge-status" role="status">{ status.1 }</p>
        </section>
    }
}
