//! `shardscope`: the command-line shell around the engine.
//!
//! ```text
//! shardscope simulate FILE                  a readable table of the summary
//! shardscope simulate FILE --json           summary v1, exactly (pretty JSON)
//! shardscope simulate FILE --trace OUT      also write the events, one JSON per line
//! shardscope validate FILE                  check a scenario without running it
//! shardscope render FILE --svg OUT          a static timeline, drawn like the playground
//! ```
//!
//! Exit codes: 0 success; 1 the simulation ran and the scenario's `challenge`
//! failed (the verdict is on stderr); 2 bad input or usage, with the message on stderr.

use std::fmt::Write as _;
use std::process::ExitCode;

use shardscope_engine::compare::{Choice, Runs};
use shardscope_engine::scenario::{self, format_duration, Scenario};
use shardscope_engine::trace::{EventKind, Trace};

const USAGE: &str = "\
shardscope — simulate Amazon Kinesis Data Streams and its consumers

USAGE:
    shardscope simulate FILE [--json] [--trace OUT.jsonl]
    shardscope validate FILE
    shardscope render FILE --svg OUT.svg [--width PIXELS]
    shardscope --help | --version

COMMANDS:
    simulate    Run the scenario in FILE and print its summary as a table
    validate    Check the scenario in FILE (format shardscope/1) without running it
    render      Run the scenario and draw its timeline and charts as a static SVG
                (for sites built without JavaScript); the same bytes every time

OPTIONS:
    --json           Print the summary v1 as JSON (format shardscope-summary/1)
    --trace OUT      Write every trace event to OUT, one JSON object per line
    -h, --help       Print this help
    -V, --version    Print the version

EXIT CODES:
    0    success
    1    the simulation ran and the scenario's challenge was not met
    2    bad input or usage (the reason is printed on stderr)
";

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

fn usage_error(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: format!("{}\n\nRun `shardscope --help` for usage.", message.into()),
    }
}

fn input_error(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

/// The parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Version,
    Validate {
        file: String,
    },
    Simulate {
        file: String,
        json: bool,
        trace: Option<String>,
        compare: Option<Compare>,
    },
    Render {
        file: String,
        svg: String,
        /// Whole pixels, so the command stays comparable (`Eq`).
        width: u32,
        compare: Option<Compare>,
    },
}

/// `--compare[=A,B]` and `--shared`: the consumers to compare (empty: all of them).
#[derive(Debug, Default, PartialEq, Eq)]
struct Compare {
    consumers: Vec<String>,
    shared: bool,
}

/// Reads `--compare`, `--compare=A,B` and `--shared` into `compare`; false for another argument.
fn compare_arg(a: &str, compare: &mut Option<Compare>, shared: &mut bool) -> bool {
    if a == "--shared" {
        *shared = true;
    } else if a == "--compare" {
        compare.get_or_insert_with(Compare::default);
    } else if let Some(names) = a.strip_prefix("--compare=") {
        let c = compare.get_or_insert_with(Compare::default);
        c.consumers.extend(
            names
                .split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string),
        );
    } else {
        return false;
    }
    true
}

/// `--shared` only means something with `--compare`.
fn with_shared(compare: Option<Compare>, shared: bool) -> Result<Option<Compare>, Failure> {
    match compare {
        Some(mut c) => {
            c.shared = shared;
            Ok(Some(c))
        }
        None if shared => Err(usage_error("--shared goes with --compare")),
        None => Ok(None),
    }
}

fn parse_args(args: &[String]) -> Result<Command, Failure> {
    let Some(first) = args.first() else {
        return Err(usage_error("missing command"));
    };
    match first.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "-V" | "--version" => Ok(Command::Version),
        "validate" => {
            let mut file = None;
            for a in &args[1..] {
                match a.as_str() {
                    "-h" | "--help" => return Ok(Command::Help),
                    s if s.starts_with('-') && s != "-" => {
                        return Err(usage_error(format!("unknown option for validate: {s}")))
                    }
                    s if file.is_none() => file = Some(s.to_string()),
                    s => return Err(usage_error(format!("unexpected argument: {s}"))),
                }
            }
            let file = file.ok_or_else(|| usage_error("validate needs a FILE"))?;
            Ok(Command::Validate { file })
        }
        "simulate" => {
            let mut file = None;
            let mut json = false;
            let mut trace = None;
            let (mut compare, mut shared) = (None, false);
            let mut rest = args[1..].iter();
            while let Some(a) = rest.next() {
                match a.as_str() {
                    "-h" | "--help" => return Ok(Command::Help),
                    s if compare_arg(s, &mut compare, &mut shared) => {}
                    "--json" => json = true,
                    "--trace" => match rest.next() {
                        Some(out) => trace = Some(out.clone()),
                        None => return Err(usage_error("--trace needs an output file")),
                    },
                    s if s.starts_with("--trace=") => {
                        trace = Some(s["--trace=".len()..].to_string());
                    }
                    s if s.starts_with('-') && s != "-" => {
                        return Err(usage_error(format!("unknown option for simulate: {s}")))
                    }
                    s if file.is_none() => file = Some(s.to_string()),
                    s => return Err(usage_error(format!("unexpected argument: {s}"))),
                }
            }
            let file = file.ok_or_else(|| usage_error("simulate needs a FILE"))?;
            let compare = with_shared(compare, shared)?;
            Ok(Command::Simulate {
                file,
                json,
                trace,
                compare,
            })
        }
        "render" => {
            let mut file = None;
            let mut svg = None;
            let mut width = 960;
            let (mut compare, mut shared) = (None, false);
            let mut rest = args[1..].iter();
            while let Some(a) = rest.next() {
                match a.as_str() {
                    "-h" | "--help" => return Ok(Command::Help),
                    s if compare_arg(s, &mut compare, &mut shared) => {}
                    "--svg" => match rest.next() {
                        Some(out) => svg = Some(out.clone()),
                        None => return Err(usage_error("--svg needs an output file")),
                    },
                    "--width" => {
                        let w = rest.next().and_then(|w| w.parse::<u32>().ok());
                        match w {
                            Some(w) if (320..=4000).contains(&w) => width = w,
                            _ => {
                                return Err(usage_error(
                                    "--width needs a number of pixels from 320 to 4000",
                                ))
                            }
                        }
                    }
                    "--png" => {
                        return Err(usage_error(
                            "--png is not supported; render --svg and convert it with any SVG tool",
                        ))
                    }
                    s if s.starts_with('-') && s != "-" => {
                        return Err(usage_error(format!("unknown option for render: {s}")))
                    }
                    s if file.is_none() => file = Some(s.to_string()),
                    s => return Err(usage_error(format!("unexpected argument: {s}"))),
                }
            }
            let file = file.ok_or_else(|| usage_error("render needs a FILE"))?;
            let svg = svg.ok_or_else(|| usage_error("render needs --svg OUT"))?;
            let compare = with_shared(compare, shared)?;
            Ok(Command::Render {
                file,
                svg,
                width,
                compare,
            })
        }
        other => Err(usage_error(format!("unknown command: {other}"))),
    }
}

/// Reads a file, or standard input for `-`.
fn read_input(file: &str) -> Result<String, Failure> {
    if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| input_error(format!("cannot read standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(file).map_err(|e| input_error(format!("cannot read {file}: {e}")))
}

fn load(file: &str) -> Result<Scenario, Failure> {
    let text = read_input(file)?;
    scenario::parse(&text).map_err(|e| input_error(format!("{file}: {e}")))
}

/// `1234567` → `"1,234,567"`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Renders the summary as aligned text tables.
fn table(s: &Scenario, t: &Trace) -> String {
    let mut out = String::new();
    let title = if s.title.is_empty() {
        "(untitled scenario)"
    } else {
        &s.title
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(
        out,
        "seed {}, {} simulated, trace {}",
        s.seed,
        format_duration(s.duration),
        t.hash()
    );
    let st = &t.summary.stream;
    let _ = writeln!(out, "\nstream {:?}", s.stream.stream_name);
    let rows = [
        ("incoming records", st.incoming_records),
        ("write-throttled records", st.write_throttled_records),
        ("read-throttled calls", st.read_throttled_calls),
        ("open shards at end", u64::from(st.open_shards_at_end)),
        ("shards created in all", u64::from(st.shards_total)),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "  {k:<26}{:>16}", thousands(v));
    }
    let rejected: Vec<String> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionRejected {
                action,
                error,
                reason,
            } => Some(format!(
                "  at {}: {action} rejected — {error}: {reason}",
                format_duration(e.at.since_start())
            )),
            _ => None,
        })
        .collect();
    if !rejected.is_empty() {
        let _ = writeln!(out, "\nrejected timeline actions");
        for r in rejected {
            let _ = writeln!(out, "{r}");
        }
    }
    if !t.summary.consumers.is_empty() {
        let headers = [
            "consumer",
            "kind",
            "in scope",
            "processed",
            "discarded",
            "expired",
            "pending",
            "redelivered",
            "max age ms",
            "order viol.",
        ];
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (name, c) in &t.summary.consumers {
            rows.push(vec![
                name.clone(),
                c.kind.clone(),
                thousands(c.records_in_scope),
                thousands(c.processed),
                thousands(c.discarded),
                thousands(c.expired_unprocessed),
                thousands(c.pending_at_end),
                thousands(c.redeliveries),
                thousands(c.max_iterator_age_ms),
                thousands(c.ordering_violations),
            ]);
        }
        let _ = writeln!(out);
        out.push_str(&columns(&headers, &rows, 2));
    }
    let firehose: Vec<Vec<String>> = t
        .summary
        .consumers
        .iter()
        .filter_map(|(name, c)| {
            let f = c.firehose.as_ref()?;
            Some(vec![
                name.clone(),
                thousands(f.delivery_batches),
                thousands(f.delivered_records),
                thousands(f.failed_delivery_attempts),
                thousands(f.records_to_backup),
                thousands(f.records_processing_failed),
                thousands(f.records_dropped_by_transform),
                thousands(f.max_data_freshness_ms),
            ])
        })
        .collect();
    if !firehose.is_empty() {
        let headers = [
            "firehose",
            "batches",
            "delivered",
            "failed attempts",
            "to S3 backup",
            "proc. failed",
            "dropped",
            "max freshness ms",
        ];
        let _ = writeln!(out);
        out.push_str(&columns(&headers, &firehose, 1));
    }
    let flink: Vec<Vec<String>> = t
        .summary
        .consumers
        .iter()
        .filter_map(|(name, c)| {
            let f = c.flink.as_ref()?;
            Some(vec![
                name.clone(),
                thousands(f.restarts),
                thousands(f.checkpoints_completed),
                thousands(f.snapshots),
                thousands(f.downtime_ms),
                thousands(f.duplicates_at_sink),
                thousands(f.records_skipped),
                thousands(f.max_millis_behind_latest),
                f.parallelism_at_end.to_string(),
                f.max_kpus.to_string(),
                format!("{:.3}", f.kpu_hours.0),
            ])
        })
        .collect();
    if !flink.is_empty() {
        let headers = [
            "flink",
            "restarts",
            "checkpoints",
            "snapshots",
            "downtime ms",
            "duplicates",
            "skipped",
            "max behind ms",
            "parallelism",
            "max KPUs",
            "KPU-hours",
        ];
        let _ = writeln!(out);
        out.push_str(&columns(&headers, &flink, 1));
    }
    let glue: Vec<Vec<String>> = t
        .summary
        .consumers
        .iter()
        .filter_map(|(name, c)| {
            let g = c.glue.as_ref()?;
            Some(vec![
                name.clone(),
                thousands(g.micro_batches),
                thousands(g.failed_batches),
                thousands(g.batch_retries),
                thousands(g.job_runs),
                thousands(g.failed_runs),
                thousands(g.duplicates),
                thousands(g.max_batch_processing_ms),
                g.max_workers.to_string(),
                format!("{:.3}", g.dpu_hours.0),
            ])
        })
        .collect();
    if !glue.is_empty() {
        let headers = [
            "glue",
            "batches",
            "failed attempts",
            "retries",
            "runs",
            "failed runs",
            "duplicates",
            "max batch ms",
            "max workers",
            "DPU-hours",
        ];
        let _ = writeln!(out);
        out.push_str(&columns(&headers, &glue, 1));
    }
    let kda: Vec<Vec<String>> = t
        .summary
        .consumers
        .iter()
        .filter_map(|(name, c)| {
            let k = c.kda_sql.as_ref()?;
            Some(vec![
                name.clone(),
                thousands(k.error_stream_records),
                thousands(k.windows_emitted),
                thousands(k.destination_retries),
                thousands(k.duplicates),
                thousands(k.max_millis_behind_latest),
                k.kpus.to_string(),
            ])
        })
        .collect();
    if !kda.is_empty() {
        let headers = [
            "kda_sql (retired)",
            "error_stream",
            "windows",
            "retries",
            "duplicates",
            "max behind ms",
            "max KPUs",
        ];
        let _ = writeln!(out);
        out.push_str(&columns(&headers, &kda, 1));
    }
    if let Some(c) = &t.summary.cost {
        out.push_str(&cost_table(c));
    }
    let skipped: Vec<String> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ConsumerNotSimulated { consumer, kind } => {
                Some(format!("{consumer} ({kind})"))
            }
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        let _ = writeln!(
            out,
            "\nnot simulated by this version (the stream was simulated without them): {}",
            skipped.join(", ")
        );
    }
    out
}

/// The cost estimate, meter by meter.
fn cost_table(c: &shardscope_engine::cost::Cost) -> String {
    use shardscope_views::compare::{number, usd};
    let mut rows = Vec::new();
    let parts = [("stream", &c.stream, c.stream_usd)].into_iter().chain(
        c.consumers
            .iter()
            .map(|(n, k)| (n.as_str(), &k.items, k.usd)),
    );
    for (part, items, total) in parts {
        for i in items {
            rows.push(vec![
                part.to_string(),
                i.per.clone(),
                number(i.quantity),
                format!("${}", i.unit_usd),
                format!("${}", number(i.usd)),
            ]);
        }
        rows.push(vec![
            part.to_string(),
            "total".into(),
            String::new(),
            String::new(),
            usd(total),
        ]);
    }
    let mut out = format!(
        "\ncost: {} {} ({}, prices checked {})\n",
        usd(c.total_usd),
        "in all",
        c.label,
        c.prices_checked
    );
    out.push_str(&columns(
        &["part", "meter", "quantity", "unit price", "USD"],
        &rows,
        2,
    ));
    out
}

/// A table: the first `text` columns left-aligned, the others (numbers) right-aligned.
fn columns(headers: &[&str], rows: &[Vec<String>], text: usize) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i < text {
                l.push_str(c);
                l.push_str(&" ".repeat(pad));
            } else {
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            }
            l.push_str("  ");
        }
        l.trim_end().to_string()
    };
    let mut out = String::new();
    let head: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&head));
    for r in rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}

fn run(args: &[String]) -> Result<(), Failure> {
    match parse_args(args)? {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Version => {
            println!("shardscope {}", shardscope_engine::VERSION);
            Ok(())
        }
        Command::Render {
            file,
            svg,
            width,
            compare,
        } => {
            let s = load(&file)?;
            let t = simulate(&file, &s, compare.as_ref())?;
            let drawing = match compare {
                Some(_) => shardscope_views::svg::render_compare(&t, f64::from(width)),
                None => shardscope_views::svg::render(&t, f64::from(width)),
            };
            std::fs::write(&svg, drawing)
                .map_err(|e| input_error(format!("cannot write {svg}: {e}")))?;
            Ok(())
        }
        Command::Validate { file } => {
            let s = load(&file)?;
            println!(
                "{file}: ok — {:?}, {} simulated, {} shard(s), {} producer(s), {} consumer(s), {} timeline entr{}",
                s.title,
                format_duration(s.duration),
                s.stream.shard_count,
                s.producers.len(),
                s.consumers.len(),
                s.timeline.len(),
                if s.timeline.len() == 1 { "y" } else { "ies" }
            );
            Ok(())
        }
        Command::Simulate {
            file,
            json,
            trace,
            compare,
        } => {
            let s = load(&file)?;
            let t = simulate(&file, &s, compare.as_ref())?;
            if let Some(out) = trace {
                std::fs::write(&out, t.events_jsonl())
                    .map_err(|e| input_error(format!("cannot write {out}: {e}")))?;
            }
            if json {
                out(&format!("{}\n", t.summary_json()));
            } else {
                out(&table(&s, &t));
                if compare.is_some() {
                    out(&compare_table(&t));
                }
            }
            match &s.challenge {
                Some(c) => verdict(c, &t),
                None => Ok(()),
            }
        }
    }
}

/// Runs `s`, or compares its consumers: each on its own copy of the stream unless
/// `--shared` (all of them without names).
fn simulate(file: &str, s: &Scenario, compare: Option<&Compare>) -> Result<Trace, Failure> {
    let choice = match compare {
        None => None,
        Some(c) => {
            for n in &c.consumers {
                if !s.consumers.iter().any(|k| &k.name == n) {
                    return Err(usage_error(format!(
                        "--compare: {file} has no consumer named {n:?}"
                    )));
                }
            }
            let consumers = if c.consumers.is_empty() {
                s.consumers.iter().map(|k| k.name.clone()).collect()
            } else {
                c.consumers.clone()
            };
            Some(Choice {
                consumers,
                shared: c.shared,
            })
        }
    };
    let runs = Runs::new(s, choice.as_ref()).map_err(|e| input_error(format!("{file}: {e}")))?;
    Ok(runs.finish())
}

/// The compare table: one row a service, and its verdict under it.
fn compare_table(t: &Trace) -> String {
    use shardscope_views::compare::{age, group, rows, usd};
    let headers = [
        "compare",
        "service",
        "processed",
        "discarded",
        "expired",
        "read again",
        "max lag",
        "downtime",
        "cost",
    ];
    let rows = rows(t);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.service.to_string(),
                group(r.processed),
                group(r.discarded),
                group(r.expired),
                group(r.again),
                format!("{} {}", age(r.lag_ms), r.lag_label),
                r.downtime_us.map_or("—".to_string(), |d| age(d / 1_000)),
                r.usd.map_or("—".to_string(), usd),
            ]
        })
        .collect();
    let mut out = String::from("\n");
    out.push_str(&columns(&headers, &cells, 2));
    for r in &rows {
        let _ = writeln!(out, "  {}: {}", r.name, r.verdict);
    }
    if let Some(c) = &t.summary.cost {
        let _ = writeln!(
            out,
            "  the stream itself: {} ({}, prices of {})",
            usd(c.stream_usd),
            c.label,
            c.prices_checked
        );
    }
    out
}

/// Reports the challenge's verdict on stderr (stdout stays the summary); a failed
/// challenge is exit code 1.
fn verdict(c: &scenario::Challenge, t: &Trace) -> Result<(), Failure> {
    let v = shardscope_engine::challenge::evaluate(c, &t.summary);
    let mut report = format!("challenge: {}\n", c.brief);
    for g in &v.goals {
        let actual = g.actual.map_or("missing".to_string(), |a| a.to_string());
        let mark = if g.met { "met" } else { "NOT met" };
        let _ = writeln!(
            report,
            "  {:<40} {mark:<8} (actual {actual})",
            g.goal.describe()
        );
    }
    if v.met {
        eprintln!("{report}challenge met");
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            message: format!("{report}challenge not met"),
        })
    }
}

/// Writes to standard output; a reader that went away (`shardscope simulate F | head`) ends
/// the program quietly instead of a panic.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("shardscope: cannot write the output: {e}");
        std::process::exit(2);
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("shardscope: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_commands_and_options() {
        assert_eq!(parse_args(&args("--help")).ok(), Some(Command::Help));
        assert_eq!(
            parse_args(&args("simulate a.json --json --trace t.jsonl")).ok(),
            Some(Command::Simulate {
                file: "a.json".into(),
                json: true,
                trace: Some("t.jsonl".into()),
                compare: None,
            })
        );
        assert_eq!(
            parse_args(&args("render a.json --svg o.svg --compare=fn,fh --shared")).ok(),
            Some(Command::Render {
                file: "a.json".into(),
                svg: "o.svg".into(),
                width: 960,
                compare: Some(Compare {
                    consumers: vec!["fn".into(), "fh".into()],
                    shared: true,
                }),
            })
        );
        assert_eq!(
            parse_args(&args("validate a.json")).ok(),
            Some(Command::Validate {
                file: "a.json".into()
            })
        );
        for bad in [
            "",
            "frobnicate",
            "simulate",
            "simulate a b",
            "simulate a --nope",
            "simulate a --trace",
            "simulate a --shared",
        ] {
            let e = parse_args(&args(bad)).expect_err(bad);
            assert_eq!(e.code, 2, "{bad}");
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(51_839_994), "51,839,994");
    }
}
