//! The generated program the compile bench measures and the parser's differential tests read.

/// A realistic large program: helper functions, constants, and many stages of mixed steps,
/// `lines` lines long.
pub fn generated_program(lines: usize) -> String {
    let mut out = String::from(
        "import std.apt\nimport std.user\n\narg version: string = \"1.0.0\"\nlet http: port = 8080/tcp\n\n\
         fn build_step(name: string, flags: list[string] = [\"-O2\"]) {\n    run \"make ${name} CFLAGS=${flags}\"\n    \
         copy \"src/${name}/\" to \"/src/${name}/\"\n}\n\n",
    );
    let mut stage = 0;
    while out.lines().count() + 30 < lines {
        out.push_str(&format!("stage s{stage} from \"debian:bookworm-slim\" {{\n"));
        out.push_str("    apt.install([\"gcc\", \"make\", \"libc6-dev\"])\n    workdir \"/src\"\n");
        for step in 0..8 {
            out.push_str(&format!(
                "    # step {step}\n    run \"echo building {stage}-{step} ${{version}}\" cache \"/root/.cache\"\n"
            ));
            out.push_str(&format!("    build_step(\"part{step}\", flags: [\"-O2\", \"-g\"])\n"));
            out.push_str(&format!("    env build {{ STEP_{step} = \"{step}\" }}\n"));
        }
        if stage > 0 {
            out.push_str(&format!("    copy from s{} \"/src\" to \"/prev\"\n", stage - 1));
        }
        out.push_str("    label \"stage\" = \"x\"\n}\n\n");
        stage += 1;
    }
    out.push_str(
        "image from \"debian:bookworm-slim\" {\n    user.create(\"app\")\n    expose http\n    cmd [\"/app\"]\n}\n",
    );
    out
}
