//! Behaviour tests for the tricky parts of Dockerfile parsing.

use imgc::dockerfile::{
    ArgDecl, Arguments, Dockerfile, InstructionKind, KeyValue, ParseError, ParseOptions, parse, parse_bytes, parse_with,
};

fn ok(src: &str) -> Dockerfile {
    parse(src).unwrap_or_else(|e| panic!("{e}\n--- source\n{src}"))
}

fn lenient(src: &str) -> Dockerfile {
    parse_with(src, ParseOptions::lenient()).unwrap_or_else(|e| panic!("{e}\n--- source\n{src}"))
}

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(df) => panic!("accepted:\n{src}\n--- dump\n{}", df.dump()),
        Err(e) => e,
    }
}

fn shell(s: &str) -> Arguments {
    Arguments::Shell(s.into())
}

fn exec(v: &[&str]) -> Arguments {
    Arguments::Exec(v.iter().map(|&s| s.into()).collect())
}

// ------------------------------------------------------------ escape directive

#[test]
fn escape_backtick_continues_lines_and_keeps_backslashes() {
    let df = ok(
        "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n    C:\\ `\n  && echo done\nCOPY C:\\src\\ D:\\dst\\\nENV P=C:\\a\\b Q=`\"x\n",
    );
    assert_eq!(df.escape, '`');
    assert_eq!(df.directive("escape"), Some("`"));
    let i = &df.instructions;
    assert_eq!(i[1].args, shell("dir     C:\\   && echo done"));
    assert_eq!((i[1].span.start.line, i[1].span.end.line), (3, 5));
    assert_eq!(i[2].args, Arguments::Words(vec!["C:\\src\\".into(), "D:\\dst\\".into()]));
    let Arguments::KeyValues(kv) = &i[3].args else { panic!("{:?}", i[3].args) };
    assert_eq!(kv[0].value, "C:\\a\\b");
    assert_eq!(kv[1].value, "`\"x");
}

#[test]
fn escape_backslash_by_default() {
    let df = ok("FROM a\nRUN echo `\nCMD x\n");
    assert_eq!(df.escape, '\\');
    assert_eq!(df.instructions[1].args, shell("echo `"));
    assert_eq!(df.instructions.len(), 3);
}

#[test]
fn escaped_escape_does_not_continue() {
    let df = ok("FROM a\nENV C trailing\\\\\nENV D d\n");
    assert_eq!(df.instructions.len(), 3);
}

// ------------------------------------------------------------ directives

#[test]
fn directives_only_at_the_top() {
    let df = ok("# syntax = docker/dockerfile:1\n #CHECK=skip=all\n\n# escape=`\nFROM a\nRUN x \\\n y\n");
    let names: Vec<_> = df.directives.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["syntax", "check"]);
    assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1"));
    assert_eq!(df.directive("check"), Some("skip=all"));
    assert_eq!(df.directives[1].span.start.line, 2);
    // The escape line follows a blank line: a plain comment.
    assert_eq!(df.escape, '\\');
    assert_eq!(df.comments.len(), 1);
    assert_eq!(df.comments[0].trimmed(), "escape=`");
    assert_eq!(df.instructions[1].args, shell("x  y"));
}

#[test]
fn directive_after_comment_or_unknown_directive_is_a_comment() {
    let df = ok("# hello\n# escape=`\nFROM a\n");
    assert!(df.directives.is_empty());
    let df = ok("# foo=bar\n# escape=`\nFROM a\n");
    assert!(df.directives.is_empty());
    assert_eq!(df.comments.len(), 2);
    let df = ok("FROM a\n# syntax=x\n");
    assert!(df.directives.is_empty());
    assert_eq!(df.trailing_comments.len(), 1);
}

#[test]
fn directive_errors() {
    let e = err("# escape=`\n# escape=\\\nFROM a\n");
    assert_eq!(e.message, "only one escape parser directive can be used");
    assert_eq!(e.line(), 2);
    let e = err("# escape=x\nFROM a\n");
    assert!(e.message.contains("invalid escape token 'x'"), "{e}");
    assert!(parse("# syntax=a\n# SYNTAX=b\nFROM a\n").is_err());
}

// ------------------------------------------------------------ continuations

#[test]
fn continuation_skips_comments_and_blank_lines() {
    let src = "FROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\nRUN indented \\\n    # this is an indented comment\n    comment\n\t";
    let df = ok(src);
    let args: Vec<_> = df.instructions.iter().map(|i| i.args.clone()).collect();
    assert_eq!(
        args[1..],
        [
            shell("valid     continuation"),
            shell("something     following     more"),
            shell("another     thing"),
            shell("non-indented    after-comment"),
            shell("indented     comment"),
        ]
    );
    assert_eq!(df.warnings.len(), 2);
    assert!(df.warnings[0].message.contains("RUN something     following     more"));
    assert_eq!(df.warnings[0].span.start.line, 7);
    let ins = &df.instructions[4];
    assert_eq!(ins.inner_comments.len(), 1);
    assert_eq!(ins.inner_comments[0].trimmed(), "this is a comment");
    assert_eq!((ins.span.start.line, ins.span.end.line), (16, 18));
    assert_eq!(df.comments.len(), 2);
}

#[test]
fn continuation_at_eof_and_lone_escape_line() {
    let df = ok("FROM a\nRUN a \\");
    assert_eq!(df.instructions[1].args, shell("a"));
    let df = ok("FROM a\nRUN a \\\n\n");
    assert_eq!(df.instructions[1].span.end.line, 3);
    let df = ok("\\\nFROM a\n");
    assert_eq!(df.instructions[0].args, Arguments::Words(vec!["a".into()]));
    assert_eq!(df.instructions[0].span.start.line, 1);
    assert_eq!(df.instructions[0].keyword_span.start.line, 2);
}

#[test]
fn crlf_line_endings() {
    let df = ok("FROM a\r\nRUN b \\\r\n c\r\n# note\r\nCMD [\"x\"]\r\n");
    assert_eq!(df.instructions[1].args, shell("b  c"));
    assert_eq!(df.instructions[2].leading_comments[0].text, " note");
    assert_eq!(df.instructions[2].args, exec(&["x"]));
    assert_eq!(df.instructions[1].span.end.column, 3);
}

#[test]
fn byte_order_mark_is_skipped() {
    let df = ok("\u{feff}# escape=`\nFROM a\nRUN x `\n y\n");
    assert_eq!(df.escape, '`');
    assert_eq!(df.instructions[0].span.start.column, 1);
}

// ------------------------------------------------------------ heredocs

#[test]
fn heredocs_several_delimiters_and_chomp() {
    let src = "FROM alpine\nCOPY <<FILE1 <<-\"FILE2\" /dest/\ncontent 1\nFILE1\n\tcontent 2\n\t\tmore\n\t\tFILE2\nRUN <<EOF\necho $HOME \\\n# not a comment\nEOF\nRUN 3<<  'E O' cat\nbody\nE O\nCMD [\"x\"]\n";
    let df = ok(src);
    let copy = &df.instructions[1];
    assert_eq!(copy.heredocs.len(), 2);
    let (a, b) = (&copy.heredocs[0], &copy.heredocs[1]);
    assert_eq!((a.name.as_str(), a.expand, a.chomp), ("FILE1", true, false));
    assert_eq!(a.content, "content 1\n");
    assert_eq!((b.name.as_str(), b.expand, b.chomp), ("FILE2", false, true));
    assert_eq!(b.content, "\tcontent 2\n\t\tmore\n");
    assert_eq!(b.chomped_content(), "content 2\nmore\n");
    assert_eq!((b.span.start.line, b.span.end.line), (5, 7));
    assert_eq!((copy.span.start.line, copy.span.end.line), (2, 7));
    assert_eq!(copy.args, Arguments::Words(vec!["<<FILE1".into(), "<<-\"FILE2\"".into(), "/dest/".into()]));
    let run = &df.instructions[2];
    assert_eq!(run.args, shell("<<EOF"));
    assert_eq!(run.heredocs[0].content, "echo $HOME \\\n# not a comment\n");
    assert!(run.inner_comments.is_empty());
    let run = &df.instructions[3];
    assert_eq!(run.heredocs[0].name, "E O");
    assert_eq!(run.heredocs[0].fd, Some(3));
    assert!(!run.heredocs[0].expand);
    assert_eq!(df.instructions[4].kind, InstructionKind::Cmd);
    assert!(df.comments.is_empty());
}

#[test]
fn heredoc_only_where_buildkit_reads_one() {
    // exec form, quoted, not at word start, other instructions
    let df = lenient("FROM a\nRUN [\"<<EOF\"]\nRUN echo \"<<EOF\"\nRUN cat<<EOF\nUSER <<EOF\nEOF\n");
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 6);
    // ONBUILD trigger
    let df = ok("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n");
    assert_eq!(df.instructions[1].heredocs[0].content, "x\n");
    // escape directive does not change heredoc lexing
    let df = ok("# escape=`\nFROM a\nRUN <<EOF\nx\nEOF\n");
    assert_eq!(df.instructions[1].heredocs.len(), 1);
}

#[test]
fn heredoc_errors() {
    let e = err("FROM a\nRUN <<EOF\necho\n");
    assert!(e.message.contains("unterminated heredoc"), "{e}");
    assert_eq!((e.span.start.line, e.span.end.line), (2, 3));
    let e = err("FROM a\nCOPY a <<EOF\nx\nEOF\n");
    assert_eq!(e.message, "COPY cannot accept a heredoc as a destination");
    // Terminator must match the whole line.
    assert!(parse("FROM a\nRUN <<EOF\n  EOF\n").is_err());
}

// ------------------------------------------------------------ JSON / exec form

#[test]
fn json_form_and_fallback() {
    let df = lenient(concat!(
        "CMD [\"a\", \"b c\"]\n",
        "CMD ['a']\n",
        "CMD [\"a\"] # trailing\n",
        "CMD [\"unterminated\n",
        "RUN [\"c:\\x\"]\n",
        "ENTRYPOINT []\n",
        "COPY [\"a b\", \"/c\"]\n",
        "COPY [\"a b\" /c\n",
        "CMD\n",
    ));
    let args: Vec<_> = df.instructions.iter().map(|i| i.args.clone()).collect();
    assert_eq!(
        args,
        [
            exec(&["a", "b c"]),
            shell("['a']"),
            shell("[\"a\"] # trailing"),
            shell("[\"unterminated"),
            shell("[\"c:\\x\"]"),
            exec(&[]),
            exec(&["a b", "/c"]),
            Arguments::Words(vec!["[\"a".into(), "b\"".into(), "/c".into()]),
            Arguments::Empty,
        ]
    );
    assert!(df.instructions[0].is_exec_form());
    let e = parse_with("CMD [\"a\", 1]\n", ParseOptions::lenient());
    assert!(e.is_err_and(|e| e.message.contains("strings only")));
    let e = parse_with("COPY [\"a\", [\"b\"]]\n", ParseOptions::lenient());
    assert!(e.is_err());
    // Trailing text makes it invalid JSON, hence words.
    assert!(parse_with("COPY [\"a\", [\"b\"]] /c\n", ParseOptions::lenient()).is_ok());
}

// ------------------------------------------------------------ flags

#[test]
fn flags_are_parsed_with_spans() {
    let df = ok(
        "FROM a\nRUN --mount=type=cache,target=/root/.cache \\\n    --network=none make\nCOPY --link --from=\"build stage\" --chmod=0644 a b\n",
    );
    let run = &df.instructions[1];
    assert_eq!(run.flags.len(), 2);
    assert_eq!(run.flags[0].name, "mount");
    assert_eq!(run.flags[0].value.as_deref(), Some("type=cache,target=/root/.cache"));
    assert_eq!(run.flags[1].span.start.line, 3);
    assert_eq!(run.flags[1].span.start.column, 5);
    assert_eq!(run.args, shell("make"));
    let copy = &df.instructions[2];
    assert_eq!(copy.flag("link").map(|f| f.value.clone()), Some(None));
    assert_eq!(copy.flag("from").and_then(|f| f.value.as_deref()), Some("build stage"));
    assert_eq!(copy.flags[1].raw, "--from=build stage");
    assert_eq!(copy.flags[1].span.start.column, 13);
    assert_eq!(copy.flags[1].span.end.column, 33);
    assert_eq!(copy.dump(), r#"copy ["--link" "--from=build stage" "--chmod=0644"] "a" "b""#);
}

#[test]
fn malformed_flags_are_located_errors() {
    let cases = [
        ("FROM a\nCOPY --frm=x a b\n", "unknown flag: --frm (did you mean from?)", 2, 6),
        ("FROM a\nCOPY --link=maybe a b\n", "expecting boolean value", 2, 6),
        ("FROM a\nCOPY --link= a b\n", "missing a value on flag: --link", 2, 6),
        ("FROM --platform a\n", "missing a value on flag: --platform", 1, 6),
        ("FROM a\nCOPY --from=a --from=b x y\n", "duplicate flag specified: --from", 2, 15),
        ("FROM a\nRUN  --mount=type=cach,target=/x true\n", "unsupported mount type", 2, 6),
        ("FROM a\nRUN --mount=type=cache,bogus=1 true\n", "unexpected key 'bogus'", 2, 5),
        ("FROM a\nRUN --network=bridge true\n", "invalid network mode", 2, 5),
        ("FROM a\nCMD --doit [\"a\"]\n", "unknown flag: --doit", 2, 5),
        ("FROM a\nHEALTHCHECK --interval=1ns CMD x\n", "cannot be less than 1ms", 2, 13),
        ("FROM a\nHEALTHCHECK --retries=x CMD x\n", "invalid syntax", 2, 13),
    ];
    for (src, msg, line, col) in cases {
        let e = err(src);
        assert!(e.message.contains(msg), "{src}: {e}");
        assert_eq!((e.line(), e.column()), (line, col), "{src}: {e}");
    }
    // BuildKit does not check flags of ARG, STOPSIGNAL or HEALTHCHECK NONE.
    ok("ARG --x=1 a\nFROM a\nSTOPSIGNAL --y 9\nHEALTHCHECK --z NONE\n");
    // Flags after `--` are arguments.
    let df = ok("FROM a\nRUN -- --not-a-flag\n");
    assert_eq!(df.instructions[1].args, shell("--not-a-flag"));
}

// ------------------------------------------------------------ instructions

#[test]
fn unknown_instruction() {
    let e = err("FROM a\n  FORM b\n");
    assert_eq!(e.message, "unknown instruction: FORM (did you mean FROM?)");
    assert_eq!((e.line(), e.column()), (2, 3));
    let df = lenient("FROM a\nFORM b c\n");
    assert_eq!(df.instructions[1].kind, InstructionKind::Unknown);
    assert_eq!(df.instructions[1].args, Arguments::Unknown("b c".into()));
    assert_eq!(df.dump(), "(from \"a\")\n(form \"\")\n");
}

#[test]
fn any_case_keywords() {
    let df = ok("from a AS Build\nrUn echo\nCopy --FROM=x a b\n".replace("--FROM=x ", "").as_str());
    assert_eq!(df.instructions[1].keyword, "rUn");
    assert_eq!(df.instructions[1].name, "run");
    assert_eq!(df.instructions[1].kind, InstructionKind::Run);
    assert_eq!(df.instructions[1].keyword_span.end.column, 4);
    // Flag names are case-sensitive.
    assert!(err("FROM a\nCOPY --FROM=x a b\n").message.contains("unknown flag"));
}

#[test]
fn arg_before_from_and_stage_rules() {
    let df = ok("ARG BASE=alpine\nARG V\nFROM ${BASE}:${V:-3} AS build\n");
    assert_eq!(
        df.instructions[0].args,
        Arguments::ArgDecls(vec![ArgDecl { name: "BASE".into(), value: Some("alpine".into()) }])
    );
    assert_eq!(df.instructions[2].args, Arguments::Words(vec!["${BASE}:${V:-3}".into(), "AS".into(), "build".into()]));
    assert!(err("RUN x\nFROM a\n").message.contains("no build stage"));
    assert!(err("ARG x\n").message.contains("no stages"));
    assert!(err("FROM a b\n").message.contains("one or three"));
    assert!(err("FROM a AS 1x\n").message.contains("invalid name for build stage"));
    assert!(err("ARG =x\nFROM a\n").message.contains("names can not be blank"));
}

#[test]
fn env_and_label_forms() {
    let df = ok(concat!(
        "FROM a\n",
        "ENV A 1 2  3\n",
        "ENV B=\"x y\" C=d\\ e D='$F' E=${X:+v}${X#p}\n",
        "LABEL \"com.x\"=\"1\" maintainer=me\n",
    ));
    let kv = |k: &str, v: &str, legacy| KeyValue { key: k.into(), value: v.into(), legacy };
    assert_eq!(df.instructions[1].args, Arguments::KeyValues(vec![kv("A", "1 2  3", true)]));
    assert_eq!(
        df.instructions[2].args,
        Arguments::KeyValues(vec![
            kv("B", "\"x y\"", false),
            kv("C", "d\\ e", false),
            kv("D", "'$F'", false),
            kv("E", "${X:+v}${X#p}", false),
        ])
    );
    assert_eq!(
        df.instructions[3].args,
        Arguments::KeyValues(vec![kv("\"com.x\"", "\"1\"", false), kv("maintainer", "me", false)])
    );
    assert!(err("FROM a\nENV A\n").message.contains("ENV must have two arguments"));
    assert!(err("FROM a\nENV A=1 B\n").message.contains("can't find = in \"B\""));
    assert!(err("FROM a\nLABEL\n").message.contains("LABEL requires at least one argument"));
}

#[test]
fn onbuild_maintainer_healthcheck() {
    let df = ok(concat!(
        "FROM a\n",
        "MAINTAINER Jane Doe <jane@example.com>\n",
        "ONBUILD RUN --mount=type=cache,target=/x make\n",
        "HEALTHCHECK NONE\n",
        "HEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"localhost\"]\n",
        "HEALTHCHECK CMD curl -f localhost || exit 1\n",
    ));
    let i = &df.instructions;
    assert_eq!(i[1].args, Arguments::Text("Jane Doe <jane@example.com>".into()));
    let Arguments::Onbuild(trigger) = &i[2].args else { panic!("{:?}", i[2].args) };
    assert_eq!(trigger.kind, InstructionKind::Run);
    assert_eq!(trigger.flags[0].name, "mount");
    assert_eq!(trigger.keyword_span.start.column, 9);
    assert_eq!(trigger.args, shell("make"));
    assert_eq!(i[2].dump(), r#"onbuild (run ["--mount=type=cache,target=/x"] "make")"#);
    assert!(
        matches!(&i[3].args, Arguments::Healthcheck { kind, args } if kind == "NONE" && **args == Arguments::Empty)
    );
    assert!(i[4].is_exec_form());
    assert!(
        matches!(&i[5].args, Arguments::Healthcheck { args, .. } if **args == shell("curl -f localhost || exit 1"))
    );
    assert!(err("FROM a\nONBUILD ONBUILD RUN x\n").message.contains("Chaining"));
    assert!(err("FROM a\nONBUILD FROM x\n").message.contains("isn't allowed"));
    assert!(err("FROM a\nHEALTHCHECK NONE x\n").message.contains("takes no arguments"));
    assert!(err("FROM a\nHEALTHCHECK CMD\n").message.contains("Missing command"));
    assert!(err("FROM a\nHEALTHCHECK CONNECT x\n").message.contains("Unknown type"));
    assert!(err("FROM a\nSHELL bash -c\n").message.contains("JSON form"));
}

#[test]
fn comments_stay_with_their_instruction() {
    let df = ok("# syntax=x\n# about FROM\nFROM a\n\n# block 1\n\n# block 2\nRUN x \\\n  # inner\n  y\n# the end\n");
    assert!(df.instructions[0].leading_comments[0].text == " about FROM");
    let run = &df.instructions[1];
    let lead: Vec<_> = run.leading_comments.iter().map(|c| c.trimmed()).collect();
    assert_eq!(lead, ["block 1", "block 2"]);
    assert_eq!(run.leading_comments[1].span.start.line, 7);
    assert_eq!(run.inner_comments[0].trimmed(), "inner");
    assert_eq!(df.trailing_comments[0].trimmed(), "the end");
    assert_eq!(df.comments.len(), 5);
}

#[test]
fn positions_are_one_based_and_in_characters() {
    let df = ok("FROM a\n  RUN echo é \\\n   ü\n");
    let run = &df.instructions[1];
    assert_eq!((run.span.start.line, run.span.start.column), (2, 3));
    assert_eq!(run.span.start.offset, 9);
    assert_eq!((run.span.end.line, run.span.end.column), (3, 5));
    assert_eq!(run.keyword_span.end.column, 6);
    assert_eq!(run.original, "RUN echo é    ü");
    let src = "FROM a\n  RUN echo é \\\n   ü\n";
    assert_eq!(run.span.slice(src), Some("RUN echo é \\\n   ü"));
}

#[test]
fn empty_and_comment_only_files_are_errors() {
    for src in ["", "\n\n", "# only\n# comments\n", "# syntax=x\n"] {
        let e = parse_with(src, ParseOptions::lenient()).err();
        assert!(e.is_some_and(|e| e.message == "file with no instructions"), "{src:?}");
    }
}

#[test]
fn long_lines_and_invalid_utf8() {
    let src = format!("FROM a\nLABEL test={}\n", "a".repeat(65_536));
    let e = err(&src);
    assert_eq!(e.message, "dockerfile line greater than max allowed size of 65535");
    assert_eq!(e.line(), 2);
    let e = parse_bytes(b"FROM a\nRUN \xff\n", ParseOptions::default()).err();
    assert!(e.is_some_and(|e| (e.line(), e.column()) == (2, 5)));
}
