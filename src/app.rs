//! The playground: state, the URL, and what fills the page — the full playground, or the
//! compact embed player (`?embed`).

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use shardscope_engine::Trace;
use shardscope_views::coord::D1;
use yew::prelude::*;

use crate::challenge_view::challenge_view;
use crate::compare_view::{compare_controls, compare_table, Picked};
use crate::knobs::Knobs;
use crate::presets;
use crate::run::{use_simulation, RunState};
use crate::scenario_panel::ScenarioPanel;
use crate::share;
use crate::shell::Shell;
use crate::state::{Action, Playground};
use crate::summary_view::{group, summary_view};
use crate::timeline::{Selection, Timeline};
use crate::tour::{self, tour_caption, tour_grid};

/// How the page was opened, from its URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// `?embed`: the compact player.
    pub embed: bool,
    /// `?origin=…`: the embedding page, the only one told about the embed's height.
    pub parent_origin: Option<String>,
    /// `?preset=presets/NAME.json` (or `NAME`).
    pub preset: Option<String>,
    /// The hash: `#s=…` (deflated) or `#json=…` (percent-encoded, from embed.js).
    pub hash: String,
    /// `?compare` (all consumers) or `?compare=a,b`: the compare view.
    pub compare: Option<Vec<String>>,
    /// `&shared`: the compared consumers share the read limits.
    pub shared: bool,
    /// `?tour`: the tour of the article.
    pub tour: bool,
}

impl Location {
    pub fn parse(search: &str, hash: &str) -> Location {
        let mut l = Location {
            embed: false,
            parent_origin: None,
            preset: None,
            hash: hash.to_string(),
            compare: None,
            shared: false,
            tour: false,
        };
        for pair in search.trim_start_matches('?').split('&') {
            let (k, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(raw);
            match k {
                "embed" => l.embed = true,
                "origin" if is_web_origin(&v) => l.parent_origin = Some(v),
                "preset" => l.preset = Some(v),
                // Names are split before they are decoded: a name may hold a comma.
                "compare" => {
                    l.compare = Some(
                        raw.split(',')
                            .filter(|n| !n.is_empty())
                            .map(percent_decode)
                            .collect(),
                    )
                }
                "shared" => l.shared = true,
                "tour" => l.tour = true,
                _ => {}
            }
        }
        l
    }

    /// The first scenario: a shared link, else the named preset, else the default preset;
    /// and what went wrong on the way, if anything.
    pub fn initial_source(&self) -> (String, Option<String>) {
        let fallback = |why: String| (presets::DEFAULT.json.to_string(), Some(why));
        if self.hash.starts_with(share::PREFIX) {
            return match share::decode(&self.hash) {
                Ok(json) => (json, None),
                Err(why) => fallback(why),
            };
        }
        if let Some(json) = self.hash.strip_prefix("#json=") {
            return (percent_decode(json), None);
        }
        if let Some(p) = &self.preset {
            let id = p.trim_start_matches("presets/").trim_end_matches(".json");
            return match presets::by_id(id) {
                Some(p) => (p.json.to_string(), None),
                None => fallback(format!("there is no preset {p:?}")),
            };
        }
        (presets::DEFAULT.json.to_string(), None)
    }
}

/// `https://example.com` or `http://127.0.0.1:8080`: a scheme, a host, no path.
fn is_web_origin(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(['/', '?', '#', ' ']))
}

/// `%XX` and `+` decoding; bytes that do not form UTF-8 are replaced.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn current_location() -> Location {
    let loc = web_sys::window().map(|w| w.location());
    let search = loc
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    let hash = loc.as_ref().and_then(|l| l.hash().ok()).unwrap_or_default();
    Location::parse(&search, &hash)
}

/// What the timeline area shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum View {
    Run,
    Compare,
    Tour,
}

/// Writes the query part of the address bar (the hash stays), without a request.
fn write_query(query: &str) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let loc = w.location();
    let hash = loc.hash().unwrap_or_default();
    let url = if query.is_empty() {
        format!("{}{hash}", loc.pathname().unwrap_or_default())
    } else {
        format!("?{query}{hash}")
    };
    if loc.search().unwrap_or_default() != url.split('#').next().unwrap_or("") {
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// How long after the last valid edit the address bar is brought up to date.
const URL_DELAY_MS: u32 = 300;

/// A valid scenario not yet in the address bar, and the timer that will write it.
type PendingUrl = Rc<std::cell::RefCell<Option<(Rc<str>, Timeout)>>>;

/// Writes a pending scenario into the address bar (`#s=…`), if there is one.
fn flush_url(pending: &PendingUrl) {
    let Some((source, _timer)) = pending.borrow_mut().take() else {
        return;
    };
    let hash = share::encode(&source);
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
    }
}

/// Which of a run's tables [`RunTables`] draws.
#[derive(Clone, Copy, PartialEq)]
enum RunPart {
    /// The services side by side ([`compare_table`]).
    Compared,
    /// The summary's tables ([`summary_view`]).
    Summary,
}

#[derive(Properties, Clone)]
struct RunTablesProps {
    run: Rc<Trace>,
    part: RunPart,
}

impl PartialEq for RunTablesProps {
    /// The same run by identity: its tables do not change.
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.run, &other.run) && self.part == other.part
    }
}

/// A table of a run, drawn again only for another run. Every edit renders the page twice,
/// first with the last run still on show (the new run is simulated after that render), and
/// these tables were built and compared again in it, for nothing.
#[function_component(RunTables)]
fn run_tables(props: &RunTablesProps) -> Html {
    match props.part {
        RunPart::Compared => compare_table(&props.run),
        RunPart::Summary => summary_view(&props.run.summary),
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let location = use_memo((), |_| current_location());
    let link_problem = use_state(|| None::<String>);
    let state = {
        let link_problem = link_problem.clone();
        let location = location.clone();
        use_reducer(move || {
            let (source, problem) = location.initial_source();
            link_problem.set(problem);
            Playground::new(&source)
        })
    };

    // The address bar carries the current valid scenario, so "Copy link" and the browser's
    // own share both reproduce the run. It is written a moment after the edits stop (encoding
    // and replaceState took a few milliseconds of every knob change); "Copy link" writes a
    // pending one first. replaceState makes no request.
    let pending_url = use_mut_ref(|| None::<(Rc<str>, Timeout)>);
    {
        // The scenario by identity (see `state::same_scenario`).
        let scenario = state.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize);
        let source = state.source.clone();
        let valid = state.error.is_none();
        let pending = pending_url.clone();
        use_effect_with((scenario, valid), move |(_, valid)| {
            if *valid {
                let later = pending.clone();
                let timer = Timeout::new(URL_DELAY_MS, move || flush_url(&later));
                // Replacing the pending one drops (cancels) its timer.
                *pending.borrow_mut() = Some((source, timer));
            }
        });
    }
    let flush = {
        let pending = pending_url.clone();
        Callback::from(move |()| flush_url(&pending))
    };
    // Leaving or hiding the page (reload, bookmark, the browser's share) writes a pending one too.
    {
        let pending = pending_url.clone();
        use_effect_with((), move |_| {
            let listeners = web_sys::window().map(|w| {
                let (p1, p2) = (pending.clone(), pending);
                let hide = gloo_events::EventListener::new(&w, "pagehide", move |_| flush_url(&p1));
                let doc = w.document().map(|d| {
                    gloo_events::EventListener::new(&d, "visibilitychange", move |_| flush_url(&p2))
                });
                (hide, doc)
            });
            move || drop(listeners)
        });
    }

    let dispatch = {
        let state = state.clone();
        Callback::from(move |action: Action| state.dispatch(action))
    };

    // The view: the run, the compare view or the tour (`?compare`, `?tour`).
    let view = use_state(|| {
        if location.tour {
            View::Tour
        } else if location.compare.is_some() {
            View::Compare
        } else {
            View::Run
        }
    });
    let picked = use_state(|| {
        let names = location.compare.clone().unwrap_or_default();
        match &state.scenario {
            Some(s) => Picked::only(s, &names, location.shared),
            None => Picked::default(),
        }
    });
    // The tour cell opened last. It is on show (caption, address) only while the scenario
    // is still its question's preset, unedited, and the view is the compare view.
    let cell = use_state(|| {
        let id = location.preset.as_deref()?;
        let id = id.trim_start_matches("presets/").trim_end_matches(".json");
        let names = location.compare.as_ref().filter(|n| n.len() == 1)?;
        tour::cell(id, &names[0])
    });
    let open = (*cell).filter(|c| *view == View::Compare && tour::is_open(*c, &state.source));
    let choice = match (&*view, &state.scenario) {
        (View::Compare, Some(s)) => Some(Rc::new(picked.choice(s))),
        _ => None,
    };
    // The address bar says which view is on show, so that a copied link opens it.
    {
        let mut query: Vec<String> = Vec::new();
        if location.embed {
            query.push("embed".into());
        }
        if let Some(o) = &location.parent_origin {
            query.push(format!("origin={o}"));
        }
        match (&*view, open, &state.scenario) {
            (View::Compare, Some((q, s)), _) => query.push(tour::href(q, s)[1..].to_string()),
            (View::Compare, None, Some(s)) => query.push(picked.query(s)),
            (View::Tour, ..) => query.push("tour".into()),
            _ => {}
        }
        use_effect_with(query.join("&"), |q| write_query(q));
    }
    let open_cell = {
        let (dispatch, view, picked, cell) =
            (dispatch.clone(), view.clone(), picked.clone(), cell.clone());
        Callback::from(move |(q, s): (usize, usize)| {
            let Some(p) = presets::by_id(tour::QUESTIONS[q].0) else {
                return;
            };
            dispatch.emit(Action::Edit(p.json.to_string()));
            picked.set(Picked {
                left_out: tour::SERVICES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != s)
                    .map(|(_, (n, _))| n.to_string())
                    .collect(),
                shared: false,
            });
            cell.set(Some((q, s)));
            view.set(View::Compare);
        })
    };
    let comparing = choice.is_some();
    let (run, run_compared, cancel) = use_simulation(state.scenario.clone(), choice);
    let selection = use_state(|| None::<Selection>);
    // The same callback on every render, so that the timeline is not redrawn when only the
    // editor or the playhead changed.
    let on_select = {
        let selection = selection.clone();
        use_callback((), move |s: Selection, _| selection.set(Some(s)))
    };
    // While a new run is simulated (over several frames), the last run's timeline stays on
    // screen, marked busy, and is updated in place when the new one is done: no flash of an
    // empty page, and patching the drawing is cheaper than building it again.
    // (With whether it was a comparison: its table is drawn only for one.)
    let last_trace = use_mut_ref(|| None::<(Rc<Trace>, bool)>);
    if let RunState::Done(t, _) = &run {
        *last_trace.borrow_mut() = Some((t.clone(), run_compared));
    }
    let rewinds = Rc::new(
        state
            .scenario
            .as_deref()
            .map(shardscope_views::marks::rewinds)
            .unwrap_or_default(),
    );
    // The same shape while a new run is simulated (the last run's drawing, dimmed) as when
    // it is done, tables included: the page does not jump, and the drawing is patched in
    // place, not taken down and built again.
    let drawing = |trace: &Rc<Trace>, busy: bool, compared: bool| {
        html! {
            <div class={classes!("run", busy.then_some("stale"))} aria-busy={busy.to_string()}>
                // Compared, the services' table comes first: it is what the view is for.
                if compared {
                    <RunTables run={trace.clone()} part={RunPart::Compared} />
                }
                <Timeline trace={trace.clone()} on_select={on_select.clone()} rewinds={rewinds.clone()} />
                if !location.embed {
                    <RunTables run={trace.clone()} part={RunPart::Summary} />
                }
            </div>
        }
    };
    let run_view = match &run {
        RunState::Idle => html! {},
        RunState::Running { progress } => {
            let previous = last_trace.borrow().clone();
            // Over the last drawing if there is one; in the flow of the page otherwise.
            let slot = classes!("run-status-slot", previous.is_some().then_some("floating"));
            html! {
                <>
                    <div class={slot}>
                        <div class="run-status" role="status">
                            <label>
                                { "Simulating… " }
                                <progress max="1000" value={((progress * 1000.0) as u32).to_string()} />
                            </label>
                            <button type="button" onclick={cancel.reform(|_| ())}>{ "Cancel" }</button>
                        </div>
                    </div>
                    { for previous.map(|(t, compared)| drawing(&t, true, compared)) }
                </>
            }
        }
        RunState::Cancelled => html! {
            <p class="notice" role="status">{ "Run cancelled. Edit the scenario to run it again." }</p>
        },
        RunState::Failed(why) => html! {
            <p class="error" role="alert">{ format!("The run could not start: {why}") }</p>
        },
        RunState::Done(trace, busy_ms) => html! {
            <>
                // The same shape as while running, so the drawing is patched, not rebuilt.
                // `data-sim-ms`: the engine's wall-clock time for this run (for the browser
                // benchmark, which compares it with the native engine).
                <div class="run-status-slot" data-sim-ms={D1(*busy_ms).to_string()}></div>
                { for Some(trace).map(|t| drawing(t, false, run_compared)) }
            </>
        },
    };
    let summary = match &run {
        RunState::Done(trace, _) => Some(trace.summary.clone()),
        _ => None,
    };
    // A challenge is judged on the scenario's own run, not on a comparison.
    let challenge = state
        .scenario
        .as_ref()
        .filter(|_| !comparing)
        .and_then(|s| s.challenge.clone())
        .map(|c| challenge_view(&c, summary.as_ref()));
    let link_notice = (*link_problem).as_ref().map(|problem| html! {
        <p class="notice" role="status">
            { format!("The link's scenario could not be opened ({problem}); showing a preset instead.") }
        </p>
    });
    let selection_view = (*selection).as_ref().map(selection_html);
    let done = match &run {
        RunState::Done(t, _) => Some(t.clone()),
        _ => None,
    };
    let caption = match open {
        Some(c) => tour_caption(c, done.as_deref(), (!location.embed).then_some(&open_cell)),
        None => html! {},
    };

    if location.embed {
        return html! {
            <EmbedPage
                state={Rc::new((*state).clone())}
                dispatch={dispatch}
                run_view={run_view}
                challenge={challenge.unwrap_or_default()}
                summary={summary}
                selection={selection_view.unwrap_or_default()}
                notice={link_notice.unwrap_or_default()}
                parent_origin={location.parent_origin.clone()}
                caption={caption}
            />
        };
    }

    let scenario = html! {
        <ScenarioPanel state={Rc::new((*state).clone())} {dispatch} flush_url={flush} />
    };
    let tabs = html! {
        <div class="tabs view-tabs" role="tablist" aria-label="View">
            { for [(View::Run, "Run"), (View::Compare, "Compare services"), (View::Tour, "Tour of the article")]
                .into_iter()
                .map(|(v, label)| {
                    let view = view.clone();
                    let selected = *view == v;
                    html! {
                        <button type="button" role="tab" aria-selected={selected.to_string()}
                            onclick={Callback::from(move |_| view.set(v))}>{ label }</button>
                    }
                }) }
        </div>
    };
    let controls = match (&*view, &state.scenario) {
        (View::Compare, Some(s)) => {
            let (handle, cell) = (picked.clone(), cell.clone());
            let on_change = Callback::from(move |p: Picked| {
                cell.set(None);
                handle.set(p);
            });
            compare_controls(s, &picked, &on_change)
        }
        _ => html! {},
    };
    let timeline = match (&*view, &state.scenario) {
        (View::Tour, _) => html! {
            <>
                { tabs }
                { tour_grid(&open_cell, *cell) }
            </>
        },
        (_, Some(s)) => html! {
            <>
                { tabs }
                { controls }
                { caption }
                <div class="story">
                    <h3 class="story-title">{ s.title.clone() }</h3>
                    <p class="story-text">{ s.description.clone() }</p>
                    { for challenge }
                    { run_view }
                </div>
            </>
        },
        (_, None) => html! {
            <>
                { tabs }
                <p class="placeholder">{ "Fix the scenario to see its run." }</p>
            </>
        },
    };
    let inspector = html! {
        <>
            { for link_notice }
            if let Some(view) = selection_view {
                { view }
            } else {
                <p class="placeholder">{ "Select a mark on the timeline to see what happened, and why." }</p>
            }
        </>
    };
    html! { <Shell {scenario} {timeline} {inspector} /> }
}

fn selection_html(s: &Selection) -> Html {
    html! {
        <div class="selection" aria-live="polite">
            <h3>{ s.title.clone() }</h3>
            if !s.detail.is_empty() { <p>{ s.detail.clone() }</p> }
            if !s.facts.is_empty() {
                <dl class="facts">
                    { for s.facts.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
                </dl>
            }
            if let Some((why, link)) = &s.why {
                <p class="why">
                    <strong>{ "Why: " }</strong>{ why.clone() }
                    if let Some(link) = link {
                        { " " }<a href={link.clone()} target="_blank" rel="noopener noreferrer">{ "AWS documentation" }</a>
                    }
                </p>
            }
            if let Some(a) = &s.assumption {
                <p class="assumption"><strong>{ "Assumption: " }</strong>{ a.clone() }</p>
            }
        </div>
    }
}

#[derive(Properties)]
struct EmbedProps {
    state: Rc<Playground>,
    dispatch: Callback<Action>,
    run_view: Html,
    challenge: Html,
    summary: Option<shardscope_engine::trace::Summary>,
    selection: Html,
    notice: Html,
    parent_origin: Option<String>,
    caption: Html,
}

/// Always drawn again with the page: its parts are fresh each time, and comparing them
/// (trees of HTML) would cost more than it saves.
impl PartialEq for EmbedProps {
    fn eq(&self, _: &Self) -> bool {
        false
    }
}

/// The compact player for other people's pages: title, knobs, timeline and charts, a
/// summary line, and a link to the full playground with the same scenario.
#[function_component(EmbedPage)]
fn embed_page(props: &EmbedProps) -> Html {
    let root = use_node_ref();
    // Tell the embedding page our height after every render, and only that page.
    {
        let root = root.clone();
        let origin = props.parent_origin.clone();
        use_effect(move || {
            if let (Some(origin), Some(el), Some(w)) =
                (origin, root.cast::<web_sys::Element>(), web_sys::window())
            {
                let height = el.scroll_height();
                if let Ok(Some(parent)) = w.parent() {
                    let message = js_sys::Object::new();
                    let _ =
                        js_sys::Reflect::set(&message, &"type".into(), &"shardscope:height".into());
                    let _ = js_sys::Reflect::set(&message, &"height".into(), &height.into());
                    let _ = parent.post_message(&message, &origin);
                }
            }
        });
    }
    let full = share::encode(&props.state.source);
    let title = props
        .state
        .scenario
        .as_ref()
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let line = props.summary.as_ref().map(summary_line).unwrap_or_default();
    html! {
        <div class="embed" data-rendered-by="wasm" ref={root}>
            <header class="embed-head">
                <h1 class="story-title">{ title }</h1>
                <a class="open-full" href={format!("./{full}")} target="_blank" rel="noopener">
                    { "Open in Shardscope" }
                </a>
            </header>
            { props.notice.clone() }
            if let Some(s) = &props.state.scenario {
                <Knobs scenario={s.clone()} source={props.state.source.clone()} dispatch={props.dispatch.clone()} />
            }
            if let Some(e) = &props.state.error {
                <p class="error" role="alert">{ e.error.to_string() }</p>
            }
            { props.challenge.clone() }
            { props.caption.clone() }
            if !line.is_empty() {
                <p class="summary-line" aria-label="Summary">{ line }</p>
            }
            { props.run_view.clone() }
            { props.selection.clone() }
        </div>
    }
}

/// "enricher: 17,978 processed · 12 discarded · 0 expired · max iterator age 3.1 s".
pub fn summary_line(s: &shardscope_engine::trace::Summary) -> String {
    let mut parts: Vec<String> = s
        .consumers
        .iter()
        .map(|(name, c)| {
            format!(
                "{name}: {} processed · {} discarded · {} expired · max iterator age {}",
                group(c.processed),
                group(c.discarded),
                group(c.expired_unprocessed),
                shardscope_views::compare::age(c.max_iterator_age_ms)
            )
        })
        .collect();
    if s.stream.write_throttled_records > 0 || parts.is_empty() {
        parts.push(format!(
            "stream: {} records in · {} write-throttled",
            group(s.stream.incoming_records),
            group(s.stream.write_throttled_records)
        ));
    }
    parts.join(" — ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_embed_origin_and_preset_from_the_query() {
        let l = Location::parse("?embed&origin=https%3A%2F%2Fblog.example&preset=presets%2Fbisect-isolates-the-bad-record.json", "");
        assert!(l.embed);
        assert_eq!(l.parent_origin.as_deref(), Some("https://blog.example"));
        let (json, problem) = l.initial_source();
        assert!(problem.is_none());
        assert!(json.contains("Bisect isolates"));
    }

    #[test]
    fn reads_the_compare_view_and_the_tour_from_the_query() {
        let l = Location::parse("?preset=tour/scaling&compare=glue,lambda&shared", "");
        assert_eq!(
            l.compare,
            Some(vec!["glue".to_string(), "lambda".to_string()])
        );
        assert!(l.shared && !l.tour && !l.embed);
        assert!(l.initial_source().0.contains("Traffic grows fivefold"));
        let all = Location::parse("?compare", "");
        assert_eq!(all.compare, Some(Vec::new()));
        assert!(!all.shared);
        assert!(Location::parse("?tour", "").tour);
        assert_eq!(Location::parse("?embed", "").compare, None);
        assert_eq!(tour::cell("tour/scaling", "glue"), Some((2, 4)));
        assert_eq!(tour::cell("tour/scaling", "nope"), None);
        assert_eq!(
            tour::href(1, 0),
            "?preset=tour/error-handling&compare=lambda"
        );
        assert_eq!(
            tour::question(3, 2),
            "How do you reprocess data with Kinesis Data Analytics for SQL?"
        );
    }

    #[test]
    fn refuses_origins_that_are_not_origins() {
        for bad in [
            "*",
            "javascript:alert(1)",
            "https://a.example/path",
            "https://",
            "null",
        ] {
            let l = Location::parse(&format!("?embed&origin={bad}"), "");
            assert_eq!(l.parent_origin, None, "{bad}");
        }
    }

    #[test]
    fn reads_inline_json_and_reports_unknown_presets() {
        let l = Location::parse("", "#json=%7B%22a%22%3A1%7D");
        assert_eq!(l.initial_source().0, r#"{"a":1}"#);
        let l = Location::parse("?preset=nope", "");
        assert!(l.initial_source().1.unwrap().contains("no preset"));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
