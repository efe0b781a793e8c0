/**
 * tree-sitter grammar for imgc's `.img` language.
 *
 * It follows compiler/imgc-core/src/syntax/grammar.pest, the language's definition; where the two
 * differ, pest is right. Statements end at a line break or `;`; line breaks are free inside
 * brackets, and a line that starts with a clause keyword (`cache`, `network`, ...) continues the step
 * above it. src/scanner.c decides which line breaks end a statement: it emits `_newline` only where
 * the grammar accepts one and the next line does not start with a clause keyword; every other line
 * break is whitespace.
 *
 * The keyword lists below are the single source of truth for the editors: queries/highlights.scm,
 * the VS Code TextMate grammar and the book's highlight.js definition must name the same words
 * (compiler/imgc/tests/editors.rs checks all of them against the pest grammar).
 */

/// Words that start a step.
const STEP_KEYWORDS = [
  'run', 'copy', 'add', 'env', 'workdir', 'user', 'expose', 'label', 'volume', 'cmd', 'entrypoint',
  'healthcheck', 'stopsignal', 'shell', 'onbuild', 'layer', 'maintainer',
];
/// Words that start or join a declaration.
const DECLARATION_KEYWORDS = ['import', 'as', 'arg', 'let', 'fn', 'stage', 'image', 'from', 'to', 'platform', 'directive'];
/// Clause keywords: words that continue a step (`run "x" cache "/c"`); keep in sync with scanner.c.
const CLAUSE_KEYWORDS = [
  'from', 'platform', 'cache', 'bind', 'tmpfs', 'secret', 'ssh', 'device', 'network', 'security',
  'chown', 'chmod', 'link', 'exclude', 'parents', 'checksum', 'keep_git_dir', 'unpack', 'interval',
  'timeout', 'start_period', 'start_interval', 'retries',
];
/// `env`'s scopes: keywords only right after `env`.
const ENV_SCOPES = ['build', 'both', 'runtime'];

const PREC = {plus: 1, field: 2, call: 3};

/// Every reserved word, once.
const KEYWORDS = [...new Set([...DECLARATION_KEYWORDS, ...STEP_KEYWORDS, ...CLAUSE_KEYWORDS, ...ENV_SCOPES])];

/// A place where any word may stand, keywords included (a build argument's name, a field, a named
/// option), shown as the node `name`.
function anyWord($, name) {
  const node = $[name] || name;
  return choice(name === 'identifier' ? $.identifier : alias($.identifier, node), ...KEYWORDS.map(k => alias(k, node)));
}

/// Newlines around commas in brackets are whitespace (scanner.c), so a bracketed list is plain.
function commaList(rule) {
  return optional(seq(rule, repeat(seq(',', rule)), optional(',')));
}

module.exports = grammar({
  name: 'img',

  externals: $ => [$._newline, $._error_sentinel],

  extras: $ => [/[ \t\r\n\f]/, /\\\r?\n/, $.comment],

  word: $ => $.identifier,

  conflicts: $ => [],

  rules: {
    source_file: $ => seq(optional($._sep), optional(seq($._statement, repeat(seq($._sep, $._statement)), optional($._sep)))),

    _sep: $ => repeat1(choice($._newline, ';')),

    block: $ => seq('{', optional($._sep), optional(seq($._statement, repeat(seq($._sep, $._statement)), optional($._sep))), '}'),

    _statement: $ => choice(
      $.import, $.arg, $.let, $.function, $.stage, $.image, $.directive,
      $.run, $.copy, $.add, $.env, $.workdir, $.user, $.expose, $.label, $.volume, $.cmd,
      $.entrypoint, $.healthcheck, $.stopsignal, $.shell, $.onbuild, $.layer, $.maintainer,
      $.call,
    ),

    // ---- declarations ----
    import: $ => seq('import', choice(seq(field('path', $.string), 'as', field('name', $.identifier)), field('module', $.module_path))),
    module_path: $ => seq(anyWord($, 'identifier'), repeat(seq(token.immediate('.'), anyWord($, 'identifier')))),
    // A build argument may be named with a keyword (`arg user = "app"`).
    arg: $ => seq('arg', field('name', anyWord($, 'identifier')), optional(seq(':', field('type', $.type))), optional(seq('=', field('value', choice($.none, $._expression))))),
    let: $ => seq('let', field('name', $.identifier), optional(seq(':', field('type', $.type))), '=', field('value', $._expression)),
    function: $ => seq('fn', field('name', $.identifier), field('parameters', $.parameters), field('body', $.block)),
    parameters: $ => seq('(', commaList($.parameter), ')'),
    parameter: $ => seq(field('name', $.identifier), ':', field('type', $.type), optional(seq('=', field('default', $._expression)))),
    stage: $ => seq('stage', field('name', $.identifier), 'from', field('base', $._expression), optional($.platform), optional($.stage_alias), field('body', $.block)),
    image: $ => seq('image', optional(field('name', $.identifier)), 'from', field('base', $._expression), optional($.platform), optional($.stage_alias), field('body', $.block)),
    platform: $ => seq('platform', $._expression),
    stage_alias: $ => seq('as', choice($.none, $.string)),
    directive: $ => seq('directive', field('name', $.identifier), '=', field('value', $._expression)),

    type: $ => seq(anyWord($, 'type_identifier'), optional(seq('[', $.type, ']'))),

    // ---- steps ----
    run: $ => seq('run', $._expression, repeat($.clause)),
    copy: $ => seq('copy', optional(seq('from', field('from', $._expression))), $._expression_list, 'to', field('destination', $._expression), repeat($.clause)),
    add: $ => seq('add', $._expression_list, 'to', field('destination', $._expression), repeat($.clause)),
    env: $ => seq('env', optional(field('scope', $.env_scope)), $._expression),
    env_scope: $ => choice(...ENV_SCOPES),
    workdir: $ => seq('workdir', $._expression),
    user: $ => seq('user', $._expression),
    expose: $ => seq('expose', $._expression_list),
    label: $ => seq('label', choice($.entry, $._expression)),
    volume: $ => seq('volume', $._expression_list),
    cmd: $ => seq('cmd', $._expression),
    entrypoint: $ => seq('entrypoint', $._expression),
    healthcheck: $ => seq('healthcheck', choice($.none, seq($._expression, repeat($.clause)))),
    stopsignal: $ => seq('stopsignal', $._expression),
    shell: $ => seq('shell', $._expression),
    onbuild: $ => seq('onbuild', $.block),
    layer: $ => seq('layer', $.block),
    maintainer: $ => seq('maintainer', $._expression),

    _expression_list: $ => seq($._expression, repeat(seq(',', $._expression))),

    clause: $ => prec.right(seq(field('keyword', $.clause_keyword), optional($._expression), optional($.clause_options))),
    clause_keyword: $ => choice(...CLAUSE_KEYWORDS),
    clause_options: $ => seq('(', commaList($.named_argument), ')'),
    named_argument: $ => seq(field('name', anyWord($, 'identifier')), ':', field('value', $._expression)),

    // ---- expressions ----
    _expression: $ => choice($.binary_expression, $._term),
    binary_expression: $ => prec.left(PREC.plus, seq(field('left', $._expression), '+', field('right', $._term))),
    _term: $ => choice($.call, $.field_expression, $._primary),
    field_expression: $ => prec(PREC.field, seq(field('value', $._term), '.', field('field', anyWord($, 'field_identifier')))),
    call: $ => prec(PREC.call, seq(field('function', choice($.identifier, $.field_expression)), field('arguments', $.arguments))),
    arguments: $ => seq(token.immediate('('), commaList($.argument), ')'),
    argument: $ => seq(optional(seq(field('name', $.identifier), ':')), field('value', $._expression)),
    _primary: $ => choice($.boolean, $.scratch, $.number, $.string, $.list, $.map, $.parenthesized_expression, $.identifier, $._step_word),
    // A step's keyword as a name: the standard module `user` in `user.create(...)` (pest reads a
    // callee as plain words). Accepted alone too, which pest does not, so it highlights as a name.
    _step_word: $ => alias(choice(...STEP_KEYWORDS), $.identifier),
    parenthesized_expression: $ => seq('(', $._expression, ')'),
    list: $ => seq('[', commaList($._expression), ']'),
    // Map entries are separated by `,` or line breaks.
    map: $ => seq('{', optional($._entry_sep), optional(seq($.entry, repeat(seq($._entry_sep, $.entry)), optional($._entry_sep))), '}'),
    _entry_sep: $ => repeat1(choice($._newline, ',')),
    entry: $ => seq(field('key', choice($.identifier, $.string)), '=', field('value', $._expression)),

    boolean: $ => choice('true', 'false'),
    scratch: $ => 'scratch',
    none: $ => 'none',
    // `42`, `0o755`, `80/tcp`, `30s`, `1m30s`: the builder checks the shape.
    number: $ => /[0-9][A-Za-z0-9_]*(\/[A-Za-z]+)?/,

    string: $ => seq('"', repeat(choice($.string_content, $.escape_sequence, $.interpolation)), token.immediate('"')),
    string_content: $ => token.immediate(prec(1, /([^"\\$]|\$[^"\\{$])+|\$/)),
    escape_sequence: $ => token.immediate(prec(1, /\\(.|\r?\n)/)),
    interpolation: $ => seq(token.immediate(prec(1, '${')), $._expression, '}'),

    identifier: $ => /[A-Za-z_][A-Za-z0-9_]*/,
    comment: $ => token(seq('#', /[^\r\n]*/)),
  },
});

module.exports.keywords = {STEP_KEYWORDS, DECLARATION_KEYWORDS, CLAUSE_KEYWORDS, ENV_SCOPES, KEYWORDS};
