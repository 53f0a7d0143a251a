//! A workshop challenge: the brief, each goal, and whether this run meets it, live.

use shardscope_engine::challenge::evaluate;
use shardscope_engine::scenario::Challenge;
use shardscope_engine::trace::Summary;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChallengeProps {
    pub challenge: Challenge,
    /// The summary of the current run, once it has finished.
    pub summary: Option<Summary>,
}

#[function_component(ChallengeView)]
pub fn challenge_view(props: &ChallengeProps) -> Html {
    let verdict = props
        .summary
        .as_ref()
        .map(|s| evaluate(&props.challenge, s));
    let status = match &verdict {
        None => ("pending", "Running…"),
        Some(v) if v.met => ("met", "Challenge met"),
        Some(_) => ("failed", "Not met yet"),
    };
    html! {
        <section class={format!("challenge {}", status.0)} aria-label="Challenge">
            <p class="challenge-brief"><strong>{ "Challenge: " }</strong>{ props.challenge.brief.clone() }</p>
            <ul class="goals">
                { for props.challenge.goals.iter().enumerate().map(|(i, g)| {
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
