//! Completion: what may be written at the cursor, chosen by the text before it (the document
//! may be half-typed and not parse) and offered from the last index of the document that parsed.
//!
//! Must never depend on: the server's state or transport.

use crate::analysis::Analysis;
use imgc_core::index::{Definition, DefinitionKind};
use lsp_types::{CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind};

/// Statements of the top level.
const TOP_LEVEL: &[(&str, &str)] = &[
    ("import", "import std.apt / import \"./file.img\" as name"),
    ("arg", "arg NAME: type = default: a build argument"),
    ("let", "let name: type = value"),
    ("fn", "fn name(param: type) { steps }"),
    ("stage", "stage name from IMAGE { steps }"),
    ("image", "image from IMAGE { steps }: the image to build"),
    ("directive", "directive syntax = \"…\": a Dockerfile parser directive"),
];

/// Steps inside a stage or function.
const STEPS: &[(&str, &str)] = &[
    ("run", "run \"command\": a shell command (RUN)"),
    ("copy", "copy \"src\" to \"dest\" (COPY)"),
    ("add", "add \"url\" to \"dest\" (ADD)"),
    ("env", "env { NAME = \"value\" } (runtime; `env build`, `env both`)"),
    ("workdir", "workdir \"/path\" (WORKDIR)"),
    ("user", "user \"name\" (USER)"),
    ("expose", "expose 8080/tcp (EXPOSE)"),
    ("label", "label { key = \"value\" } (LABEL)"),
    ("volume", "volume \"/data\" (VOLUME)"),
    ("cmd", "cmd [\"program\", \"arg\"] (CMD)"),
    ("entrypoint", "entrypoint [\"program\"] (ENTRYPOINT)"),
    ("healthcheck", "healthcheck [\"cmd\"] interval 30s (HEALTHCHECK)"),
    ("stopsignal", "stopsignal \"SIGTERM\" (STOPSIGNAL)"),
    ("shell", "shell [\"/bin/bash\", \"-c\"] (SHELL)"),
    ("onbuild", "onbuild { steps } (ONBUILD)"),
    ("layer", "layer { steps }: steps merged into one layer"),
    ("maintainer", "maintainer \"name\" (MAINTAINER)"),
    ("let", "let name: type = value"),
    ("arg", "arg NAME: build argument in this stage"),
];

/// The settings each mount takes in its parentheses, with their types: the checker's lists
/// (compiler/imgc/tests/lsp.rs compares them with its "settings:" help).
const MOUNT_SETTINGS: &[(&str, &str, &str)] = &[
    ("cache", "id", "string"),
    ("cache", "sharing", "string"),
    ("cache", "from", "image"),
    ("cache", "source", "path"),
    ("cache", "mode", "string"),
    ("cache", "uid", "int"),
    ("cache", "gid", "int"),
    ("cache", "readonly", "bool"),
    ("bind", "from", "image"),
    ("bind", "source", "path"),
    ("bind", "readwrite", "bool"),
    ("tmpfs", "size", "int"),
    ("secret", "target", "path"),
    ("secret", "env", "string"),
    ("secret", "required", "bool"),
    ("secret", "mode", "string"),
    ("secret", "uid", "int"),
    ("secret", "gid", "int"),
    ("ssh", "id", "string"),
    ("ssh", "target", "path"),
    ("ssh", "required", "bool"),
    ("ssh", "mode", "string"),
    ("ssh", "uid", "int"),
    ("ssh", "gid", "int"),
];

const TYPES: &[&str] =
    &["string", "int", "bool", "path", "port", "duration", "image", "signal", "secret", "list[string]", "map[string]"];

/// The completions at byte `offset` of `text`; `analysis` is the last that parsed.
pub fn complete(text: &str, offset: usize, analysis: Option<&Analysis>) -> Vec<CompletionItem> {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.rsplit('\n').next().unwrap_or("");
    let word_start = line.trim_end_matches(is_name_char).len();
    let (head, _word) = line.split_at(word_start);

    // `apt.` : the module's members.
    if let Some(module_name) = head.strip_suffix('.').map(|h| &h[h.trim_end_matches(is_name_char).len()..]) {
        let Some(analysis) = analysis else { return Vec::new() };
        let module = analysis
            .index
            .visible_at(0, offset as u32)
            .into_iter()
            .find(|d| d.name == module_name && d.kind == DefinitionKind::Module);
        return module
            .and_then(|m| m.target_module)
            .map(|target| analysis.index.members(target).into_iter().map(name_item).collect())
            .unwrap_or_default();
    }
    let head_words: Vec<&str> = head.split_whitespace().collect();
    // After `from` (a stage's base, `copy from`): the stages.
    if head_words.last() == Some(&"from") {
        let stages = analysis.map(|a| {
            a.index
                .definitions
                .iter()
                .filter(|d| d.kind == DefinitionKind::Stage && d.module == 0)
                .map(name_item)
                .collect()
        });
        return stages.unwrap_or_default();
    }
    // After `:` in a declaration: the types.
    let first = head_words.first().copied().unwrap_or("");
    if head.trim_end().ends_with(':') && matches!(first, "let" | "arg" | "fn")
        || in_fn_params(before) && head.trim_end().ends_with(':')
    {
        return TYPES.iter().map(|t| keyword_item(t, "type", CompletionItemKind::TYPE_PARAMETER)).collect();
    }
    // Inside a mount's parentheses (`cache "/c" (`): its settings not given yet.
    if let Some((keyword, given)) = open_mount_settings(before) {
        return MOUNT_SETTINGS
            .iter()
            .filter(|(mount, ..)| *mount == keyword)
            .filter(|(_, name, _)| !given.iter().any(|g| g == name))
            .map(|(_, name, ty)| CompletionItem {
                label: format!("{name}:"),
                kind: Some(CompletionItemKind::PROPERTY),
                detail: Some(format!("{ty}: a setting of the `{keyword}` mount")),
                insert_text: Some(format!("{name}: ")),
                ..Default::default()
            })
            .collect();
    }
    let mut items = Vec::new();
    // Inside a call's parentheses: its named arguments.
    if let Some(callee) = open_call(before)
        && let Some(analysis) = analysis
        && let Some(function) = resolve_callee(analysis, &callee, offset)
    {
        for &parameter in &function.parameters {
            let parameter = &analysis.index.definitions[parameter];
            let mut item = name_item(parameter);
            item.label = format!("{}:", parameter.name);
            item.insert_text = Some(format!("{}: ", parameter.name));
            items.push(item);
        }
    }
    if head.trim().is_empty() {
        let depth = block_depth(before);
        let keywords = if depth == 0 { TOP_LEVEL } else { STEPS };
        items.extend(keywords.iter().map(|(k, d)| keyword_item(k, d, CompletionItemKind::KEYWORD)));
        // A step's options may start the next line.
        let previous = before.lines().rev().skip(1).find(|l| !l.trim().is_empty()).unwrap_or("");
        items.extend(options_of(previous));
    } else {
        items.extend(options_of(line));
    }
    if let Some(analysis) = analysis {
        let calls_allowed = head.trim().is_empty();
        items.extend(
            analysis
                .index
                .visible_at(0, offset as u32)
                .into_iter()
                .filter(|d| calls_allowed || d.kind != DefinitionKind::Function)
                .map(name_item),
        );
    }
    items
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The options of the step a line starts with.
fn options_of(line: &str) -> Vec<CompletionItem> {
    let step = line.split_whitespace().next().unwrap_or("");
    imgc_core::check::step_options(step)
        .iter()
        .map(|o| keyword_item(o, &format!("an option of `{step}`"), CompletionItemKind::PROPERTY))
        .collect()
}

/// How many blocks (`{`) are open before the cursor, outside strings and comments.
fn block_depth(text: &str) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut chars = text.chars();
    let mut in_comment = false;
    while let Some(c) = chars.next() {
        match c {
            '\n' => in_comment = false,
            _ if in_comment => {}
            '\\' if in_string => {
                chars.next();
            }
            '"' => in_string = !in_string,
            '#' if !in_string => in_comment = true,
            '{' if !in_string => depth += 1,
            '}' if !in_string => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

/// The callee of the call whose parentheses are open at the end of `before` (`user.create(`).
fn open_call(before: &str) -> Option<String> {
    let mut depth = 0i32;
    for (i, c) in before.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => {
                let head = &before[..i];
                let callee = &head[head.trim_end_matches(|c: char| is_name_char(c) || c == '.').len()..];
                return (!callee.is_empty()).then(|| callee.to_string());
            }
            '(' => depth -= 1,
            '{' | '}' => return None,
            _ => {}
        }
    }
    None
}

/// When the parentheses open at the end of `before` are a mount's settings (`cache "/c" (id: "x", `):
/// the mount's keyword and the settings already written in them.
fn open_mount_settings(before: &str) -> Option<(&str, Vec<&str>)> {
    let mut depth = 0i32;
    let open = before.char_indices().rev().find_map(|(i, c)| match c {
        ')' => {
            depth += 1;
            None
        }
        '(' if depth == 0 => Some(Some(i)),
        '(' => {
            depth -= 1;
            None
        }
        '{' | '}' => Some(None),
        _ => None,
    })??;
    let head = &before[..open];
    let is_mount = |word: &str| MOUNT_SETTINGS.iter().any(|(m, ..)| *m == word);
    // A call's parentheses follow its name directly (`user.create(`).
    if head.ends_with(is_name_char) && !is_mount(&head[head.trim_end_matches(is_name_char).len()..]) {
        return None;
    }
    // The settings follow the mount's keyword and at most its value (`cache "/c"`, `ssh`).
    let keyword = head
        .split(|c: char| c.is_ascii_whitespace() || c == '"')
        .filter(|word| !word.is_empty())
        .rev()
        .take(3)
        .find(|word| is_mount(word))?;
    let inside = &before[open + 1..];
    let given = inside
        .split(',')
        .filter_map(|part| part.split_once(':').map(|(name, _)| name.trim()))
        .filter(|name| !name.is_empty())
        .collect();
    Some((keyword, given))
}

/// Whether the cursor is in a function's parameter list.
fn in_fn_params(before: &str) -> bool {
    let Some(start) = before.rfind("fn ") else { return false };
    let rest = &before[start..];
    rest.contains('(') && !rest.contains(')')
}

fn resolve_callee<'a>(analysis: &'a Analysis, callee: &str, offset: usize) -> Option<&'a Definition> {
    let visible = analysis.index.visible_at(0, offset as u32);
    match callee.split_once('.') {
        None => visible.into_iter().find(|d| d.name == callee && d.kind == DefinitionKind::Function),
        Some((module, member)) => {
            let target = visible.into_iter().find(|d| d.name == module)?.target_module?;
            analysis.index.members(target).into_iter().find(|d| d.name == member)
        }
    }
}

fn keyword_item(label: &str, detail: &str, kind: CompletionItemKind) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

fn name_item(definition: &Definition) -> CompletionItem {
    let kind = match definition.kind {
        DefinitionKind::Let | DefinitionKind::Parameter => CompletionItemKind::VARIABLE,
        DefinitionKind::Arg => CompletionItemKind::CONSTANT,
        DefinitionKind::Function => CompletionItemKind::FUNCTION,
        DefinitionKind::Stage => CompletionItemKind::CLASS,
        DefinitionKind::Module => CompletionItemKind::MODULE,
    };
    CompletionItem {
        label: definition.name.clone(),
        kind: Some(kind),
        detail: definition.detail.clone(),
        documentation: definition
            .doc
            .as_ref()
            .map(|doc| Documentation::MarkupContent(MarkupContent { kind: MarkupKind::Markdown, value: doc.clone() })),
        ..Default::default()
    }
}
