//! Every kind of bad input gets a located, specific problem (never a panic).

use super::*;

fn field(p: &Problem) -> &str {
    p.field.as_deref().unwrap_or("")
}

#[test]
fn toml_syntax_error_is_located() {
    let dir = files(&[("bad.toml", "name = \"x\"\nhorizon = \"2030-12\n")]);
    let p = one_problem(load(&dir.path().join("bad.toml"), &[]));
    let loc = p.loc.expect("located");
    assert!(loc.file.ends_with("bad.toml"));
    assert_eq!((loc.line, loc.col), (2, 19));
    assert!(p.message.contains("TOML syntax error"), "{}", p.message);
}

#[test]
fn unknown_key_suggests_the_nearest() {
    let p = one_problem(child_of_tiny(
        "[[vendor]]\nname = \"Frontier\"\nlagg = 0.1\n",
        &[],
    ));
    assert_eq!(field(&p), "vendor.Frontier.lagg");
    assert_eq!(p.message, "unknown key `lagg`");
    assert_eq!(p.help.as_deref(), Some("did you mean `lag`?"));
    let loc = p.loc.unwrap();
    assert!(loc.file.ends_with("child.toml"));
    assert_eq!((loc.line, loc.col), (5, 1));

    let p = one_problem(child_of_tiny("[capabilty]\npace = 1.0\n", &[]));
    assert_eq!(p.message, "unknown key `capabilty`");
    assert_eq!(p.help.as_deref(), Some("did you mean `capability`?"));

    let p = one_problem(child_of_tiny("[segment.enterprize]\ncohorts = 3\n", &[]));
    assert_eq!(field(&p), "segment.enterprize");
    assert!(p.help.unwrap().contains("`enterprise`"));
}

#[test]
fn unknown_keys_do_not_hide_the_files_other_problems() {
    // Two unknown keys (one inside an entry) and a target naming no metric: all three.
    let ps = problems(child_of_tiny(
        "[capability]\npacee = 1.0\n[[vendor]]\nname = \"Frontier\"\nlagg = 0.1\n\
         [[target]]\nmetric = \"nonexistent.metric\"\nyear = 2030\nat_least = 5\n",
        &[],
    ));
    let messages: Vec<&str> = ps.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(ps.len(), 3, "{messages:?}");
    assert!(messages.contains(&"unknown key `pacee`"), "{messages:?}");
    assert!(messages.contains(&"unknown key `lagg`"), "{messages:?}");
    assert!(
        messages.iter().any(|m| m.contains("nonexistent.metric")),
        "{messages:?}"
    );
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    let p = one_problem(child_of_tiny(
        "[segment.enterprise]\ncohorts = \"many\"\n",
        &[],
    ));
    assert_eq!(field(&p), "segment.enterprise.cohorts");
    assert!(
        p.message.contains("string \"many\"") && p.message.contains("whole number"),
        "{}",
        p.message
    );
    assert_eq!(p.loc.unwrap().line, 4);

    let p = one_problem(child_of_tiny("[capability]\npace = \"fast\"\n", &[]));
    assert_eq!(field(&p), "capability.pace");
    assert!(
        p.message.contains("expected a number or a distribution") && p.message.contains("\"fast\""),
        "{}",
        p.message
    );

    let p = one_problem(child_of_tiny("sampling = \"montecarlo\"\n", &[]));
    assert_eq!(field(&p), "sampling");
    assert!(
        p.message.contains("unknown value `montecarlo`"),
        "{}",
        p.message
    );
}

#[test]
fn missing_required_field_points_at_its_table() {
    let text = std::fs::read_to_string(tiny()).unwrap().replace(
        "launch_price = 5.0           # assumption: test value\n",
        "",
    );
    let dir = files(&[("s.toml", &text)]);
    let p = one_problem(load(&dir.path().join("s.toml"), &[]));
    assert_eq!(field(&p), "vendor.Frontier");
    assert!(
        p.message.contains("missing field `launch_price`"),
        "{}",
        p.message
    );
    assert_eq!(
        p.loc.unwrap().line,
        31,
        "the [[vendor]] entry's header line"
    );

    let text = std::fs::read_to_string(tiny())
        .unwrap()
        .replace("horizon = \"2027-12\"\n", "");
    let dir = files(&[("s.toml", &text)]);
    let p = one_problem(load(&dir.path().join("s.toml"), &[]));
    assert_eq!(p.message, "missing required key `horizon`");
}

#[test]
fn invalid_distribution_parameters() {
    let cases: &[(&str, &str)] = &[
        (
            "{ dist = \"normal\", mean = 1.0, sd = 0.0 }",
            "`sd` must be > 0",
        ),
        (
            "{ dist = \"lognormal\", median = 3.0, p90 = 2.0 }",
            "`p90` must be greater than `median`",
        ),
        (
            "{ dist = \"lognormal\", median = 3.0, sigma = 2.0 }",
            "`median` and `p90`, or `mu` and `sigma`",
        ),
        (
            "{ dist = \"triangular\", low = 1.0, mode = 5.0, high = 3.0 }",
            "`mode` (5) must lie between",
        ),
        (
            "{ dist = \"pert\", low = 3.0, mode = 3.0, high = 3.0 }",
            "`low` (3) must be less than `high` (3)",
        ),
        (
            "{ dist = \"uniform\", low = 2.0, high = 1.0 }",
            "must be less than `high`",
        ),
        (
            "{ dist = \"beta\", alpha = 0.0, beta = 1.0 }",
            "`alpha` must be > 0",
        ),
        (
            "{ dist = \"discrete\", values = [1, 2], weights = [0, 0] }",
            "must not all be zero",
        ),
        (
            "{ dist = \"discrete\", values = [1, 2], weights = [1, -1] }",
            "non-negative",
        ),
        (
            "{ dist = \"normal\", mean = 1.0, sd = 0.1, min = 5.0 }",
            "leaves (almost) no probability mass",
        ),
        ("{ dist = \"normal\", mean = 1.0 }", "missing `sd`"),
        (
            "{ dist = \"normal\", mean = 1.0, sd = 0.1, p90 = 2.0 }",
            "`p90` does not belong to a normal",
        ),
        (
            "{ dist = \"gaussian\", mean = 1.0, sd = 0.1 }",
            "unknown distribution \"gaussian\"",
        ),
        (
            "{ dist = \"normal\", mean = 1.0, sd = 0.1 }",
            "takes values down to -inf; truncate it with `min`",
        ),
    ];
    for (dist, expected) in cases {
        let body = format!("[[vendor]]\nname = \"Frontier\"\nlaunch_price = {dist}\n");
        let p = one_problem(child_of_tiny(&body, &[]));
        assert_eq!(field(&p), "vendor.Frontier.launch_price", "{dist}");
        assert!(p.message.contains(expected), "{dist}: {}", p.message);
        let loc = p.loc.unwrap();
        assert_eq!((loc.line, loc.col), (5, 16), "{dist}");
    }
    let p = one_problem(child_of_tiny(
        "[[vendor]]\nname = \"Challenger\"\nopen_weights = 1.5\n",
        &[],
    ));
    assert!(
        p.message.contains("expected a probability in [0, 1]"),
        "{}",
        p.message
    );
    let p = one_problem(child_of_tiny(
        "[[vendor]]\nname = \"Challenger\"\nopen_weights = { dist = \"uniform\", low = 0, high = 1 }\n",
        &[],
    ));
    assert!(
        p.message.contains("an outcome that is 0 or 1"),
        "{}",
        p.message
    );
}

#[test]
fn dates_out_of_range_and_malformed() {
    let p = one_problem(child_of_tiny("collapse_date = \"2031-01\"\n", &[]));
    assert_eq!(field(&p), "collapse_date");
    assert!(
        p.message
            .contains("up to the horizon (2027-12), found 2031-01"),
        "{}",
        p.message
    );

    let p = one_problem(child_of_tiny(
        "[[hardware]]\nname = \"Rubin\"\ndate = \"2026-13\"\n",
        &[],
    ));
    assert_eq!(field(&p), "hardware.Rubin.date");
    assert!(p.message.contains("\"YYYY-MM\""));

    let p = one_problem(child_of_tiny(
        "[[target]]\nmetric = \"revenue.Frontier\"\nyear = 2035\nat_least = 1e9\n",
        &[],
    ));
    assert!(p.message.contains("from 2025 to 2027"), "{}", p.message);

    let p = one_problem(child_of_tiny(
        "[[shock]]\nname = \"ban\"\ndate = \"2024-01\"\ntarget = \"cost\"\nfactor = 2.0\n",
        &[],
    ));
    assert_eq!(field(&p), "shock.ban.date");

    let p = one_problem(child_of_tiny("horizon = \"2024-06\"\n", &[]));
    assert!(
        p.message.contains("expected a month after start"),
        "{}",
        p.message
    );

    let p = one_problem(child_of_tiny(
        "[[vendor]]\nname = \"Challenger\"\nlaunch = \"2024-01\"\n",
        &[],
    ));
    assert!(p.help.unwrap().contains("omit `launch`"));
}

#[test]
fn generations_in_order_and_first_generation_shape() {
    let p = one_problem(child_of_tiny(
        "[[hardware]]\nname = \"Old\"\ndate = \"2025-06\"\nramp_months = 12\ncost_factor = 0.5\n",
        &[],
    ));
    assert_eq!(field(&p), "hardware.Old.date");
    assert!(p.message.contains("in order of date"), "{}", p.message);

    let p = one_problem(child_of_tiny(
        "[[hardware]]\nname = \"Hopper\"\ndate = \"2025-01\"\n",
        &[],
    ));
    assert_eq!(field(&p), "hardware.Hopper.date");
    assert!(p.message.contains("installed at start"));
}

#[test]
fn extends_cycle_and_missing_parent() {
    let dir = files(&[
        ("a.toml", "extends = \"b.toml\"\n"),
        ("b.toml", "name = \"b\"\nextends = \"a.toml\"\n"),
    ]);
    let p = one_problem(load(&dir.path().join("a.toml"), &[]));
    assert_eq!(field(&p), "extends");
    assert!(
        p.message.contains("cycle: a.toml -> b.toml -> a.toml"),
        "{}",
        p.message
    );
    let loc = p.loc.unwrap();
    assert!(loc.file.ends_with("b.toml"));
    assert_eq!((loc.line, loc.col), (2, 11));

    let dir = files(&[("self.toml", "extends = \"self.toml\"\n")]);
    assert!(
        one_problem(load(&dir.path().join("self.toml"), &[]))
            .message
            .contains("cycle")
    );

    let dir = files(&[("c.toml", "\nextends = \"missing.toml\"\n")]);
    let p = one_problem(load(&dir.path().join("c.toml"), &[]));
    assert!(
        p.message.contains("cannot read scenario file") && p.message.contains("missing.toml"),
        "{}",
        p.message
    );
    assert_eq!(p.loc.unwrap().line, 2);

    let p = one_problem(load(Path::new("no/such/scenario.toml"), &[]));
    assert!(p.loc.is_none());
    assert!(p.message.contains("no/such/scenario.toml"));
}

#[test]
fn bad_set_names_and_values() {
    let p = one_problem(load(&tiny(), &["vendor.Frontir.launch_price=4"]));
    assert_eq!(field(&p), "vendor.Frontir.launch_price");
    let help = p.help.unwrap();
    assert!(
        help.starts_with("closest valid names: vendor.Frontier.launch_price"),
        "{help}"
    );

    let p = one_problem(load(&tiny(), &["vendor.Frontier.launch_price=cheap"]));
    let loc = p.loc.unwrap();
    assert_eq!(&*loc.file, "--set");
    assert!(
        p.message
            .contains("expected a number or an inline distribution")
    );

    let p = one_problem(load(&tiny(), &["vendor.Frontier.launch_price=-3"]));
    assert!(
        p.message.contains("expected a number > 0, found -3"),
        "{}",
        p.message
    );

    assert!("no-equals-sign".parse::<Override>().is_err());
    assert!("=5".parse::<Override>().is_err());
}

#[test]
fn correlations_must_name_uncertain_inputs() {
    let p = one_problem(child_of_tiny(
        "[[correlation]]\nbetween = [\"hardware.Rubin.delay_month\", \"hardware.Rubin.cost_factor\"]\nrank = 0.3\n",
        &[],
    ));
    assert_eq!(field(&p), "correlation[0].between");
    assert!(
        p.message
            .contains("no uncertain input is named `hardware.Rubin.delay_month`")
    );
    assert_eq!(
        p.help.as_deref(),
        Some("did you mean `hardware.Rubin.delay_months`?")
    );

    let p = one_problem(child_of_tiny(
        "[[correlation]]\nbetween = [\"capability.pace\", \"hardware.Rubin.cost_factor\"]\nrank = 0.3\n",
        &[],
    ));
    assert!(p.message.contains("is a fixed number"), "{}", p.message);

    let p = one_problem(child_of_tiny(
        "[[correlation]]\nbetween = [\"hardware.Rubin.delay_months\", \"hardware.Rubin.cost_factor\"]\nrank = 1.0\n",
        &[],
    ));
    assert!(p.message.contains("strictly between -1 and 1"));
}

#[test]
fn targets_must_name_existing_metrics() {
    let p = one_problem(child_of_tiny(
        "[[target]]\nmetric = \"revenue.Frontiir\"\nyear = 2026\nat_least = 1e9\n",
        &[],
    ));
    assert_eq!(p.help.as_deref(), Some("did you mean `revenue.Frontier`?"));
    let p = one_problem(child_of_tiny(
        "[[target]]\nmetric = \"revenue_total\"\nat_least = 1e9\n",
        &[],
    ));
    assert!(p.message.contains("needs a `year`"));
    let p = one_problem(child_of_tiny(
        "[[target]]\nmetric = \"month_100x\"\nat_most = 30\n",
        &[],
    ));
    assert!(p.message.contains("expected a month such as"));
    let p = one_problem(child_of_tiny(
        "[[target]]\nmetric = \"volume_growth\"\nat_least = 2\nat_most = 5\n",
        &[],
    ));
    assert!(
        p.message
            .contains("exactly one of `at_least` and `at_most`")
    );
}

#[test]
fn independent_problems_are_reported_together() {
    let body = "collapse_date = \"2031-01\"\n\
                [[vendor]]\nname = \"Frontier\"\nlaunch_price = -1.0\n\
                [segment.developer]\nusage_cap = 0.5\n\
                [[plan]]\nname = \"Pro\"\nvendor = \"Nobody\"\n";
    let ps = problems(child_of_tiny(body, &[]));
    let fields: Vec<&str> = ps.iter().map(field).collect();
    assert_eq!(
        fields,
        [
            "collapse_date",
            "vendor.Frontier.launch_price",
            "segment.developer.usage_cap",
            "plan.Pro.vendor"
        ]
    );

    // Type errors in different entries are collected too.
    let body = "[[vendor]]\nname = \"Frontier\"\nlagg = 0.1\n[[vendor]]\nname = \"Challenger\"\npricee = 1\n[capability]\ncost_per_unit = true\n";
    let ps = problems(child_of_tiny(body, &[]));
    let fields: Vec<&str> = ps.iter().map(field).collect();
    assert_eq!(
        fields,
        [
            "capability.cost_per_unit",
            "vendor.Frontier.lagg",
            "vendor.Challenger.pricee"
        ]
    );
}

#[test]
fn errors_display_file_line_column_and_snippet() {
    let err = child_of_tiny("[capability]\npace = -1.0\n", &[]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("error: `capability.pace`: expected a number ≥ 0, found -1"),
        "{text}"
    );
    assert!(text.contains("child.toml:4:8"), "{text}");
    assert!(text.contains("4 | pace = -1.0"), "{text}");
    assert!(text.ends_with("1 problem found"), "{text}");
}

#[test]
fn open_weights_need_a_hosts_section() {
    let text = std::fs::read_to_string(tiny()).unwrap();
    let text = text.replace("[hosts]\ncost_factor = 1.2            # assumption: test value\nmargin = 0.3                 # assumption: test value\n", "");
    let dir = files(&[("s.toml", &text)]);
    let p = one_problem(load(&dir.path().join("s.toml"), &[]));
    assert_eq!(field(&p), "vendor.Challenger.open_weights");
    assert!(p.help.unwrap().contains("add [hosts]"));
    let dir = files(&[(
        "s.toml",
        &text.replace("open_weights = 0.5", "open_weights = 0"),
    )]);
    assert!(
        load(&dir.path().join("s.toml"), &[]).is_ok(),
        "no hosts needed when weights stay closed"
    );
}

/// Runs `f` on another thread and fails the test if it takes more than `secs` seconds
/// (a read that hangs must fail the test, not hang it).
fn within<T: Send + 'static>(secs: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("did not finish within {secs} s"))
}

#[test]
fn extends_and_the_scenario_file_must_be_regular_files() {
    let dir = files(&[]);
    let fifo = dir.path().join("pipe.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    let sub = dir.path().join("sub.toml");
    std::fs::create_dir(&sub).unwrap();
    for (target, what) in [
        ("/dev/null".to_owned(), "character device"),
        (fifo.display().to_string(), "FIFO"),
        (sub.display().to_string(), "directory"),
        ("/dev/zero".to_owned(), "character device"),
    ] {
        let child = format!("extends = {target:?}\n");
        std::fs::write(dir.path().join("child.toml"), child).unwrap();
        let path = dir.path().join("child.toml");
        let p = one_problem(within(5, move || load(&path, &[])));
        assert_eq!(field(&p), "extends", "{target}");
        assert!(
            p.message.contains(&target)
                && p.message.contains(what)
                && p.message.contains("expected a regular file"),
            "{target}: {}",
            p.message
        );
        assert_eq!(p.loc.unwrap().line, 1);
        // The same file named on the command line.
        let top = std::path::PathBuf::from(&target);
        let p = one_problem(within(5, move || load(&top, &[])));
        assert!(p.loc.is_none());
        assert!(
            p.message.contains(what) && p.message.contains("expected a regular file"),
            "{target}: {}",
            p.message
        );
    }
}

#[test]
fn scenario_files_are_at_most_1_mib() {
    let text = std::fs::read_to_string(tiny()).unwrap();
    let pad = |to: usize| {
        let mut t = text.clone();
        while t.len() < to {
            let line = "# padding to the size limit of a scenario file\n";
            let n = (to - t.len()).min(line.len());
            if n < line.len() {
                t.push_str(&"#".repeat(n - 1));
                t.push('\n');
            } else {
                t.push_str(line);
            }
        }
        t
    };
    let exact = pad(1 << 20);
    assert_eq!(exact.len(), 1 << 20);
    let over = pad((1 << 20) + 1);
    let dir = files(&[("exact.toml", &exact), ("over.toml", &over)]);
    load(&dir.path().join("exact.toml"), &[]).expect("1 MiB exactly is accepted");
    let p = one_problem(load(&dir.path().join("over.toml"), &[]));
    assert!(
        p.message.contains("over.toml") && p.message.contains("at most 1 MiB"),
        "{}",
        p.message
    );
    std::fs::write(dir.path().join("child.toml"), "extends = \"over.toml\"\n").unwrap();
    let p = one_problem(load(&dir.path().join("child.toml"), &[]));
    assert_eq!(field(&p), "extends");
    assert!(p.message.contains("at most 1 MiB"), "{}", p.message);
}

#[test]
fn files_that_are_not_toml_are_not_quoted() {
    let secret = "root:x:0:0:hunter2:/root:/bin/bash\nsecond line\n";
    let dir = files(&[
        ("passwd", secret),
        ("notes.txt", "a = \"hunter2\"\nb = hunter2\n"),
        ("child.toml", "extends = \"passwd\"\n"),
        ("child2.toml", "extends = \"notes.txt\"\n"),
    ]);
    for (child, line) in [("child.toml", 1), ("child2.toml", 2)] {
        let err = load(&dir.path().join(child), &[]).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
        let p = &err.problems[0];
        assert!(p.message.contains("TOML syntax error"), "{}", p.message);
        let loc = p.loc.as_ref().unwrap();
        assert_eq!(loc.line, line, "{text}");
        assert!(
            loc.file
                .ends_with(if line == 1 { "passwd" } else { "notes.txt" })
        );
    }
    // A `.toml` file is quoted as before.
    let dir = files(&[("bad.toml", "a = \"hunter2\"\nb = hunter2\n")]);
    let text = load(&dir.path().join("bad.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(text.contains("2 | b = hunter2"), "{text}");
}

#[test]
fn files_that_are_not_utf8_get_a_line_and_column() {
    let dir = files(&[]);
    std::fs::write(
        dir.path().join("latin1.toml"),
        b"name = \"x\"\n# caf\xe9 au lait\n".as_slice(),
    )
    .unwrap();
    std::fs::write(dir.path().join("child.toml"), "extends = \"latin1.toml\"\n").unwrap();
    for file in ["latin1.toml", "child.toml"] {
        let p = one_problem(load(&dir.path().join(file), &[]));
        assert!(p.message.contains("not UTF-8 text"), "{}", p.message);
        let loc = p.loc.expect("located");
        assert!(loc.file.ends_with("latin1.toml"), "{file}");
        assert_eq!((loc.line, loc.col), (2, 6), "{file}");
    }
}

#[test]
fn distributions_whose_derived_quantities_overflow_are_refused() {
    let cases = [
        (
            "{ dist = \"uniform\", low = -1e308, high = 1e308 }",
            "width",
        ),
        (
            "{ dist = \"triangular\", low = -1e200, mode = 0, high = 1e200 }",
            "width",
        ),
        (
            "{ dist = \"pert\", low = -1e308, mode = 0, high = 1e308 }",
            "width",
        ),
        (
            "{ dist = \"discrete\", values = [0, 3], weights = [1e308, 1e308] }",
            "weights",
        ),
    ];
    for (dist, expected) in cases {
        let body = format!("[segment.enterprise]\nquality_preference = {dist}\n");
        let p = one_problem(child_of_tiny(&body, &[]));
        assert_eq!(field(&p), "segment.enterprise.quality_preference", "{dist}");
        assert!(
            p.message.contains(expected) && p.message.contains("floating point"),
            "{dist}: {}",
            p.message
        );
    }
}

#[test]
fn set_values_with_control_characters_are_refused() {
    let err = "vendor.Frontier.launch_price=5\nhardware.Rubin.delay_months=1"
        .parse::<Override>()
        .unwrap_err();
    assert!(err.contains("control character"), "{err}");
    assert!(
        "vendor.Frontier.launch_price=\u{7}5"
            .parse::<Override>()
            .is_err()
    );
    // Built by hand, past the parser: refused when loaded.
    let o = Override {
        name: "vendor.Frontier.launch_price".into(),
        value: "5\nhardware.Rubin.delay_months = 1".into(),
    };
    let p = one_problem(scenario::load(&tiny(), &[o]));
    assert_eq!(field(&p), "vendor.Frontier.launch_price");
    assert!(p.message.contains("control character"), "{}", p.message);
}

/// The tiny fixture with `edit` applied to its text, written as `file` in a temporary
/// directory and loaded (the directory is returned to keep it alive).
fn edited_tiny(
    file: &str,
    edit: impl Fn(String) -> String,
) -> (tempfile::TempDir, Result<Scenario, ScenarioError>) {
    let text = edit(std::fs::read_to_string(tiny()).unwrap());
    let dir = files(&[(file, &text)]);
    let result = load(&dir.path().join(file), &[]);
    (dir, result)
}

#[test]
fn scenario_names_must_be_plain() {
    for bad in [
        "..",
        ".",
        "../escape",
        "/tmp/abs",
        "a/b",
        "a\\\\b",
        "",
        ".hidden",
        "two words",
        "tab\\there",
        "naïve",
        &"x".repeat(101),
    ] {
        let (_dir, result) = edited_tiny("s.toml", |t| {
            t.replace("name = \"tiny\"", &format!("name = \"{bad}\""))
        });
        let p = one_problem(result);
        assert_eq!(field(&p), "name", "{bad:?}");
        assert!(
            p.message.contains("expected a plain name") && p.message.contains("at most 100"),
            "{bad:?}: {}",
            p.message
        );
        let loc = p.loc.expect("located");
        assert!(loc.file.ends_with("s.toml"));
        assert_eq!((loc.line, loc.col), (2, 8), "{bad:?}");
    }
    for good in ["a.b-c_1", "2030", "_x", "-x", &"x".repeat(100)] {
        let (_dir, result) = edited_tiny("s.toml", |t| {
            t.replace("name = \"tiny\"", &format!("name = \"{good}\""))
        });
        assert_eq!(result.unwrap().name, good);
    }
}

#[test]
fn a_file_name_that_is_no_plain_name_needs_a_name_key() {
    for file in ["two words.toml", "..toml", "x=1.toml"] {
        let (_dir, result) = edited_tiny(file, |t| t.replace("name = \"tiny\"\n", ""));
        let p = one_problem(result);
        assert_eq!(field(&p), "name", "{file}");
        assert!(
            p.message.contains("is not a plain name") && p.help.unwrap().contains("add a `name`"),
            "{file}: {}",
            p.message
        );
        assert!(p.loc.unwrap().file.ends_with(file));
    }
    let (_dir, result) = edited_tiny("plain-name.v2.toml", |t| t.replace("name = \"tiny\"\n", ""));
    assert_eq!(result.unwrap().name, "plain-name.v2");
}
#[test]
fn entry_names_that_reach_csv_cells_start_with_a_letter_or_digit() {
    let cases = [
        (
            "vendor",
            "[[vendor]]\nname = \"-x\"\nlag = 0.5\nlaunch_price = 1.0\nadjustment = 0.5\nmarkup_cap = 1.0\nmargin_floor = 0.0\nreview_months = 3\n",
        ),
        (
            "plan",
            "[[plan]]\nname = \"-2+3\"\nvendor = \"Frontier\"\nfee = 20\nincluded = 10\nsubscribers = 1e6\nusage = 1.0\nusage_growth = 1.5\n",
        ),
        (
            "hardware",
            "[[hardware]]\nname = \"_Next\"\ndate = \"2027-06\"\nramp_months = 12\ncost_factor = 0.5\n",
        ),
        (
            "device",
            "[[device]]\nname = \"-M9\"\ndate = \"2026-01\"\nramp_months = 12\nlag = 2.0\nprice = 0.2\n",
        ),
        (
            "efficiency",
            "[[efficiency]]\nname = \"-cut\"\ndate = \"2026-01\"\nramp_months = 12\ntoken_factor = 0.5\n",
        ),
        (
            "shock",
            "[[shock]]\nname = \"-ban\"\ndate = \"2026-01\"\ntarget = \"cost\"\nfactor = 2.0\n",
        ),
    ];
    for (key, body) in cases {
        let p = one_problem(child_of_tiny(body, &[]));
        assert!(
            field(&p).starts_with(&format!("{key}.")),
            "{key}: {}",
            field(&p)
        );
        assert!(
            p.message.contains("starts with a letter or digit"),
            "{key}: {}",
            p.message
        );
        assert_eq!(p.loc.unwrap().line, 4, "{key}");
    }
    // Targets are free-text labels.
    let s = child_of_tiny(
        "[[target]]\nname = \"=SUM(A1)\"\nmetric = \"collapse_factor\"\nat_least = 10\n",
        &[],
    )
    .unwrap();
    assert!(s.targets.iter().any(|t| t.label == "=SUM(A1)"));
}

#[test]
fn inputs_that_would_make_unbounded_work_are_refused_with_the_reason() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[vendor]]\nname = \"Frontier\"\nreview_months = 1e-17\n",
            "vendor.Frontier.review_months",
            "daily",
        ),
        (
            "[[vendor]]\nname = \"Frontier\"\nreview_months = 1e-9\n",
            "vendor.Frontier.review_months",
            "daily",
        ),
        (
            "[[vendor]]\nname = \"Frontier\"\nreview_months = { dist = \"lognormal\", median = 3, p90 = 6 }\n",
            "vendor.Frontier.review_months",
            "truncate it with `min`",
        ),
        (
            "[segment.enterprise]\nreview_rate = 1e9\n",
            "segment.enterprise.review_rate",
            "daily",
        ),
        (
            "[segment.enterprise]\nreview_rate = 1e30\n",
            "segment.enterprise.review_rate",
            "daily",
        ),
        (
            "[segment.enterprise]\ncohorts = 1000000000\n",
            "segment.enterprise.cohorts",
            "20000",
        ),
        ("horizon = \"9999-12\"\n", "horizon", "50 years"),
        (
            "[[vendor]]\nname = \"Challenger\"\nentry_months = 1e300\n",
            "vendor.Challenger.entry_months",
            "600",
        ),
        (
            "[[vendor]]\nname = \"Challenger\"\ndelay_months = -1e300\n",
            "vendor.Challenger.delay_months",
            "600",
        ),
        (
            "[[hardware]]\nname = \"Rubin\"\nramp_months = 1e300\n",
            "hardware.Rubin.ramp_months",
            "600",
        ),
        (
            "[segment.developer]\npopulation = 1e300\n",
            "segment.developer.population",
            "1e10",
        ),
        ("[capability]\npace = 11\n", "capability.pace", "10"),
        (
            "[capability]\ncost_per_unit = 0.5\n",
            "capability.cost_per_unit",
            "≥ 1",
        ),
        (
            "[capability]\ncost_per_unit = 101\n",
            "capability.cost_per_unit",
            "100",
        ),
        (
            "[segment.developer]\ntokens_per_capability = 101\n",
            "segment.developer.tokens_per_capability",
            "100",
        ),
        (
            "[segment.developer]\ntasks_per_capability = 101\n",
            "segment.developer.tasks_per_capability",
            "100",
        ),
        (
            "[segment.developer]\nambient_multiplier = 1e5\n",
            "segment.developer.ambient_multiplier",
            "1e4",
        ),
        (
            "[segment.developer]\nusage_cap = 1e7\n",
            "segment.developer.usage_cap",
            "1e6",
        ),
        (
            "[segment.developer]\nbass_q = 101\n",
            "segment.developer.bass_q",
            "100",
        ),
        (
            "[[vendor]]\nname = \"Frontier\"\nlaunch_price = 2e6\n",
            "vendor.Frontier.launch_price",
            "1e6",
        ),
        (
            "[[hardware]]\nname = \"Hopper\"\nunit_cost = 1e300\n",
            "hardware.Hopper.unit_cost",
            "1e6",
        ),
        (
            "[[plan]]\nname = \"Pro\"\nsubscribers = 1e11\n",
            "plan.Pro.subscribers",
            "1e10",
        ),
        (
            "[[shock]]\nname = \"s\"\ndate = \"2026-01\"\ntarget = \"cost\"\nfactor = 1e-7\n",
            "shock.s.factor",
            "1e-6",
        ),
        (
            "[[shock]]\nname = \"s\"\ndate = \"2026-01\"\ntarget = \"cost\"\nfactor = 1e7\n",
            "shock.s.factor",
            "1e6",
        ),
    ];
    for (body, name, reason) in cases {
        let p = one_problem(child_of_tiny(body, &[]));
        assert_eq!(field(&p), *name, "{body}");
        assert!(p.message.contains(reason), "{body}: {}", p.message);
        assert!(p.loc.is_some(), "{body}");
    }
    // A long-tailed distribution passes when even its far tail stays within the limit.
    child_of_tiny(
        "[[vendor]]\nname = \"Frontier\"\nlaunch_price = { dist = \"lognormal\", median = 5, p90 = 10 }\n",
        &[],
    )
    .unwrap();
    // 50 years is the longest horizon.
    child_of_tiny("horizon = \"2074-12\"\n", &[]).unwrap();
}

#[test]
fn compounding_and_counts_beyond_the_limits_are_refused() {
    // Ten frontier-years a year for 50 years: κ^500 is beyond floating point.
    let p = one_problem(child_of_tiny(
        "horizon = \"2074-12\"\n[capability]\npace = 10\n",
        &[],
    ));
    assert_eq!(field(&p), "capability.pace");
    assert!(p.message.contains("1e250"), "{}", p.message);
    // The base scenario itself over 50 years is fine.
    let base = root().join("scenarios/base.toml");
    let dir = files(&[(
        "long.toml",
        &format!(
            "extends = {:?}\nhorizon = \"2074-12\"\n",
            base.display().to_string()
        ),
    )]);
    load(&dir.path().join("long.toml"), &[]).unwrap();

    let mut body = String::new();
    for i in 0..201 {
        body.push_str(&format!(
            "[[shock]]\nname = \"s{i}\"\ndate = \"2026-01\"\ntarget = \"cost\"\nfactor = 0.99\n"
        ));
    }
    let p = one_problem(child_of_tiny(&body, &[]));
    assert_eq!(field(&p), "shock");
    assert!(p.message.contains("at most 200"), "{}", p.message);
}

#[test]
fn paths_that_would_take_too_many_steps_are_refused() {
    // Each within its own limit, together 20000 × 30 × 600 = 3.6e8 cohort reviews a path.
    let p = one_problem(child_of_tiny(
        "horizon = \"2074-12\"\n[segment.enterprise]\ncohorts = 20000\nreview_rate = 30\n",
        &[],
    ));
    assert_eq!(field(&p), "segment");
    assert!(p.message.contains("more than the 1e8"), "{}", p.message);
    child_of_tiny(
        "horizon = \"2074-12\"\n[segment.enterprise]\ncohorts = 20000\nreview_rate = 1\n",
        &[],
    )
    .unwrap();
}
