//! The compare view's own parts: which consumers to compare (checkboxes, and whether
//! they share the shards' read limits), and the table of their figures side by side
//! with a verdict each. The runs and their drawing are the playground's own
//! (`shardscope_engine::compare`, the timeline).

use shardscope_engine::compare::Choice;
use shardscope_engine::scenario::Scenario;
use shardscope_engine::trace::Trace;
use shardscope_views::compare::{age, group, rows, usd, Row};
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
            let names: Vec<String> = self
                .choice(s)
                .consumers
                .iter()
                .map(|n| encode_name(n))
                .collect();
            q.push_str(&names.join(","));
        }
        if self.shared {
            q.push_str("&shared");
        }
        q
    }
}

/// A name for the query string: letters, digits and `-_.~` as they are, every other byte
/// as `%XX` (a name may hold `,`, `&`, `#` or any other character but control ones).
fn encode_name(name: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
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

/// The services side by side (a column each, as in the summary, so five fit a narrow
/// column): figures under each service's own names, cost; then a verdict each.
pub fn compare_table(trace: &Trace) -> Html {
    let rows = rows(trace);
    let cost = trace.summary.cost.as_ref();
    let line = |label: &'static str, why: &'static str, cell: &dyn Fn(&Row) -> Html| {
        html! {
            <tr title={why}>
                <th scope="row">{ label }</th>
                { for rows.iter().map(|r| html! { <td>{ cell(r) }</td> }) }
            </tr>
        }
    };
    html! {
        <section class="compare" aria-label="Services compared">
            <table class="figures compare-table">
                <thead><tr>
                    <th scope="col"></th>
                    { for rows.iter().map(|r| html! {
                        <th scope="col">{ &r.name }<small>{ r.service }</small></th>
                    }) }
                </tr></thead>
                <tbody>
                    { line("processed", "Distinct records processed successfully", &|r| group(r.processed).into()) }
                    { line("discarded", "Given up on: after retries, to an error prefix or error_stream", &|r| group(r.discarded).into()) }
                    { line("expired", "Aged out of the stream before being processed", &|r| group(r.expired).into()) }
                    { line("read again", "Records read again: retries, restarts from a checkpoint, replays", &|r| group(r.again).into()) }
                    { line("max lag", "The highest lag, under the service's own metric", &|r| html! {
                        <>{ age(r.lag_ms) }<small>{ r.lag_label }</small></>
                    }) }
                    { line("downtime", "Time it processed nothing: restarts, stops, no job run, stalls", &|r| {
                        r.downtime_us.map_or("—".to_string(), |d| age(d / 1_000)).into()
                    }) }
                    { line("cost (estimate)", "Its own meters; the stream's are below", &|r| {
                        r.usd.map_or("—".to_string(), usd).into()
                    }) }
                </tbody>
            </table>
            <ul class="verdicts">
                { for rows.iter().map(|r| html! {
                    <li class="verdict" data-consumer={r.name.clone()}>
                        <strong>{ &r.name }</strong>{ ": " }<span>{ &r.verdict }</span>
                    </li>
                }) }
            </ul>
            if let Some(c) = cost {
                <p class="cost-note">
                    { format!("The stream itself: {}. In all {} — {}, prices checked {}; no free tier.",
                        usd(c.stream_usd), usd(c.total_usd), c.label, c.prices_checked) }
                </p>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with the query string's own characters come back as they were.
    #[test]
    fn names_survive_the_address_bar() {
        let names = ["a,b", "c&d #1", "e+f%", "ü"];
        let q: Vec<String> = names.iter().map(|n| encode_name(n)).collect();
        assert_eq!(q[0], "a%2Cb");
        let l = crate::app::Location::parse(&format!("?compare={}", q.join(",")), "");
        assert_eq!(
            l.compare,
            Some(names.iter().map(|n| n.to_string()).collect())
        );
    }
}
