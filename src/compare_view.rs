//! The compare view's own parts: which consumers to compare (checkboxes, and whether
//! they share the shards' read limits), and the table of their figures side by side
//! with a verdict each. The runs and their drawing are the playground's own
//! (`shardscope_engine::compare`, the timeline).

use shardscope_engine::compare::Choice;
use shardscope_engine::scenario::Scenario;
use shardscope_engine::trace::Trace;
use shardscope_views::compare::{age, group, rows, usd};
use yew::prelude::*;

/// What the reader chose: the consumers left out (so that a consumer added later is in),
/// and whether the compared consumers share the read limits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Picked {
    pub left_out: Vec<String>,
    pub shared: bool,
}

impl Picked {
    /// Only `names` (all when empty), as `?compare=a,b` says.
    pub fn only(s: &Scenario, names: &[String], shared: bool) -> Picked {
        Picked {
            left_out: s
                .consumers
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| !names.is_empty() && !names.contains(n))
                .collect(),
            shared,
        }
    }

    /// The engine's choice for `s`.
    pub fn choice(&self, s: &Scenario) -> Choice {
        Choice {
            consumers: s
                .consumers
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| !self.left_out.contains(n))
                .collect(),
            shared: self.shared,
        }
    }

    /// `compare=a,b` (or `compare` for all) and `shared`, for the address bar.
    pub fn query(&self, s: &Scenario) -> String {
        let mut q = "compare".to_string();
        if !self.left_out.is_empty() {
            q.push('=');
            q.push_str(&self.choice(s).consumers.join(","));
        }
        if self.shared {
            q.push_str("&shared");
        }
        q
    }
}

/// A checkbox per consumer of the scenario, and one to share the read limits (a plain
/// function, not a component: each component is its own copy of Yew's machinery).
pub fn compare_controls(
    scenario: &Scenario,
    picked: &Picked,
    on_change: &Callback<Picked>,
) -> Html {
    let toggle = |name: String| {
        let picked = picked.clone();
        let on_change = on_change.clone();
        Callback::from(move |_: Event| {
            let mut p = picked.clone();
            match p.left_out.iter().position(|n| *n == name) {
                Some(i) => {
                    p.left_out.remove(i);
                }
                None => p.left_out.push(name.clone()),
            }
            on_change.emit(p);
        })
    };
    let share = {
        let picked = picked.clone();
        let on_change = on_change.clone();
        Callback::from(move |_: Event| {
            on_change.emit(Picked {
                shared: !picked.shared,
                ..picked.clone()
            })
        })
    };
    html! {
        <fieldset class="compare-controls">
            <legend>{ "Compare these consumers of the same stream and timeline" }</legend>
            { for scenario.consumers.iter().map(|c| {
                let name = c.name.clone();
                html! {
                    <label>
                        <input type="checkbox" checked={!picked.left_out.contains(&name)}
                            onchange={toggle(name.clone())} />
                        { format!("{name} ({})", shardscope_views::compare::service(c.kind.as_str())) }
                    </label>
                }
            }) }
            <label class="shared">
                <input type="checkbox" checked={picked.shared} onchange={share} />
                { "Share the shards' read limits (5 GetRecords calls and 2 MB/s a shard); otherwise each reads its own copy of the stream" }
            </label>
        </fieldset>
    }
}

/// The services side by side: figures under each service's own names, cost, verdict.
pub fn compare_table(trace: &Trace) -> Html {
    let rows = rows(trace);
    let cost = trace.summary.cost.as_ref();
    html! {
        <section class="compare" aria-label="Services compared">
            <table class="figures compare-table">
                <thead><tr>
                    <th scope="col">{ "service" }</th>
                    <th scope="col">{ "processed" }</th>
                    <th scope="col">{ "discarded" }</th>
                    <th scope="col" title="Aged out of the stream before being processed">{ "expired" }</th>
                    <th scope="col" title="Records read again: retries, restarts from a checkpoint, replays">{ "read again" }</th>
                    <th scope="col" title="The highest lag, under the service's own metric">{ "max lag" }</th>
                    <th scope="col" title="Time it processed nothing: restarts, stops, no job run, stalls">{ "downtime" }</th>
                    <th scope="col" title="Its own meters; the stream's are below">{ "cost (estimate)" }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|r| html! {
                        <>
                            <tr class={classes!("service", r.kind.clone())}>
                                <th scope="row">{ &r.name }<small>{ r.service }</small></th>
                                <td>{ group(r.processed) }</td>
                                <td>{ group(r.discarded) }</td>
                                <td>{ group(r.expired) }</td>
                                <td>{ group(r.again) }</td>
                                <td>{ age(r.lag_ms) }<small>{ r.lag_label }</small></td>
                                <td>{ r.downtime_us.map_or("—".to_string(), |d| age(d / 1_000)) }</td>
                                <td>{ r.usd.map_or("—".to_string(), usd) }</td>
                            </tr>
                            <tr class="verdict"><td colspan="8">{ &r.verdict }</td></tr>
                        </>
                    }) }
                </tbody>
            </table>
            if let Some(c) = cost {
                <p class="cost-note">
                    { format!("The stream itself: {}. In all {} — {}, prices checked {}; no free tier.",
                        usd(c.stream_usd), usd(c.total_usd), c.label, c.prices_checked) }
                </p>
            }
        </section>
    }
}
