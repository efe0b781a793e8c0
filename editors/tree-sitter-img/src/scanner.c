// External scanner for the `.img` grammar: decides which line breaks end a statement.
//
// A line break is a `_newline` token only where the grammar accepts one (between statements, between
// map entries) and the next line does not start with a clause keyword (`cache`, `network`, ...):
// such a line continues the step above it, as in grammar.pest's `clauses = { (nl ~ clause)* }`.
// Every other line break is whitespace (the grammar's extras), which makes line breaks free inside
// brackets. The clause keywords must be the same as CLAUSE_KEYWORDS in grammar.js.

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <string.h>

enum TokenType { NEWLINE, ERROR_SENTINEL };

static const char *const CLAUSE_KEYWORDS[] = {
    "from",     "platform", "cache",        "bind",           "tmpfs",   "secret",
    "ssh",      "device",   "network",      "security",       "chown",   "chmod",
    "link",     "exclude",  "parents",      "checksum",       "keep_git_dir", "unpack",
    "interval", "timeout",  "start_period", "start_interval", "retries",
};

static bool is_word_char(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_clause_keyword(const char *word) {
  for (size_t i = 0; i < sizeof(CLAUSE_KEYWORDS) / sizeof(CLAUSE_KEYWORDS[0]); i++) {
    if (strcmp(word, CLAUSE_KEYWORDS[i]) == 0) {
      return true;
    }
  }
  return false;
}

void *tree_sitter_img_external_scanner_create(void) { return NULL; }
void tree_sitter_img_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_img_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_img_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

bool tree_sitter_img_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  // In error recovery every symbol is valid: leave line breaks to the extras.
  if (valid_symbols[ERROR_SENTINEL] || !valid_symbols[NEWLINE]) {
    return false;
  }
  while (lexer->lookahead == ' ' || lexer->lookahead == '\t' || lexer->lookahead == '\r' ||
         lexer->lookahead == '\f') {
    lexer->advance(lexer, true);
  }
  if (lexer->lookahead != '\n') {
    return false;
  }
  lexer->advance(lexer, false);
  lexer->mark_end(lexer);
  lexer->result_symbol = NEWLINE;

  // Look past blank lines, comment lines and backslash continuations at the next line's first word.
  for (;;) {
    int32_t c = lexer->lookahead;
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
      lexer->advance(lexer, false);
    } else if (c == '#') {
      while (lexer->lookahead != '\n' && !lexer->eof(lexer)) {
        lexer->advance(lexer, false);
      }
    } else if (c == '\\') {
      lexer->advance(lexer, false);
      if (lexer->lookahead == '\r') {
        lexer->advance(lexer, false);
      }
      if (lexer->lookahead != '\n') {
        return true;
      }
    } else {
      break;
    }
    if (lexer->eof(lexer)) {
      return true;
    }
  }
  char word[16];
  size_t length = 0;
  while (is_word_char(lexer->lookahead)) {
    if (length + 1 >= sizeof(word)) {
      return true;
    }
    word[length++] = (char)lexer->lookahead;
    lexer->advance(lexer, false);
  }
  word[length] = '\0';
  return !is_clause_keyword(word);
}
