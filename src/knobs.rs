//! Knobs: the few settings a scenario's author lets embed readers change
//! (`embed.knobs`, e.g. `consumers[0].EventSourceMapping.BatchSize`). Reading a knob looks at
//! the canonical scenario (so AWS defaults show); turning one writes into the reader's JSON.

use serde_json::Value;
use yew::prelude::*;

use crate::state::Action;
use shardscope_engine::scenario::Scenario;

#[derive(Debug, PartialEq)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, Some(rest.strip_suffix(']')?.parse().ok()?)),
            None => (part, None),
        };
        if key.is_empty() {
            return None;
        }
        out.push(Step::Key(key));
        if let Some(i) = index {
            out.push(Step::Index(i));
        }
    }
    Some(out)
}

/// The value at `path` in `v`.
pub fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    steps(path)?.iter().try_fold(v, |v, s| match s {
        Step::Key(k) => v.get(*k),
        Step::Index(i) => v.get(*i),
    })
}

/// `json` with the value at `path` set to `value`, objects created on the way; pretty
/// printed. Err if `json` is not JSON or the path crosses something that is not an object
/// or an existing array item.
pub fn set(json: &str, path: &str, value: Value) -> Result<String, String> {
    let mut root: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let steps = steps(path).ok_or_else(|| format!("bad path {path}"))?;
    let mut at = &mut root;
    for step in &steps {
        at = match step {
            Step::Key(k) => {
                let obj = at
                    .as_object_mut()
                    .ok_or_else(|| format!("{path}: not an object"))?;
                obj.entry(k.to_string())
                    .or_insert_with(|| Value::Object(Default::default()))
            }
            Step::Index(i) => at
                .get_mut(*i)
                .ok_or_else(|| format!("{path}: no item {i}"))?,
        };
    }
    *at = value;
    serde_json::to_string_pretty(&root).map_err(|e| e.to_string())
}

/// `json` with a setting at `path` set to `value`, like [`set`], except that a buffering
/// hint is written together with its sibling from `canonical`: AWS takes `SizeInMBs` and
/// `IntervalInSeconds` both or neither; and a Flink checkpoint or parallelism setting is
/// written with its block from `canonical` and `ConfigurationType` CUSTOM, which AWS
/// requires to change it.
pub fn set_setting(
    json: &str,
    canonical: &Value,
    path: &str,
    value: Value,
) -> Result<String, String> {
    if let Some((parent, leaf)) = path.rsplit_once('.') {
        if parent.ends_with("BufferingHints") {
            let mut pair = get(canonical, parent)
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default()));
            if let Some(m) = pair.as_object_mut() {
                m.insert(leaf.to_string(), value);
            }
            return set(json, parent, pair);
        }
        // A Flink checkpoint or parallelism setting needs ConfigurationType CUSTOM.
        if parent.ends_with("CheckpointConfiguration")
            || parent.ends_with("ParallelismConfiguration")
        {
            let mut block = get(canonical, parent)
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default()));
            if let Some(m) = block.as_object_mut() {
                if leaf != "ConfigurationType" {
                    m.insert("ConfigurationType".into(), "CUSTOM".into());
                }
                m.insert(leaf.to_string(), value);
            }
            return set(json, parent, block);
        }
    }
    set(json, path, value)
}

/// A number input's value as the browser parsed it (`valueAsNumber`), if it is a number.
/// Not `str::parse::<f64>`: the browser has parsed it already, and core's float parser is
/// about 5 KB of wasm.
pub fn browser_number(input: &web_sys::HtmlInputElement) -> Option<f64> {
    Some(input.value_as_number()).filter(|x| x.is_finite())
}

/// A knob's label: its last key, as AWS spells it.
pub fn label(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[derive(Properties)]
pub struct KnobsProps {
    pub scenario: std::rc::Rc<Scenario>,
    pub source: std::rc::Rc<str>,
    pub dispatch: Callback<Action>,
}

/// The scenario by identity (see [`crate::state::same_scenario`]).
impl PartialEq for KnobsProps {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.scenario, &other.scenario)
            && self.source == other.source
            && self.dispatch == other.dispatch
    }
}

/// The embed's knobs, as labelled inputs.
#[function_component(Knobs)]
pub fn knobs(props: &KnobsProps) -> Html {
    let Some(embed) = &props.scenario.embed else {
        return html! {};
    };
    let canonical = props.scenario.to_json();
    html! {
        <div class="knobs">
            { for embed.knobs.iter().map(|path| {
                let current = get(&canonical, path).cloned().unwrap_or(Value::Null);
                let source = props.source.clone();
                let dispatch = props.dispatch.clone();
                let p = path.clone();
                let id = format!("knob-{}", path.replace(['.', '[', ']'], "-"));
                let (canonical_b, canonical_n) = (canonical.clone(), canonical.clone());
                match current {
                    Value::Bool(on) => {
                        let onchange = Callback::from(move |e: Event| {
                            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                                if let Ok(json) = set_setting(&source, &canonical_b, &p, Value::Bool(input.checked())) {
                                    dispatch.emit(Action::Edit(json));
                                }
                            }
                        });
                        html! {
                            <label class="knob" for={id.clone()}>
                                <input type="checkbox" id={id} checked={on} {onchange} />
                                <span>{ label(path) }</span>
                            </label>
                        }
                    }
                    other => {
                        let onchange = Callback::from(move |e: Event| {
                            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                                let text = input.value();
                                let value = text
                                    .parse::<i64>()
                                    .ok()
                                    .map(Value::from)
                                    .or_else(|| browser_number(&input).map(Value::from));
                                if let Some(value) = value {
                                    if let Ok(json) = set_setting(&source, &canonical_n, &p, value) {
                                        dispatch.emit(Action::Edit(json));
                                    }
                                }
                            }
                        });
                        let shown = match other { Value::Null => String::new(), v => v.to_string() };
                        html! {
                            <label class="knob" for={id.clone()}>
                                <span>{ label(path) }</span>
                                <input type="number" id={id} value={shown} step="any" {onchange} />
                            </label>
                        }
                    }
                }
            }) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_and_writes_nested_paths_creating_objects() {
        let src = r#"{"consumers": [{"name": "a"}]}"#;
        let out = set(src, "consumers[0].EventSourceMapping.BatchSize", json!(500)).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            get(&v, "consumers[0].EventSourceMapping.BatchSize"),
            Some(&json!(500))
        );
        assert_eq!(get(&v, "consumers[0].name"), Some(&json!("a")));
        assert!(set(src, "consumers[3].x", json!(1)).is_err());
        assert!(set("[1]", "a", json!(1)).is_err());
        assert!(set("{", "a", json!(1)).is_err());
        assert_eq!(
            label("consumers[0].EventSourceMapping.BatchSize"),
            "BatchSize"
        );
    }

    #[test]
    fn a_buffering_hint_is_written_with_its_sibling() {
        let src =
            r#"{"consumers": [{"kind": "firehose", "ExtendedS3DestinationConfiguration": {}}]}"#;
        let canonical = json!({"consumers": [{"ExtendedS3DestinationConfiguration":
            {"BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300}}}]});
        let path = "consumers[0].ExtendedS3DestinationConfiguration.BufferingHints.SizeInMBs";
        let out = set_setting(src, &canonical, path, json!(64)).unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            get(
                &v,
                "consumers[0].ExtendedS3DestinationConfiguration.BufferingHints"
            ),
            Some(&json!({"SizeInMBs": 64, "IntervalInSeconds": 300}))
        );
    }
}
