//! Recorded sessions: every [`Input`] a runtime fed to the core, with its time.
//!
//! Because the core is sans-IO and deterministic, a recording replays exactly: a
//! fresh [`Speaker`] fed the same inputs at the same instants produces the same
//! outputs. That turns a live session (oxbgp against GoBGP, BIRD, ...) into a
//! regression test that needs no network, no peer daemon and no clock.
//!
//! The format is JSON lines (one JSON value per line, `\n`-terminated):
//!
//! ```text
//! {"oxbgp-recording":1,"version":"0.1.0","config":{...},"settings":{...}}
//! {"t":0,"input":"Tick"}
//! {"t":1523000,"input":{"Connected":{"conn":1,"local":"127.0.0.1:40000","remote":"127.0.0.1:179"}}}
//! ```
//!
//! `t` is nanoseconds since the runtime started (the core's [`Instant`]). A replay
//! prints outputs the same way: `{"t":..,"output":<Output>}`.
//!
//! This module only formats and parses lines: runtimes write them wherever they
//! like (the core never does I/O).

use crate::config::Config;
use crate::io::{Input, Output};
use crate::settings::Settings;
use crate::speaker::{DaemonIdentity, Speaker};
use crate::time::Instant;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Version of the recording format written in the header. Bump it when a change
/// makes old recordings unreadable.
pub const FORMAT: u32 = 1;

/// The first line of a recording: what the core was started with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Recording format version ([`FORMAT`]).
    #[serde(rename = "oxbgp-recording")]
    pub format: u32,
    /// The oxbgp release that recorded it (informative only).
    pub version: String,
    pub config: Config,
    pub settings: Settings,
    /// What the runtime told the core about the daemon (pid, host, wall clock at
    /// the origin): it shows in API messages, so a replay must use the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The configuration file's text: if `config` no longer deserialises (the
    /// model gained a field), the replay parses this instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_text: Option<String>,
    /// The `exabgp.*` environment the settings came from: the fallback when
    /// `settings` no longer deserialises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
}

/// [`DaemonIdentity`] as recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub pid: u32,
    pub ppid: u32,
    pub host: String,
    pub epoch_at_origin: f64,
}

// The wall-clock origin is a finite float (it comes from the system clock), so
// equality is an equivalence here.
impl Eq for Identity {}

impl From<&DaemonIdentity> for Identity {
    fn from(d: &DaemonIdentity) -> Identity {
        Identity {
            pid: d.pid,
            ppid: d.ppid,
            host: d.host.clone(),
            epoch_at_origin: d.epoch_at_origin,
        }
    }
}

impl From<Identity> for DaemonIdentity {
    fn from(i: Identity) -> DaemonIdentity {
        DaemonIdentity {
            pid: i.pid,
            ppid: i.ppid,
            host: i.host,
            epoch_at_origin: i.epoch_at_origin,
        }
    }
}

/// One recorded input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputLine {
    /// Nanoseconds since the runtime's origin.
    pub t: u64,
    pub input: Input,
    /// The runtime fed the next input before draining the outputs (it hands
    /// over everything it read in one cycle, then drains once). Absent: drained.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
}

/// One replayed output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLine {
    pub t: u64,
    pub output: Output,
}

/// A parsed recording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recording {
    pub header: Header,
    /// Each input with its time and whether another one followed before the
    /// outputs were drained ([`InputLine::more`]).
    pub inputs: Vec<(Instant, Input, bool)>,
}

/// Why a recording could not be read.
#[derive(Debug)]
pub enum RecordError {
    /// The file is empty (no header line).
    Empty,
    /// The header is not a recording header (or an unsupported format version).
    BadHeader { reason: String },
    /// A line (1-based) is not valid JSON for an input line.
    BadLine { line: usize, reason: String },
    /// Inputs must be in time order: a line goes back in time.
    TimeWentBack { line: usize },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Empty => write!(f, "empty recording (no header line)"),
            RecordError::BadHeader { reason } => {
                write!(f, "line 1: not an oxbgp recording: {reason}")
            }
            RecordError::BadLine { line, reason } => write!(f, "line {line}: {reason}"),
            RecordError::TimeWentBack { line } => {
                write!(f, "line {line}: time goes back (inputs must be in order)")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Formats recording lines. Pure: the caller writes the returned strings.
#[derive(Debug, Default)]
pub struct Recorder {
    lines: u64,
    config_text: Option<String>,
    env: Option<BTreeMap<String, String>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Also record where the configuration and settings came from (the file's
    /// text and the `exabgp.*` environment), so the recording outlives changes
    /// to the configuration model's JSON form.
    pub fn with_sources(
        mut self,
        config_text: Option<String>,
        env: Option<BTreeMap<String, String>>,
    ) -> Recorder {
        self.config_text = config_text;
        self.env = env;
        self
    }

    /// The header line (with its trailing newline). `identity`: what the runtime
    /// passed to [`Speaker::set_identity`], if anything.
    pub fn header(
        &mut self,
        config: &Config,
        settings: &Settings,
        identity: Option<&DaemonIdentity>,
    ) -> String {
        let h = HeaderRef {
            format: FORMAT,
            version: crate::RELEASE,
            config,
            settings,
            identity: identity.map(Identity::from),
            config_text: self.config_text.as_deref(),
            env: self.env.as_ref(),
        };
        self.lines += 1;
        line(&h)
    }

    /// The line for one input fed at `now` (with its trailing newline). `more`:
    /// the runtime feeds another input before draining the outputs.
    pub fn input(&mut self, now: Instant, input: &Input, more: bool) -> String {
        self.lines += 1;
        line(&InputLineRef {
            t: now.as_nanos(),
            input,
            more,
        })
    }

    /// How many lines this recorder produced.
    pub fn lines(&self) -> u64 {
        self.lines
    }
}

/// The replay line for one output (with its trailing newline).
pub fn output_line(now: Instant, output: &Output) -> String {
    line(&OutputLineRef {
        t: now.as_nanos(),
        output,
    })
}

// Borrowing twins of the line types, so recording does not clone every input.
#[derive(Serialize)]
struct HeaderRef<'a> {
    #[serde(rename = "oxbgp-recording")]
    format: u32,
    version: &'a str,
    config: &'a Config,
    settings: &'a Settings,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Identity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'a BTreeMap<String, String>>,
}

#[derive(Serialize)]
struct InputLineRef<'a> {
    t: u64,
    input: &'a Input,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    more: bool,
}

#[derive(Serialize)]
struct OutputLineRef<'a> {
    t: u64,
    output: &'a Output,
}

fn line<T: Serialize>(v: &T) -> String {
    // Serialising these types can not fail: every map key is a string and there
    // are no non-finite floats; fall back to an empty JSON object just in case.
    let mut s = serde_json::to_string(v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The header, falling back to the recorded sources for the configuration and
/// settings when their JSON form no longer matches this build's model.
fn parse_header(line: &str) -> Result<Header, RecordError> {
    let bad = |reason: String| RecordError::BadHeader { reason };
    if let Ok(h) = serde_json::from_str::<Header>(line) {
        return Ok(h);
    }
    let mut v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
    let Some(obj) = v.as_object_mut() else {
        return Err(bad("not a JSON object".into()));
    };
    let format = obj
        .get("oxbgp-recording")
        .and_then(|f| f.as_u64())
        .ok_or_else(|| bad("no \"oxbgp-recording\" format number".into()))?;
    let field = |obj: &serde_json::Map<String, serde_json::Value>, k: &str| obj.get(k).cloned();
    let config_text: Option<String> =
        field(obj, "config_text").and_then(|t| t.as_str().map(String::from));
    let env: Option<BTreeMap<String, String>> =
        field(obj, "env").and_then(|e| serde_json::from_value(e).ok());
    let config = match field(obj, "config").map(serde_json::from_value::<Config>) {
        Some(Ok(c)) => c,
        other => {
            let why = match other {
                Some(Err(e)) => e.to_string(),
                _ => "missing".into(),
            };
            let path = field(obj, "config")
                .and_then(|c| c.get("path").and_then(|p| p.as_str().map(String::from)))
                .unwrap_or_default();
            let text = config_text
                .as_deref()
                .ok_or_else(|| bad(format!("config: {why}, and no config_text to parse")))?;
            crate::config::parser::parse_str(text, &path)
                .map_err(|e| bad(format!("config: {why}; config_text: {e}")))?
        }
    };
    let settings = match field(obj, "settings").map(serde_json::from_value::<Settings>) {
        Some(Ok(s)) => s,
        other => {
            let why = match other {
                Some(Err(e)) => e.to_string(),
                _ => "missing".into(),
            };
            let env = env
                .as_ref()
                .ok_or_else(|| bad(format!("settings: {why}, and no env to rebuild them")))?;
            Settings::from_lookup(|k| env.get(k).cloned())
                .map_err(|e| bad(format!("settings: {why}; env: {e}")))?
        }
    };
    let identity = field(obj, "identity").and_then(|i| serde_json::from_value(i).ok());
    let version = field(obj, "version")
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    Ok(Header {
        format: u32::try_from(format).unwrap_or(u32::MAX),
        version,
        config,
        settings,
        identity,
        config_text,
        env,
    })
}

/// Parse a whole recording. Blank lines are ignored.
pub fn parse(text: &str) -> Result<Recording, RecordError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or(RecordError::Empty)?;
    let header = parse_header(first)?;
    if header.format != FORMAT {
        return Err(RecordError::BadHeader {
            reason: format!("format {} (this build reads {FORMAT})", header.format),
        });
    }
    let mut inputs = Vec::new();
    let mut last = 0u64;
    for (i, l) in lines {
        let il: InputLine = serde_json::from_str(l).map_err(|e| RecordError::BadLine {
            line: i + 1,
            reason: e.to_string(),
        })?;
        if il.t < last {
            return Err(RecordError::TimeWentBack { line: i + 1 });
        }
        last = il.t;
        inputs.push((Instant::from_nanos(il.t), il.input, il.more));
    }
    Ok(Recording { header, inputs })
}

/// Replay a recording into a fresh speaker started at [`Instant::ZERO`] (as the
/// runtimes start it), calling `sink` with every output in order, `Timeout`s
/// included (they end each drain, as in a runtime).
pub fn replay(recording: Recording, mut sink: impl FnMut(Instant, &Output)) {
    let Recording { header, inputs } = recording;
    let mut speaker = Speaker::new(header.config, header.settings, Instant::ZERO);
    if let Some(id) = header.identity {
        speaker.set_identity(id.into());
    }
    drain(&mut speaker, Instant::ZERO, &mut sink);
    let mut pending = false;
    let mut last = Instant::ZERO;
    for (t, input, more) in inputs {
        speaker.handle_input(t, input);
        last = t;
        pending = more;
        if !more {
            drain(&mut speaker, t, &mut sink);
        }
    }
    // A recording cut in the middle of a batch: drain what was fed.
    if pending {
        drain(&mut speaker, last, &mut sink);
    }
}

fn drain(speaker: &mut Speaker, t: Instant, sink: &mut impl FnMut(Instant, &Output)) {
    loop {
        let o = speaker.poll_output();
        sink(t, &o);
        if matches!(o, Output::Timeout(_)) {
            return;
        }
    }
}

/// Replay and return the output lines as one string (what `oxbgp replay` prints).
pub fn replay_to_string(recording: Recording) -> String {
    let mut out = String::new();
    replay(recording, |t, o| out.push_str(&output_line(t, o)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{ConnId, Control, ProcId};
    use bytes::Bytes;
    use quickcheck::{Arbitrary, Gen, QuickCheck};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

    #[derive(Clone, Debug)]
    struct AnyInput(Input);

    fn addr(g: &mut Gen) -> SocketAddr {
        let ip = if bool::arbitrary(g) {
            IpAddr::V4(Ipv4Addr::from(u32::arbitrary(g)))
        } else {
            IpAddr::V6(Ipv6Addr::from(u128::arbitrary(g)))
        };
        SocketAddr::new(ip, u16::arbitrary(g))
    }

    impl Arbitrary for AnyInput {
        fn arbitrary(g: &mut Gen) -> Self {
            let conn = ConnId(u64::arbitrary(g));
            let process = ProcId(u32::arbitrary(g));
            AnyInput(match u8::arbitrary(g) % 14 {
                0 => Input::Tick,
                1 => Input::Connected {
                    conn,
                    local: addr(g),
                    remote: addr(g),
                },
                2 => Input::ConnectFailed {
                    conn,
                    reason: String::arbitrary(g),
                },
                3 => Input::Received {
                    conn,
                    data: Bytes::from(Vec::<u8>::arbitrary(g)),
                },
                4 => Input::Closed {
                    conn,
                    reason: String::arbitrary(g),
                },
                5 => Input::ListenFailed {
                    addr: addr(g),
                    reason: String::arbitrary(g),
                },
                6 => Input::ProcessStarted {
                    process,
                    pid: u32::arbitrary(g),
                },
                7 => Input::ProcessSpawnFailed {
                    process,
                    reason: String::arbitrary(g),
                },
                8 => Input::ProcessLine {
                    process,
                    line: String::arbitrary(g),
                },
                9 => Input::ProcessExited {
                    process,
                    status: Option::<i32>::arbitrary(g),
                },
                10 => Input::Control(Control::Shutdown),
                11 => Input::Control(Control::Command(String::arbitrary(g))),
                12 => Input::ProcessLines {
                    process,
                    text: String::arbitrary(g),
                },
                _ => Input::Control(Control::Reload(Box::default())),
            })
        }
    }

    #[test]
    fn any_input_survives_a_json_line_round_trip() {
        fn prop(t: u64, i: AnyInput, more: bool) -> bool {
            let mut r = Recorder::new();
            let l = r.input(Instant::from_nanos(t), &i.0, more);
            // One line per input: the encoder must never emit a raw newline.
            if l.matches('\n').count() != 1 || !l.ends_with('\n') {
                return false;
            }
            let back: InputLine = match serde_json::from_str(l.trim_end()) {
                Ok(b) => b,
                Err(_) => return false,
            };
            back.t == t && back.input == i.0 && back.more == more
        }
        QuickCheck::new()
            .tests(2000)
            .quickcheck(prop as fn(u64, AnyInput, bool) -> bool);
    }

    #[test]
    fn a_recording_parses_back_to_what_was_recorded() {
        let mut r = Recorder::new();
        let config = Config::default();
        let settings = Settings::default();
        let inputs = vec![
            (Instant::from_nanos(5), Input::Tick, true),
            (
                Instant::from_nanos(7),
                Input::Received {
                    conn: ConnId(1),
                    data: Bytes::from_static(&[0xff, 0, 19, 4]),
                },
                false,
            ),
        ];
        let identity = DaemonIdentity {
            pid: 7,
            ppid: 1,
            host: "h".into(),
            epoch_at_origin: 1700000000.25,
        };
        let mut text = r.header(&config, &settings, Some(&identity));
        for (t, i, more) in &inputs {
            text.push_str(&r.input(*t, i, *more));
        }
        assert!(text.starts_with("{\"oxbgp-recording\":1,"), "{text}");
        assert_eq!(r.lines(), 3);
        let rec = parse(&text).unwrap();
        assert_eq!(rec.header.config, config);
        assert_eq!(rec.header.settings, settings);
        assert_eq!(rec.header.identity, Some(Identity::from(&identity)));
        assert_eq!(rec.inputs, inputs);
    }

    #[test]
    fn bad_recordings_are_errors_with_line_numbers() {
        assert!(matches!(parse(""), Err(RecordError::Empty)));
        assert!(matches!(
            parse("{\"x\":1}\n"),
            Err(RecordError::BadHeader { .. })
        ));
        let mut r = Recorder::new();
        let h = r.header(&Config::default(), &Settings::default(), None);
        let text = format!("{h}{{\"t\":1,\"input\":\"Nope\"}}\n");
        match parse(&text) {
            Err(RecordError::BadLine { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        let text = format!(
            "{h}{}{}",
            r.input(Instant::from_nanos(9), &Input::Tick, false),
            r.input(Instant::from_nanos(3), &Input::Tick, false)
        );
        assert!(matches!(
            parse(&text),
            Err(RecordError::TimeWentBack { line: 3 })
        ));
        let text = h.replace("\"oxbgp-recording\":1", "\"oxbgp-recording\":99");
        assert!(matches!(parse(&text), Err(RecordError::BadHeader { .. })));
    }

    #[test]
    fn a_header_whose_model_json_is_stale_falls_back_to_the_sources() {
        let text = "neighbor 127.0.0.2 { router-id 10.0.0.1; local-address 127.0.0.1; local-as 1; peer-as 2; }\n";
        let config = crate::config::parser::parse_str(text, "x.conf").unwrap();
        let mut env = BTreeMap::new();
        env.insert("exabgp.tcp.port".to_string(), "1790".to_string());
        let mut r = Recorder::new().with_sources(Some(text.into()), Some(env));
        let h = r.header(&config, &Settings::default(), None);
        // Simulate a model change: the JSON forms no longer deserialise.
        let mut v: serde_json::Value = serde_json::from_str(&h).unwrap();
        v["config"] = serde_json::json!({"path": "x.conf", "renamed_field": 1});
        v["settings"] = serde_json::json!({"gone": true});
        let rec = parse(&format!("{v}\n")).unwrap();
        assert_eq!(rec.header.config.neighbors, config.neighbors);
        assert_eq!(rec.header.settings.tcp_port, 1790);
        // Without sources the same header is an error, not a panic.
        v.as_object_mut().unwrap().remove("config_text");
        assert!(matches!(
            parse(&format!("{v}\n")),
            Err(RecordError::BadHeader { .. })
        ));
    }

    #[test]
    fn replay_of_an_empty_config_is_one_timeout_per_step() {
        let mut r = Recorder::new();
        let mut text = r.header(&Config::default(), &Settings::default(), None);
        text.push_str(&r.input(Instant::from_secs(1), &Input::Tick, false));
        let out = replay_to_string(parse(&text).unwrap());
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.len() >= 2, "{out}");
        assert!(lines.last().unwrap().contains("Timeout"), "{out}");
        // Replaying twice gives the same bytes.
        assert_eq!(out, replay_to_string(parse(&text).unwrap()));
    }
}
